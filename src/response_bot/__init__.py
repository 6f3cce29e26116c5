"""Response: a self-hosted Slack incident bot on Socket Mode."""

__version__ = "0.1.0"
