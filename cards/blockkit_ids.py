"""Every Block Kit identifier the Slack cards and handlers share, in one place.

The cards put these into `action_id`, `block_id`, button `value`, modal `callback_id` and
message metadata; `handlers/slack/` matches and parses them. Changing a name here changes both
sides at once.
"""

from __future__ import annotations

import re

from domain.vocabulary import canonical_action_id

# The slash command when SLACK_COMMAND is not set (`/status` is one of Slack's own).
DEFAULT_SLACK_COMMAND = "/actionbot"

# Buttons. Each button's action_id is unique in its message (prefix + verb + action ref); the
# value carries what the handler needs: "<verb>|<ref>".
BUTTON_PREFIX = "actionbot_btn"
BUTTON_ACTION = re.compile(rf"^{BUTTON_PREFIX}:")
RAG_VERBS = ("green", "amber", "red", "completed")
ADD_UPDATE = "update"
SIGNOFF = "signoff"  # an SIT admin verifies a completion (the handler sends `signoff <ref>`)
APPROVE = "approve"  # an SIT admin decides a proposed date (the handler sends `status approve <ref>`)
REJECT = "reject"  # … or `status reject <ref>`
REOPEN = "reopen"  # an SIT admin returns a completion: opens the reason modal, whose submission sends `reopen <ref> - <reason>`
NO_CHANGE = "nochange"  # a round's "No change on the rest" (the handler sends `no change`); value has no ref
BUTTON_LABELS = {
    "green": "Green",
    "amber": "Amber",
    "red": "Red",
    "completed": "Completed",
    ADD_UPDATE: "Add update",
    SIGNOFF: "Sign off completion",
    REOPEN: "Reopen",
    APPROVE: "Approve",
    REJECT: "Reject",
    NO_CHANGE: "No change on the rest",
}
BUTTON_STYLES = {"green": "primary", "red": "danger"}

# Block ids: where a row of buttons sits (nudge card, action detail, App Home).
NUDGE_BLOCK = "actionbot_nudge"
DETAIL_BLOCK = "actionbot_detail"
HOME_BLOCK = "actionbot_home"
SIGNOFF_BLOCK = "actionbot_signoff"
PROPOSAL_BLOCK = "actionbot_proposal"
NO_CHANGE_BLOCK = "actionbot_nochange"

# The update modal.
UPDATE_MODAL = "actionbot_update_modal"
RAG_BLOCK, RAG_INPUT = "rag_block", "rag_input"
NOTE_BLOCK, NOTE_INPUT = "note_block", "note_input"
DATE_BLOCK, DATE_INPUT = "date_block", "date_input"

# The reopen modal: the one thing a reopen needs that a button cannot carry is the reason.
REOPEN_MODAL = "actionbot_reopen_modal"
REASON_BLOCK, REASON_INPUT = "reason_block", "reason_input"
REOPEN_COMMAND = "reopen {ref} - {reason}"  # what the submission types for the person (`bot.signoff`)

# Message metadata on every card the bot sends (`actionbot_nudge` for nudges): recognises our
# own cards and the actions they ask about, even after a crash.
METADATA_PREFIX = "actionbot_"
NUDGE_EVENT = "actionbot_nudge"


# buttons that type a text command for the person (the core checks who may, as if typed)
COMMAND_VERBS = {
    SIGNOFF: "signoff {ref}",
    APPROVE: "status approve {ref}",
    REJECT: "status reject {ref}",
    NO_CHANGE: "no change",  # the rest of the person's round, whichever card it was on
}


def button_action_id(verb: str, ref: str, place: str) -> str:
    return f"{BUTTON_PREFIX}:{place}:{verb}:{ref}"


def button_value(verb: str, ref: str) -> str:
    return f"{verb}|{ref}"


def parse_button_value(value: str) -> tuple[str, str]:
    """Parse a button value: `amber|4.2.1` → ("amber", "4.2.1"), `nochange` → ("nochange", ""); ValueError for anything else,
    including an action id outside the one grammar (`domain.action_ids`). The core checks the RAG
    value and the action again: a value is only ever a claim."""
    if value == NO_CHANGE:
        return NO_CHANGE, ""
    verb, _, raw = value.partition("|")
    ref = canonical_action_id(raw)
    if verb not in (*RAG_VERBS, ADD_UPDATE, REOPEN, *COMMAND_VERBS) or ref is None:
        raise ValueError(f"not an actionbot button value: {value!r}")
    return verb, ref


def row_block_id(place: str, ref: str) -> str:
    return f"{place}:{ref}"


def ref_of_block(block_id: str, place: str) -> str | None:
    prefix = f"{place}:"
    return block_id[len(prefix) :] if block_id.startswith(prefix) else None


def metadata(kind: str, refs: list[str] | tuple[str, ...], ledger_key: str = "") -> dict:
    """Slack message metadata for a card: event type, the action refs it is about, and the send
    ledger key (so after a crash the bot can see that the message did go out)."""
    payload = {"refs": ",".join(refs)}
    if ledger_key:
        payload["ledger_key"] = ledger_key
    return {"event_type": f"{METADATA_PREFIX}{kind}", "event_payload": payload}


def refs_from_metadata(meta: dict | None) -> tuple[str, ...]:
    """The refs stored by `metadata()`, from a message's metadata (list or comma string)."""
    if not meta or not str(meta.get("event_type", "")).startswith(METADATA_PREFIX):
        return ()
    raw = (meta.get("event_payload") or {}).get("refs") or ()
    items = raw.split(",") if isinstance(raw, str) else raw
    return tuple(r.strip() for r in items if str(r).strip())
