"""The incident channel: making, furnishing and renaming it, and following renames made in Slack."""
