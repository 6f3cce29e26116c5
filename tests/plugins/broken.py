"""A plugin that fails to import, to prove start-up says so clearly."""

import response_bot_does_not_exist  # noqa: F401
