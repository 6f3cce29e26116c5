"""The Slack adapter: listeners, Block Kit, ids. Turns Slack payloads into service calls and back."""
