"""Outbound webhooks: the log of every delivery to every endpoint, for people to see what was sent."""
