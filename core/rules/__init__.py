"""The rules engine: a deployment's handoff policy, evaluated purely over the ledger and an event."""
