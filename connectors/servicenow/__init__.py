"""The ServiceNow connector: the Table API through `requests`, holder-change webhooks from a business rule."""
