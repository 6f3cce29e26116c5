"""Secrets for extensions (API keys of integrations), encrypted at rest."""
