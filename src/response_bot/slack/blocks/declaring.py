"""What declaring shows: the declare modal, and the reporter's confirmation or the reason to wait."""

from __future__ import annotations

from response_bot.incidents.models import Incident
from response_bot.slack.blocks.form import fields, modal
from response_bot.slack.blocks.text import Block, channel_link, escape, link, plain, truncate
from response_bot.slack.ids import BlockId, Callback

PRIVATE_OPTION: Block = {
    "text": plain("🔒 Private: only people in its channel see it", 75),
    "description": plain("The incident gets a private channel and its headline is posted there.", 75),
    "value": "private",
}


DRILL_OPTION: Block = {
    "text": plain("🧪 Drill: practice, not a real incident", 75),
    "description": plain("Said plainly everywhere; left out of insights; nobody paged for real.", 75),
    "value": "drill",
}


def declare(*, title: str, metadata: str, drill: bool = False) -> Block:
    blocks = fields(title=title.strip() or None, summary=None, impact=None, lead_id=None, severity=None)
    blocks.append(
        {
            "type": "input",
            "block_id": BlockId.PRIVATE,
            "optional": True,
            "label": plain("Visibility"),
            "element": {"type": "checkboxes", "action_id": BlockId.PRIVATE, "options": [PRIVATE_OPTION]},
        }
    )
    drill_box: Block = {"type": "checkboxes", "action_id": BlockId.DRILL, "options": [DRILL_OPTION]}
    if drill:
        drill_box["initial_options"] = [DRILL_OPTION]
    blocks.append(
        {
            "type": "input",
            "block_id": BlockId.DRILL,
            "optional": True,
            "label": plain("Drill"),
            "element": drill_box,
        }
    )
    title_text = "Declare a drill" if drill else "Declare an incident"
    return modal(Callback.DECLARE, title_text, "Declare", blocks, metadata)


def declared_confirmation(
    incident: Incident, *, headline_url: str | None, doc_url: str, channel_id: str | None = None
) -> str:
    where = link(headline_url, "headline post") if headline_url else "headline post"
    what = "Drill" if incident.drill else "Incident"
    lines = [f"Thanks for declaring *{what} {incident.id}: {escape(truncate(incident.title, 150))}* 🙏"]
    channel_id = channel_id or incident.channel_id
    if channel_id:
        lines.append(f"Work on it in {channel_link(channel_id)}.")
    lines.append(f"Follow it from its {where}; the {link(doc_url, 'incident doc')} keeps the record.")
    return "\n".join(lines)


def declared_but_waiting(incident: Incident) -> str:
    """The reporter's note when the headline could not go up straight away."""
    return (
        f"⚠️ Incident {incident.id} is saved, but Slack didn't accept its headline post just now. "
        "I'll post it by myself as soon as Slack lets me; there's no need to declare it again."
    )


def channel_problem(problem: str) -> str:
    return f"\n⚠️ I couldn't create its channel: {problem} Use *Create incident channel* on the headline."


def announced_late(incident: Incident, *, headline_url: str | None) -> str:
    """A declaration announced long after it was made (Slack or the bot was down): tell the reporter."""
    where = f": {link(headline_url, 'headline post')}" if headline_url else ""
    channel = f" Work on it in {channel_link(incident.channel_id)}." if incident.channel_id else ""
    return (
        f"✅ Incident {incident.id}'s headline is up now{where}.{channel} It took a while because Slack "
        "or the bot was unavailable when you declared it; there's nothing more to do."
    )
