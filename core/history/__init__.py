"""Readers for help-desk history (event logs exported from ServiceNow and similar tools)."""
