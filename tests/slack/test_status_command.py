"""/status in Slack: every form of the question, answered through response_url after the ack."""

from __future__ import annotations

import time

from tests.slack.conftest import section_texts


async def test_priority_4_answers_with_its_rag_summary_privately(slack_bench):
    started = time.monotonic()
    answer = await slack_bench.status("priority 4")
    assert time.monotonic() - started < 3
    assert answer["response_type"] == "ephemeral"
    text = section_texts(answer["blocks"])
    assert "*Priority 4: Safeguarding – better help and protection*" in text
    assert "Lead officer: Head of Service Safeguarding and Care Planning" in text
    assert "Red *0*" in text and "Not yet rated *32*" in text and "Completed *1*" in text
    assert "4.1.1" in text and "15 days overdue" in text
