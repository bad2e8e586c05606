"""Domain vocabulary shared by every layer: RAG statuses, recurrence, channels.

Kept free of storage and platform imports so that cards, handlers and the scheduler can all
speak it without pulling each other in.
"""

from __future__ import annotations

from enum import StrEnum


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


class Recurrence(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUALLY = "annually"
    ONGOING = "ongoing"


class Channel(StrEnum):
    SLACK = "slack"
    TEAMS = "teams"
    TERMINAL = "terminal"
