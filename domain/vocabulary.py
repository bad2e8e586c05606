"""Domain vocabulary shared by every layer: RAG statuses, recurrence, channels.

Kept free of storage and platform imports so that cards, handlers and the scheduler can all
speak it without pulling each other in. The rules about an update's words live here once: which
words name a RAG status (`parse_rag`, for chat text, buttons and forms alike), that Amber and Red
need a reason and how long a note may be (`note_problem`), and, re-exported from
`domain.action_ids`, what an action id is.
"""

from __future__ import annotations

from enum import StrEnum

from domain.action_ids import canonical as canonical_action_id
from domain.action_ids import is_action_id
from domain.evidence import evidence_problem, split_evidence

__all__ = [
    "NOTE_MAX",
    "NOT_RATED",
    "RAG",
    "RAG_LABELS",
    "RAG_ORDER",
    "RAG_WORDS",
    "Channel",
    "Recurrence",
    "canonical_action_id",
    "is_action_id",
    "note_problem",
    "parse_rag",
]


class RAG(StrEnum):
    """An action's status in the highlight report (BRAG: completed shown as blue)."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return {"red": "Red", "amber": "Amber", "green": "Green", "completed": "Completed"}[self.value]

    @property
    def needs_reason(self) -> bool:
        """Amber and Red must say why (domain rule: a one-line reason)."""
        return self in (RAG.RED, RAG.AMBER)


NOT_RATED = "not_rated"
RAG_ORDER: tuple[str, ...] = ("red", "amber", "green", NOT_RATED, "completed")
RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green", NOT_RATED: "Not yet rated", "completed": "Completed"}
NOTE_MAX = 280

# Every word people may use for a status, in chat or in a payload. A single letter is a RAG
# word only as a whole token: the chat grammar (`bot.parsing`) makes sure of that.
RAG_WORDS: dict[str, RAG] = {
    "red": RAG.RED,
    "r": RAG.RED,
    "off track": RAG.RED,
    "off-track": RAG.RED,
    "amber": RAG.AMBER,
    "a": RAG.AMBER,
    "at risk": RAG.AMBER,
    "at-risk": RAG.AMBER,
    "green": RAG.GREEN,
    "g": RAG.GREEN,
    "on track": RAG.GREEN,
    "on-track": RAG.GREEN,
    "done": RAG.COMPLETED,
    "complete": RAG.COMPLETED,
    "completed": RAG.COMPLETED,
    "blue": RAG.COMPLETED,
}


def parse_rag(word: object) -> RAG | None:
    """The RAG status a word names (`"At  Risk"` → Amber), or None: anything else, a colour
    nobody can choose (`purple`) or a value that is not text, is not a status."""
    if not isinstance(word, str):
        return None
    return RAG_WORDS.get(" ".join(word.split()).casefold())


def note_problem(rag: RAG, note: str) -> str | None:
    """The one rule for an update's note, whatever the channel: Amber and Red say why, in one
    line of at most NOTE_MAX characters, and Completed carries its evidence
    (`domain.evidence`). None when the note is fine; else what is wrong."""
    if rag.needs_reason and not note.strip():
        return f"{rag.label} needs a one-line reason."
    if len(note) > NOTE_MAX:
        return f"The note is {len(note)} characters; keep it to {NOTE_MAX}."
    if rag is RAG.COMPLETED:
        return evidence_problem(split_evidence(note)[1])
    return None


class Recurrence(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUALLY = "annually"
    ONGOING = "ongoing"


class Channel(StrEnum):
    SLACK = "slack"
    TEAMS = "teams"
    TERMINAL = "terminal"
