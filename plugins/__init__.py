"""Built-in plugins that are not connectors: notifiers and report renderers."""
