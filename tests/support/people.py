"""The people and channels most tests start from, put into a fake Slack (which itself knows nobody)."""

from __future__ import annotations

from dataclasses import dataclass

from tests.fakeslack import Channel, FakeSlack, User


@dataclass
class People:
    alice: User
    bob: User
    carol: User
    general: Channel
    incidents: Channel


def the_usual(slack: FakeSlack) -> People:
    """Alice, Bob and Carol in #general and #incidents (the bot is in both)."""
    alice = slack.add_user("alice", real_name="Alice Archer")
    bob = slack.add_user("bob", real_name="Bob Baker")
    carol = slack.add_user("carol", real_name="Carol Chen")
    general = slack.add_channel("general", alice, bob, carol)
    incidents = slack.add_channel("incidents", alice, bob, carol)
    return People(alice, bob, carol, general, incidents)
