"""A faithful fake of Slack for end-to-end tests: Web API + Socket Mode on loopback."""

from tests.fakeslack.actions import ClientRefused, Submission
from tests.fakeslack.model import BOT_USER_ID, Channel, Message, SlackError, User, View
from tests.fakeslack.server import FakeSlack

__all__ = [
    "BOT_USER_ID",
    "Channel",
    "ClientRefused",
    "FakeSlack",
    "Message",
    "SlackError",
    "Submission",
    "User",
    "View",
]
