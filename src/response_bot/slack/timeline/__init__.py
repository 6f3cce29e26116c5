"""The timeline from Slack: pins, the timeline emoji, the message shortcut, edits and deletions."""
