"""Reading RULES_FILE (TOML or YAML) into rules, strictly: anything wrong is one line naming the
rule and the field. A rule is a trigger (`when`), optional conditions (`if`) and actions (`do`):

    [[rule]]
    name = "Exec heads-up"
    when = "severity"          # declared | severity | status | lead_set | lead_missing | no_update
    severity = "major"         #   | closed | reopened | keyword
    [rule.if]
    private = false
    working_hours = "outside"
    [[rule.do]]
    post = "#exec-incidents"
    text = "{severity} incident {id}: {title} {doc_url}"
"""

from __future__ import annotations

import enum
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from response_bot.automation.templates import check_template
from response_bot.incidents.enums import Severity, Status


class Trigger(enum.StrEnum):
    DECLARED = "declared"
    SEVERITY = "severity"  # reaches or passes `severity`
    STATUS = "status"  # becomes `status`
    LEAD_SET = "lead_set"
    LEAD_MISSING = "lead_missing"  # no lead `minutes` after it was declared
    NO_UPDATE = "no_update"  # no status update for `minutes`
    CLOSED = "closed"
    REOPENED = "reopened"
    KEYWORD = "keyword"  # one of `keywords` in the title or summary

    @property
    def timed(self) -> bool:
        return self in (Trigger.LEAD_MISSING, Trigger.NO_UPDATE)


@dataclass(frozen=True)
class Conditions:
    severities: frozenset[Severity] | None = None
    private: bool | None = None
    keywords: tuple[str, ...] = ()
    working_hours: str | None = None  # "within" | "outside"


@dataclass(frozen=True)
class Action:
    """One thing a rule does: `kind` is post | invite | page | webhook | role | remind | statuspage."""

    kind: str
    target: str = ""  # the channel, the webhook endpoint, the role
    text: str = ""  # a message template
    people: tuple[str, ...] = ()  # user ids (U…) and user groups (S… or @handle)
    page_kind: str = ""  # service | escalation_policy


@dataclass(frozen=True)
class Rule:
    name: str
    trigger: Trigger
    severity: Severity | None = None
    status: Status | None = None
    minutes: int = 0
    keywords: tuple[str, ...] = ()
    conditions: Conditions = field(default_factory=Conditions)
    actions: tuple[Action, ...] = ()


class RulesError(ValueError):
    """What is wrong with the rules file, in one line."""


ACTION_KEYS = ("post", "invite", "page", "webhook", "role", "remind", "statuspage")
USER = re.compile(r"[UW][A-Z0-9]{2,}")
GROUP = re.compile(r"S[A-Z0-9]{2,}|@[a-z0-9][a-z0-9._-]*")
CHANNEL = re.compile(r"#[a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{6,}")


def load(path: str | Path) -> list[Rule]:
    """The rules in a TOML (`.toml`) or YAML (`.yaml`, `.yml`) file."""
    file = Path(path)
    if file.suffix.lower() not in (".toml", ".yaml", ".yml"):
        raise RulesError("must end in .toml, .yaml or .yml")
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise RulesError(f"can't be read: {error.strerror or error}") from None
    if file.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise RulesError(
                f"is not valid YAML{where}: {getattr(error, 'problem', None) or error}"
            ) from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise RulesError(f"is not valid TOML: {error}") from None
    return parse(data)


def parse(data: Any) -> list[Rule]:
    if not isinstance(data, dict):
        raise RulesError("must hold a list of rules under `rule`")
    unknown = set(data) - {"rule", "rules"}
    if unknown:
        raise RulesError(f"has '{sorted(unknown)[0]}' at the top; only `rule` entries belong there")
    entries = data.get("rule", data.get("rules", []))
    if not isinstance(entries, list):
        raise RulesError("`rule` must be a list of rules ([[rule]] in TOML, `rule:` with `- ` items in YAML)")
    rules: list[Rule] = []
    for number, entry in enumerate(entries, start=1):
        rule = _rule(number, entry)
        if any(r.name == rule.name for r in rules):
            raise RulesError(f"rule '{rule.name}': the name is used twice")
        rules.append(rule)
    return rules


