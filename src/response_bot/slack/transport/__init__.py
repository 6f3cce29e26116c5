"""Plumbing every flow shares: the Web API clients, the Socket Mode link and its gate, the one listener
per event type, background work, telling the person who acted, errors in words, and finding a bot
message again."""
