"""Plan files built in tests: the reference plan as a council's Word document, and small CSVs.

The Word document is laid out the way the reference plan is written: per priority a heading
("Priority Four: …"), a "Lead officer: …" line, then a table whose first row is a title row
spanning the table, then the header ID / Issue (Ofsted Para & Rec) / Key Actions /
Timescale … / Lead / Agency Involvement; a finding row (N.M and the issue text with its
Ofsted references on their own line) whose Issue cell is merged down over its action rows;
action rows (N.M.K) whose sub-actions are Word bullet paragraphs; "(completed)" written at the
end of the action text as the plan does; several leads or agencies one per line.
"""

from __future__ import annotations

import csv
from pathlib import Path

from docx import Document

from storage.plan_data import PlanData

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
HEADER = [
    "ID",
    "Issue\n(Ofsted Para & Rec)",
    "Key Actions",
    "Timescale between\nJun 16 – Oct 17",
    "Lead",
    "Agency Involvement",
]


def _fill(cell, text: str) -> None:
    """Write text into a cell: '- ' lines become List Bullet paragraphs, other lines paragraphs."""
    lines = text.split("\n") if text else [""]
    first = True
    for line in lines:
        style = "List Bullet" if line.startswith("- ") else None
        body = line[2:] if style else line
        if first:
            cell.paragraphs[0].text = body
            if style:
                cell.paragraphs[0].style = cell.part.document.styles[style]
            first = False
        else:
            cell.add_paragraph(body, style=style)


def plan_docx(plan: PlanData, path: Path) -> Path:
    doc = Document()
    doc.core_properties.title = plan.title
    doc.add_heading(plan.title, level=1)
    by_priority = {p.number: p for p in plan.priorities}
    for number, priority in sorted(by_priority.items()):
        doc.add_heading(f"Priority {WORDS[number].title()}: {priority.title}", level=2)
        doc.add_paragraph("Introductory text about the priority.")
        doc.add_paragraph(f"Lead officer: {priority.lead_officer}")
        findings = [f for f in plan.findings if f.priority_number == number]
        table = doc.add_table(rows=2, cols=len(HEADER))
        title_row = table.rows[0].cells
        title_row[0].merge(title_row[-1]).text = f"Priority {WORDS[number].title()} – {priority.title}"
        for cell, text in zip(table.rows[1].cells, HEADER, strict=True):
            cell.text = text
        for finding in findings:
            cells = table.add_row().cells
            cells[0].text = finding.ref
            _fill(cells[1], finding.text + (f"\n{finding.ofsted_refs}" if finding.ofsted_refs else ""))
            issue_top = cells[1]
            last = None
            for action in (a for a in plan.actions if a.finding_ref == finding.ref):
                cells = table.add_row().cells
                cells[0].text = action.ref
                text = action.text + (
                    " (completed)" if action.completed and "(completed)" not in action.timescale else ""
                )
                _fill(cells[2], text)
                cells[3].text = action.timescale
                _fill(cells[4], "\n".join(action.leads))
                _fill(cells[5], "\n".join(action.partners) if action.partners else "N/A")
                last = cells[1]
            if last is not None:
                issue_top.merge(last)  # the Issue cell spans the finding's actions, as in the plan
    doc.add_heading("Key to abbreviations", level=2)
    key = doc.add_table(rows=1, cols=2)
    key.rows[0].cells[0].text, key.rows[0].cells[1].text = "DCS", "Director Children's Services"
    doc.save(str(path))
    return path


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path
