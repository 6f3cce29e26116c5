"""The Slack side of the outbox: performing each effect once, sending notifications, and what a failed
call means."""
