"""The generic REST connector: any ticketing tool with a REST API, described by a YAML profile."""
