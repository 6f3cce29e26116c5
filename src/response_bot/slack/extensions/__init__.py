"""The extension runtime's Slack side: plugins' keywords, events and buttons run with an `IncidentContext`."""
