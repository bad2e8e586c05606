"""What a person wrote in an emailed reply, without what their mail program added: the quoted
nudge (`> …`), the "On … wrote:" / "-----Original Message-----" / Outlook header block that
starts it, and a signature (after "-- ", or a "Sent from my …" line). The core then parses the
rest as if it were typed in chat."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_CUT = (
    re.compile(r"^\s*On\b.{0,200}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^\s*From:\s.+$"),  # Outlook puts the quoted message's headers after the reply
    re.compile(r"^-- ?$"),  # RFC 3676 signature separator
    re.compile(r"^\s*Sent from my \w+", re.IGNORECASE),
    re.compile(r"^\s*Get Outlook for \w+", re.IGNORECASE),
)
_WROTE_END = re.compile(r"\bwrote:\s*$", re.IGNORECASE)


def strip_quoted(text: str) -> str:
    """The new text of a reply: everything above the first quote marker or signature, without
    quoted (`>`) lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        if any(p.match(line) for p in _CUT):
            break
        # "On Mon, 7 Dec 2026 at 09:00, actionbot <bot@…>\nwrote:": a client wrapped the line
        if line.strip().lower().startswith("on ") and i + 1 < len(lines) and _WROTE_END.search(lines[i + 1]):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    while kept and not kept[-1].strip():
        kept.pop()
    while kept and not kept[0].strip():
        kept.pop(0)
    return "\n".join(kept)


class _Text(HTMLParser):
    """The visible text of an HTML-only reply, blockquotes (the quoted nudge) left out."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("blockquote", "style", "script", "head"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("blockquote", "style", "script", "head"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.out))


def update_lines(text: str) -> str:
    """The lines of a reply that read as updates by the core's own rule
    (`bot.parsing.looks_like_update`), when there are any: mail carries greetings and sign-offs
    ("Thanks, Hannah") that chat does not, and the core would refuse the whole message for one
    line it cannot read. A reply with no such line goes to the core whole (a question, `status`)."""
    from bot.parsing import looks_like_update

    lines = [line for line in text.splitlines() if line.strip()]
    updates = [line for line in lines if looks_like_update(line)]
    return "\n".join(updates) if updates else "\n".join(lines)
