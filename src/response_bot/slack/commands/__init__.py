"""Incident commands (`@incident …`, `/incident …`): reading and running them, and the summary and
impact prompts they post."""
