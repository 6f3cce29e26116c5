"""Slack users as the incident records know them: one row per Slack ID."""