class _Problem(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def _rule(number: int, entry: Any) -> Rule:
    if not isinstance(entry, dict):
        raise RulesError(f"rule {number}: must be a table of fields")
    name = entry.get("name")
    label = f"rule '{name}'" if isinstance(name, str) and name.strip() else f"rule {number}"
    try:
        return _checked(entry)
    except _Problem as problem:
        raise RulesError(f"{label}: `{problem.field}` {problem.message}") from None


def _checked(entry: dict[str, Any]) -> Rule:
    known = {"name", "when", "severity", "status", "minutes", "keywords", "if", "do"}
    extra = sorted(set(entry) - known)
    if extra:
        raise _Problem(
            extra[0], "is not a rule field (name, when, severity, status, minutes, keywords, if, do)"
        )
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 80:
        raise _Problem("name", "must be some text of at most 80 characters")
    when = entry.get("when")
    try:
        trigger = Trigger(str(when).strip().lower())
    except ValueError:
        raise _Problem("when", f"must be one of {', '.join(t.value for t in Trigger)}") from None
    severity = _severity("severity", entry["severity"]) if "severity" in entry else None
    status = _status(entry["status"]) if "status" in entry else None
    minutes = entry.get("minutes", 0)
    keywords = _words("keywords", entry["keywords"]) if "keywords" in entry else ()
    if trigger is Trigger.SEVERITY and severity is None:
        raise _Problem("severity", 'is needed with when = "severity": the level it reaches or passes')
    if trigger is Trigger.STATUS and status is None:
        raise _Problem(
            "status", 'is needed with when = "status": investigating, identified, monitoring or resolved'
        )
    if trigger.timed:
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 10_080:
            raise _Problem(
                "minutes", f'must be a whole number of minutes from 1 to 10080 with when = "{trigger}"'
            )
    elif "minutes" in entry:
        raise _Problem("minutes", 'only goes with when = "lead_missing" or "no_update"')
    if trigger is Trigger.KEYWORD and not keywords:
        raise _Problem("keywords", 'is needed with when = "keyword": the words to look for')
    conditions = _conditions(entry.get("if", {}))
    actions = entry.get("do")
    if isinstance(actions, dict):
        actions = [actions]
    if not isinstance(actions, list) or not actions:
        raise _Problem(
            "do", "must list at least one action (post, invite, page, webhook, role, remind, statuspage)"
        )
    return Rule(
        name.strip(),
        trigger,
        severity,
        status,
        minutes if trigger.timed else 0,
        keywords,
        conditions,
        tuple(_action(i, a) for i, a in enumerate(actions, start=1)),
    )


def _severity(field: str, value: Any) -> Severity:
    try:
        return Severity.parse(str(value))
    except Exception:
        raise _Problem(
            field, f"'{value}' is not a severity (critical, major, minor, trivial or 1-4)"
        ) from None


def _status(value: Any) -> Status:
    try:
        return Status(str(value).strip().lower())
    except ValueError:
        raise _Problem(
            "status", f"'{value}' is not investigating, identified, monitoring or resolved"
        ) from None


def _words(field: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
        raise _Problem(field, "must be a list of words")
    return tuple(w.strip().lower() for w in value)


def _conditions(value: Any) -> Conditions:
    if not isinstance(value, dict):
        raise _Problem("if", "must be a table of conditions (severity, private, keywords, working_hours)")
    extra = sorted(set(value) - {"severity", "private", "keywords", "working_hours"})
    if extra:
        raise _Problem(f"if.{extra[0]}", "is not a condition (severity, private, keywords, working_hours)")
    severities = None
    if "severity" in value:
        raw = value["severity"] if isinstance(value["severity"], list) else [value["severity"]]
        severities = frozenset(_severity("if.severity", s) for s in raw)
    private = value.get("private")
    if private is not None and not isinstance(private, bool):
        raise _Problem("if.private", "must be true or false")
    hours = value.get("working_hours")
    if hours is not None and hours not in ("within", "outside"):
        raise _Problem("if.working_hours", 'must be "within" or "outside"')
    keywords = _words("if.keywords", value["keywords"]) if "keywords" in value else ()
    return Conditions(severities, private, keywords, hours)


def _action(number: int, value: Any) -> Action:
    where = f"do[{number}]"
    if not isinstance(value, dict):
        raise _Problem(where, 'must be a table such as { post = "#channel", text = "…" }')
    kinds = [k for k in ACTION_KEYS if k in value]
    if len(kinds) != 1:
        raise _Problem(where, f"must have exactly one of {', '.join(ACTION_KEYS)}")
    kind = kinds[0]
    allowed = {kind} | {"post": {"text"}, "page": {"message", "name"}, "role": {"user"}}.get(kind, set())
    extra = sorted(set(value) - allowed)
    if extra:
        raise _Problem(f"{where}.{extra[0]}", f"does not go with {kind}")
    target = value[kind]
    if kind == "post":
        if not isinstance(target, str) or not CHANNEL.fullmatch(target.strip()):
            raise _Problem(f"{where}.post", "must be a channel: #name or its ID")
        text = value.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _Problem(f"{where}.text", "must be the message to post (it may use {id}, {title}, …)")
        _template(f"{where}.text", text)
        return Action("post", target.strip(), text)
    if kind == "invite":
        people = [target] if isinstance(target, str) else target
        if (
            not isinstance(people, list)
            or not people
            or not all(isinstance(p, str) and (USER.fullmatch(p) or GROUP.fullmatch(p)) for p in people)
        ):
            raise _Problem(f"{where}.invite", "must list user IDs (U…) and user groups (S… or @handle)")
        return Action("invite", people=tuple(people))
    if kind == "page":
        if not isinstance(target, dict) or len(target) != 1:
            raise _Problem(f"{where}.page", 'must be { service = "P…" } or { escalation_policy = "P…" }')
        [(page_kind, target_id)] = target.items()
        if (
            page_kind not in ("service", "escalation_policy")
            or not isinstance(target_id, str)
            or not (re.fullmatch(r"P[A-Z0-9]{5,}", target_id))
        ):
            raise _Problem(f"{where}.page", 'must be { service = "P…" } or { escalation_policy = "P…" }')
        message = value.get("message", "")
        if not isinstance(message, str):
            raise _Problem(f"{where}.message", "must be text")
        if message:
            _template(f"{where}.message", message)
        name = value.get("name", target_id)
        return Action("page", target_id, message, page_kind=page_kind, people=(str(name),))
    if kind == "webhook":
        if not isinstance(target, str) or not target.strip():
            raise _Problem(f"{where}.webhook", "must name an endpoint in WEBHOOKS")
        return Action("webhook", target.strip().lower())
    if kind == "role":
        user = value.get("user")
        if not isinstance(target, str) or not target.strip():
            raise _Problem(f"{where}.role", "must name a role (lead, or one of INCIDENT_ROLES)")
        if not isinstance(user, str) or not USER.fullmatch(user):
            raise _Problem(f"{where}.user", "must be the user ID (U…) to give the role to")
        return Action("role", target.strip().lower(), people=(user,))
    if kind == "remind":
        if not isinstance(target, str) or not target.strip():
            raise _Problem(f"{where}.remind", "must be the reminder's text")
        _template(f"{where}.remind", target)
        return Action("remind", text=target)
    if target is not True:
        raise _Problem(
            f"{where}.statuspage", "must be true (asks the lead whether to post to the status page)"
        )
    return Action("statuspage")


def _template(field: str, text: str) -> None:
    try:
        check_template(text)
    except ValueError as error:
        raise _Problem(field, str(error)) from None
