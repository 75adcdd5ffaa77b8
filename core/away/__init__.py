"""Availability at run time: away periods from the store and ICS feeds, open-ticket counts, returns from leave.
The rules themselves are pure (core/rules/availability.py); this package reads what they are given."""
