"""`actionbot report --format md|html|xlsx|csv|pdf`: one report model → the board's files."""

from __future__ import annotations

from bot.report_model import HighlightReport

FORMATS = ("text", "md", "html", "xlsx", "csv", "pdf")
BINARY = ("xlsx", "pdf")


def render_file(report: HighlightReport, fmt: str) -> bytes | str:
    """The report in `fmt`: text for text/md/html/csv, bytes for xlsx/pdf."""
    if fmt == "text":
        from cards.report_text import render_report

        return render_report(report) + "\n"
    if fmt == "md":
        from cards.report_md import render_markdown

        return render_markdown(report)
    if fmt == "html":
        from cards.report_html import render_html

        return render_html(report)
    if fmt == "csv":
        from cards.report_sheets import render_csv

        return render_csv(report)
    if fmt == "xlsx":
        from cards.report_sheets import render_xlsx

        return render_xlsx(report)
    if fmt == "pdf":
        from cards.report_pdf import render_pdf

        return render_pdf(report)
    raise ValueError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")


def default_filename(report: HighlightReport, fmt: str) -> str:
    return f"highlight-report-{report.period.key}.{fmt}"
