"""All Block Kit: pure functions from domain objects to messages and views."""
