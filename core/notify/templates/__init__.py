"""Built-in message templates (data): copy one into notifications.templates_dir to override it."""
