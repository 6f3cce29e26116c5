"""Reminders and nudges as an outbox: one row per notification due, claimed with a lease, sent once."""
