"""Keeping people informed: notices decided by the rules become messages on the channels a deployment chose.

Channel `notify` rows (from the rules) are routed here: staff notices are rendered at once, requester status
updates are first coalesced into a `requester-digest` row. Notifier plugins (plugins/) turn rendered messages
into rows of their own channels (`email`, or `tool` replies), which the outbox dispatcher delivers.
"""
