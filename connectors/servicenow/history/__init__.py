"""ServiceNow history files: the incident event log, read for the ledger import and for back-tests."""
