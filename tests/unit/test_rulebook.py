"""The rules file is read strictly: each mistake is one line naming the rule and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from response_bot.automation.rulebook import RulesError, Trigger, load, parse
from response_bot.incidents.enums import Severity, Status


def one(**fields: object) -> dict[str, object]:
    return {"rule": [{"name": "R", "when": "declared", "do": [{"remind": "hi"}], **fields}]}


def test_toml_and_yaml_read_the_same_rules(tmp_path: Path) -> None:
    (tmp_path / "r.toml").write_text(
        """
[[rule]]
name = "Exec"
when = "severity"
severity = "2"
if = { private = false, working_hours = "outside", severity = ["critical", "major"], keywords = ["Pay"] }
[[rule.do]]
post = "#exec"
text = "{title}"
[[rule.do]]
invite = ["U012AB", "@payments-oncall", "S0123"]
"""
    )
    (tmp_path / "r.yaml").write_text(
        """
rule:
  - name: Exec
    when: severity
    severity: "2"
    if: {private: false, working_hours: outside, severity: [critical, major], keywords: [Pay]}
    do:
      - {post: "#exec", text: "{title}"}
      - invite: [U012AB, "@payments-oncall", S0123]
"""
    )
    toml, yaml_ = load(tmp_path / "r.toml"), load(tmp_path / "r.yaml")
    assert toml == yaml_
    [rule] = toml
    assert rule.trigger is Trigger.SEVERITY and rule.severity is Severity.MAJOR
    assert rule.conditions.severities == {Severity.CRITICAL, Severity.MAJOR}
    assert rule.conditions.keywords == ("pay",) and rule.conditions.working_hours == "outside"
    assert [a.kind for a in rule.actions] == ["post", "invite"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"when": "sometimes"}, "rule 'R': `when` must be one of declared, severity"),
        ({"when": "severity"}, "rule 'R': `severity` is needed with when = \"severity\""),
        ({"when": "status", "status": "fixed"}, "rule 'R': `status` 'fixed' is not investigating"),
        ({"when": "lead_missing"}, "rule 'R': `minutes` must be a whole number of minutes from 1 to 10080"),
        ({"when": "no_update", "minutes": 0}, "`minutes` must be a whole number"),
        ({"minutes": 5}, '`minutes` only goes with when = "lead_missing" or "no_update"'),
        ({"when": "keyword"}, '`keywords` is needed with when = "keyword"'),
        ({"colour": "red"}, "rule 'R': `colour` is not a rule field"),
        ({"if": {"weather": "rain"}}, "rule 'R': `if.weather` is not a condition"),
        ({"if": {"private": "yes"}}, "`if.private` must be true or false"),
        ({"if": {"working_hours": "always"}}, '`if.working_hours` must be "within" or "outside"'),
        ({"if": {"severity": ["sev9"]}}, "`if.severity` 'sev9' is not a severity"),
        ({"do": []}, "rule 'R': `do` must list at least one action"),
        ({"do": [{"post": "#x", "remind": "y"}]}, "`do[1]` must have exactly one of post, invite"),
        ({"do": [{"post": "exec"}]}, "`do[1].post` must be a channel: #name or its ID"),
        ({"do": [{"post": "#exec"}]}, "`do[1].text` must be the message to post"),
        ({"do": [{"post": "#exec", "text": "{title.__class__}"}]}, "`do[1].text` knows {id}"),
        ({"do": [{"post": "#exec", "text": "{secret}"}]}, "not {secret}"),
        ({"do": [{"remind": "x {"}]}, "`do[1].remind` is not a template"),
        ({"do": [{"invite": ["bob"]}]}, "`do[1].invite` must list user IDs (U…) and user groups"),
        ({"do": [{"page": {"team": "PABC123"}}]}, '`do[1].page` must be { service = "P…" }'),
        ({"do": [{"role": "comms"}]}, "`do[1].user` must be the user ID (U…)"),
        ({"do": [{"statuspage": "yes"}]}, "`do[1].statuspage` must be true"),
        ({"do": [{"remind": "x", "text": "y"}]}, "`do[1].text` does not go with remind"),
        ({"name": ""}, "rule 1: `name` must be some text"),
    ],
)
def test_each_mistake_names_the_rule_and_the_field(fields: dict[str, object], message: str) -> None:
    with pytest.raises(RulesError) as raised:
        parse(one(**fields))
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_file_level_mistakes(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="rule 'R': the name is used twice"):
        parse({"rule": [one()["rule"][0], one()["rule"][0]]})  # type: ignore[index]
    with pytest.raises(RulesError, match="has 'rulez' at the top"):
        parse({"rulez": []})
    (tmp_path / "bad.toml").write_text("[[rule]\nname=")
    with pytest.raises(RulesError, match="is not valid TOML"):
        load(tmp_path / "bad.toml")
    (tmp_path / "bad.yaml").write_text("rule:\n  - name: [unclosed\n")
    with pytest.raises(RulesError, match="is not valid YAML at line"):
        load(tmp_path / "bad.yaml")
    with pytest.raises(RulesError, match=r"must end in \.toml, \.yaml or \.yml"):
        load(tmp_path / "bad.json")
    with pytest.raises(RulesError, match="can't be read"):
        load(tmp_path / "missing.toml")
    assert load_status(tmp_path) is Status.IDENTIFIED


def load_status(tmp_path: Path) -> Status | None:
    (tmp_path / "s.yml").write_text(
        "rule:\n  - {name: S, when: status, status: Identified, do: {remind: hi}}\n"
    )
    return load(tmp_path / "s.yml")[0].status
