"""Webhook signing matches the Standard Webhooks test vector, and WEBHOOKS is read strictly."""

from __future__ import annotations

import time

import pytest
from standardwebhooks.webhooks import Webhook

from response_bot.integrations.webhook_endpoints import EVENT_TYPES, parse
from response_bot.integrations.webhook_signing import new_secret, signature, signing_key


def test_the_signature_matches_the_standard_webhooks_test_vector() -> None:
    # From the Standard Webhooks repository's libraries/go/webhook_test.go.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    got = signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    assert got == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_new_secret_signs_what_the_reference_library_verifies() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and len(signing_key(secret)) == 32
    body = b'{"type":"ping"}'
    now = int(time.time())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": signature(secret, "msg_1", now, body),
    }
    assert Webhook(secret).verify(body, headers) == {"type": "ping"}


@pytest.mark.parametrize(
    ("secret", "problem"),
    [("whsec_not base64!", "is not a webhook secret"), ("whsec_c2hvcnQ=", "must hold 24 to 64 random bytes")],
)
def test_a_bad_secret_is_named(secret: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        signing_key(secret)


def test_endpoints_read_with_their_events_and_private_flag() -> None:
    ops, audit = parse(
        "ops=https://hooks.example.com/r events=incident.*,followup.done private\naudit=http://audit.internal/in"
    )
    assert ops.name == "ops" and ops.url == "https://hooks.example.com/r" and ops.private
    assert ops.events == {t for t in EVENT_TYPES if t.startswith("incident.")} | {"followup.done"}
    assert audit.events == set(EVENT_TYPES) and not audit.private
    assert ops.wants("incident.closed", private=True) and not audit.wants("incident.closed", private=True)
    assert not ops.wants("timeline.entry_added", private=False)
    assert parse("") == [] and len(parse("a=https://a.test; b=https://b.test")) == 2


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("https://hooks.example.com", "should be name=URL"),
        ("ops=hooks.example.com", "endpoint 'ops': 'hooks.example.com' is not an http(s) URL"),
        (
            "ops=https://a.test events=incident.exploded",
            "endpoint 'ops': 'incident.exploded' is not an event type",
        ),
        ("ops=https://a.test events=nothing.*", "no event types match 'nothing.*'"),
        ("ops=https://a.test loud", "endpoint 'ops': 'loud' is not events=…, private or secret=…"),
        ("ops=https://a.test\nops=https://b.test", "names the endpoint 'ops' twice"),
    ],
)
def test_a_bad_endpoint_list_names_the_endpoint_and_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        parse(text)
