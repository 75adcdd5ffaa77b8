"""The application's use cases: what happens to a delivery, a poll, a due timer, a command, an outbox row."""
