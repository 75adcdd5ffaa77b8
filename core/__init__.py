"""Baton's core: the domain, the ledger store, config, CLI and (later) the service."""
