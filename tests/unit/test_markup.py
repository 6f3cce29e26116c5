"""Slack markup on the web and in reports: readable, and never a way to run or disguise anything."""

from __future__ import annotations

import pytest

from response_bot.web.markup import mentioned_users, to_html, to_markdown

NAMES = {"U1": "Alice Archer"}


@pytest.mark.parametrize(
    ("markup", "html"),
    [
        ("<@U1> is on it", "@Alice Archer is on it"),
        ("<@U9|bob> too", "@bob too"),
        ("see <#C1|ops>", "see #ops"),
        ("<!here> look", "@here look"),
        ("<!subteam^S1|@oncall> paged", "@oncall paged"),
        ("a &lt; b &amp;&amp; c &gt; d", "a &lt; b &amp;&amp; c &gt; d"),
        ("*bold* _it_ ~gone~ `code`", "<strong>bold</strong> <em>it</em> <del>gone</del> <code>code</code>"),
        ("snake_case_name stays", "snake_case_name stays"),
        ("on :fire:", "on 🔥"),
        ("line one\nline two", "line one<br>\nline two"),
        (
            "<https://x.example/a?b=1&amp;c=2|the dash>",
            '<a href="https://x.example/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">the dash</a>',
        ),
        (
            "<mailto:ops@example.com|mail us>",
            '<a href="mailto:ops@example.com" rel="noopener noreferrer nofollow">mail us</a>',
        ),
    ],
)
def test_markup_reads_naturally(markup: str, html: str) -> None:
    assert str(to_html(markup, NAMES)) == html


@pytest.mark.parametrize(
    "markup",
    [
        "<javascript:alert(1)|click me>",
        "<JavaScript:alert(1)>",
        "<data:text/html;base64,PHNjcmlwdD4=|x>",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "<https://ok.example|<img src=x onerror=alert(1)>>",
        '<https://ok.example" onmouseover="alert(1)|x>',
    ],
)
def test_nothing_executable_comes_out(markup: str) -> None:
    html = str(to_html(markup, NAMES))
    assert "<script" not in html and "<img" not in html
    assert 'href="javascript' not in html.lower() and 'href="data:' not in html
    assert 'onmouseover="' not in html


def test_markdown_links_mentions_and_raw_html() -> None:
    text = to_markdown("<@U1> fixed <https://x.example|it> &lt;b&gt; <javascript:x|no>", NAMES)
    assert text == "@Alice Archer fixed [it](https://x.example) &lt;b&gt; no"


def test_mentions_are_found_for_name_lookup() -> None:
    assert mentioned_users("<@U1> and <@W2|w> but not <#C3>") == {"U1", "W2"}
