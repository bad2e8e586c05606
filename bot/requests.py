"""The neutral request and reply every channel speaks.

A channel folder in `handlers/` turns a platform event into one `ChatRequest`, the core answers
with a `Reply` of view models, and `cards/` renders those for the platform. Nothing in here
knows what Slack or Teams is.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from bot.typed_command import without_marks
from domain.text import clean_text


@dataclass(frozen=True)
class Identity:
    """Who is talking, as the platform knows them."""

    channel: str  # slack | teams | terminal
    user_id: str  # platform user id (Slack U…, Teams 29:…/AAD object id, or a person key in the terminal)
    email: str | None = None
    display_name: str | None = None
    as_role: str | None = None  # terminal / Teams dev mode: acting as a role


@dataclass(frozen=True)
class ChatRequest:
    """One thing a person did: typed a command or message, or pressed a button / submitted a form."""

    identity: Identity
    text: str = ""
    kind: str = "message"  # message | command | button | form
    action_ref: str | None = None  # button/form: which action
    rag: str | None = None  # button/form: red | amber | green | completed
    note: str | None = None  # form: one-line note
    proposed_date: str | None = None  # form: free-text proposed new date
    thread_refs: tuple[str, ...] = ()  # a reply in a nudge's thread: the actions that nudge was about
    shared: bool = False  # asked where others read the answer (a channel, a group chat): nothing personal
    plan_key: str | None = None  # the plan the channel already knows the answer is about (an email link's);
    # honoured like `… in KEY` typed in chat (checked to be a live plan), so an id two plans share is not refused
    extra: dict[str, Any] = field(default_factory=dict)
    # A platform's id for this one delivery (Slack's trigger_id of a slash command): the core
    # handles the request only the first time the key is seen, claiming it (`seen_event`) in
    # the request's own transaction, so a replay or retry is dropped and a request that failed
    # leaves no claim behind. None: nothing to deduplicate (or the channel claimed it itself).
    once_key: str | None = None

    def __post_init__(self) -> None:
        # Typed text never carries the core's command mark (`bot.typed_command`), so nothing a
        # person writes can turn into "/actionbot …" when it is shown back.
        for name in ("text", "note"):
            value = getattr(self, name)
            if isinstance(value, str) and value:  # anything else is refused whole by clean_request
                object.__setattr__(self, name, without_marks(value))


@dataclass
class Reply:
    """What the core answers: one or more views, and whether they are for the caller only."""

    views: list[Any]
    private: bool = True
    replace_original: bool = False  # a button click: update the card in place
    recorded: list[Any] = field(default_factory=list)  # ActionUpdates written by this request
    already_handled: bool = False  # the request's `once_key` was seen before: nothing to send


class MalformedRequest(ValueError):
    """A request whose fields are not what any of our cards or commands send (e.g. a note that
    is not text): refused as a whole, nothing recorded."""


_ONE_LINE_FIELDS = ("action_ref", "rag", "note", "proposed_date")
ONCE_KEY_MAX = 200  # seen_event.event_key


def clean_request(request: ChatRequest) -> ChatRequest:
    """The request with every text field it carries through `domain.text.clean_text`: done once,
    in `Core.handle`, for every channel, so no control character or bidi override reaches the
    audit trail. The message text keeps its line breaks (one update per line); a note, a date,
    an id and a RAG value are one line. Raises MalformedRequest for a field that is not text."""
    if not isinstance(request.text, str):
        raise MalformedRequest("the message is not text")
    changes: dict[str, Any] = {"text": clean_text(request.text), "identity": _clean_identity(request.identity)}
    for name in _ONE_LINE_FIELDS:
        value = getattr(request, name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise MalformedRequest(f"the {name.replace('_', ' ')} is not text")
        changes[name] = clean_text(value, multiline=False)
    refs = request.thread_refs
    if not isinstance(refs, (tuple, list)) or not all(isinstance(r, str) for r in refs):
        raise MalformedRequest("the card's actions are not a list of action ids")
    changes["thread_refs"] = tuple(clean_text(r, multiline=False) for r in refs)
    once = request.once_key
    if once is not None and (not isinstance(once, str) or not once or len(once) > ONCE_KEY_MAX):
        raise MalformedRequest(f"the delivery id is not text of 1 to {ONCE_KEY_MAX} characters")
    return replace(request, **changes)


def _clean_identity(identity: Identity) -> Identity:
    """Who is asking, cleaned like the text: the platform's ids and names are looked up in, and
    linked into, the people directory and the audit trail."""
    changes: dict[str, Any] = {}
    for name in ("user_id", "email", "display_name", "as_role"):
        value = getattr(identity, name)
        if value is None and name != "user_id":
            continue
        if not isinstance(value, str):
            raise MalformedRequest(f"the user's {name.replace('_', ' ')} is not text")
        changes[name] = clean_text(value, multiline=False)
    return replace(identity, **changes)
