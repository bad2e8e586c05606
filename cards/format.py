"""Wording shared by every renderer, so Slack, Teams and the terminal say the same thing."""

from __future__ import annotations

from datetime import date

from domain.vocabulary import RAG_LABELS

RAG_EMOJI = {"red": "🔴", "amber": "🟠", "green": "🟢", "completed": "🔵", "not_rated": "⚪"}
# The status as a letter, for places where colour may be lost (print, charts, spreadsheets).
RAG_LETTERS = {"red": "R", "amber": "A", "green": "G", "not_rated": "N", "completed": "C"}


def rag_label(rag: str) -> str:
    return RAG_LABELS.get(rag, rag.title())


def rag_tag(rag: str) -> str:
    """Colour and word together: never colour alone (colour-blind readers)."""
    return f"{RAG_EMOJI.get(rag, '')} {rag_label(rag)}".strip()


def fmt_date(d: date | None) -> str:
    return d.strftime("%d %b %Y") if d else "no date"


def due_phrase(due: date | None, days: int | None) -> str:
    if due is None:
        return "no fixed date"
    if days is None:
        return f"due {fmt_date(due)}"
    if days < 0:
        return f"due {fmt_date(due)} — {-days} day{'s' if days != -1 else ''} overdue"
    if days == 0:
        return f"due today ({fmt_date(due)})"
    return f"due {fmt_date(due)} — {days} day{'s' if days != 1 else ''} left"


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def counts_phrase(c) -> str:
    return f"Red {c.red} · Amber {c.amber} · Green {c.green} · Not yet rated {c.not_rated} · Completed {c.completed}"
