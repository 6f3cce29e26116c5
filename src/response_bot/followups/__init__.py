"""Follow-ups: what must happen after the incident so it doesn't happen again."""
