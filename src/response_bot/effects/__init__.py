"""Durable effects: everything a stored change must make Slack show, as outbox rows performed once."""
