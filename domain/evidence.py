"""Evidence of completion: the one rule for what a completion claim must carry.

The plan's governance says completion is checked, not self-declared, so `completed` is recorded
only with evidence (`4.2.1 completed - evidence: audit report Oct 16`), typed or sent from a
form. The evidence is text or a link; a link must be http or https (never `javascript:` or
`file:`), and it is bounded so a card can show it. The note has already been cleaned by
`domain.text.clean_text` (every request is), so the evidence split from it is clean too.
"""

from __future__ import annotations

import re

EVIDENCE_MAX = 200
EXAMPLE = "4.2.1 completed - evidence: audit report Oct 16"
FORM_HINT = "Completed needs `evidence: …` (text or an http/https link)"  # beside a form's note input
HINT = f"A completion needs evidence (text or an http/https link): write e.g. `{EXAMPLE}`."

_MARK = re.compile(r"(?:^|[\s,;–—-])evidence\s*:\s*", re.I)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):(?=\S)", re.I)  # `javascript:x`, `file:///`; not `Report: Oct`


def split_evidence(note: str) -> tuple[str, str]:
    """`waiting done - evidence: report` → (`waiting done`, `report`): the note before the
    `evidence:` mark and the evidence after it ("" when there is no mark)."""
    m = _MARK.search(note)
    if not m:
        return note.strip(), ""
    return note[: m.start()].strip(" -–—,;:"), note[m.end() :].strip()


def evidence_problem(evidence: str) -> str | None:
    """What is wrong with a completion's evidence, or None when it will do."""
    text = evidence.strip()
    if not text:
        return HINT
    if len(text) > EVIDENCE_MAX:
        return f"The evidence is {len(text)} characters; keep it to {EVIDENCE_MAX} (a link or a short title)."
    m = _SCHEME.match(text)
    if m and m.group(1).lower() not in ("http", "https"):
        return f"Evidence links must start with http:// or https://, not {m.group(1)[:20]}:."
    return None
