"""Handoff metrics: pure functions over the ledger's rows (core/metrics/load.py reads them)."""
