"""Reviews over the store: listing, showing and editing escalation reviews (and, beside them, handoff reviews)."""
