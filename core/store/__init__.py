"""The ledger store: tickets, the append-only ledger, inbox, outbox and timers (SQLAlchemy 2)."""
