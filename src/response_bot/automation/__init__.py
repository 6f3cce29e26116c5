"""Automation rules: a team's own process, written as a file, run by the bot."""
