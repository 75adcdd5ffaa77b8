"""Built-in plugins that are not connectors: notifiers (email, Slack, Teams, the reply in the ticket)."""
