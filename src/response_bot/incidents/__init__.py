"""The incident domain: models, repository, service. No Slack imports here."""
