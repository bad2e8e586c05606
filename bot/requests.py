"""The neutral request and reply every channel speaks.

A channel folder in `handlers/` turns a platform event into one `ChatRequest`, the core answers
with a `Reply` of view models, and `cards/` renders those for the platform. Nothing in here
knows what Slack or Teams is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.typed_command import without_marks


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
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Typed text never carries the core's command mark (`bot.typed_command`), so nothing a
        # person writes can turn into "/actionbot …" when it is shown back.
        for name in ("text", "note"):
            value = getattr(self, name)
            if value:
                object.__setattr__(self, name, without_marks(value))


@dataclass
class Reply:
    """What the core answers: one or more views, and whether they are for the caller only."""

    views: list[Any]
    private: bool = True
    replace_original: bool = False  # a button click: update the card in place
    recorded: list[Any] = field(default_factory=list)  # ActionUpdates written by this request
