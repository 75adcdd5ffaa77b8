"""Baton's core: the domain, the rules, the use cases, the store, the runtime, the web app and the CLI
(docs/architecture.md, "Layout")."""
