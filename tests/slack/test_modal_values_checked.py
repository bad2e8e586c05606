"""Values in a signed Slack payload are claims, checked on the server by the core.

The defect this guards: a signed `view_submission` whose `selected_option.value` was `"purple"`
was recorded; `status 4.2.1` then showed "Purple" and the action dropped out of every count
(the plan summed to 306 of 307)."""

from __future__ import annotations

import json
import re

from sqlmodel import select

from cards import blockkit_ids as ids
from storage.db import session_scope
from storage.models import ActionUpdate
from tests.slack.conftest import section_texts
from tests.slack.test_buttons_and_modal import linked_nudge


async def opened_modal(bench) -> dict:
    channel, card = await linked_nudge(bench, "U0HOSSCP", "4.2.1")
    await bench.click("U0HOSSCP", channel, card, "amber", "4.2.1")
    return (await bench.api.wait_for("views.open"))[0].body["view"]


def updates(bench) -> list[ActionUpdate]:
    with session_scope(bench.rt.engine) as s:
        return list(s.exec(select(ActionUpdate)).all())


async def test_a_rag_value_nobody_can_choose_is_refused_beside_the_rag_input(slack_bench):
    opened = await opened_modal(slack_bench)
    code, ack = await slack_bench.submit("U0HOSSCP", opened, "purple", "looks fine to me")
    assert code == 200 and ack["response_action"] == "errors"
    assert ack["errors"] == {ids.RAG_BLOCK: "'purple' is not a RAG status: choose Red, Amber, Green or Completed."}
    assert updates(slack_bench) == []
    assert "No updates yet." in section_texts((await slack_bench.status("4.2.1"))["blocks"])
    summary = section_texts((await slack_bench.status(""))["blocks"])
    counts = re.search(r"Red (\d+) · Amber (\d+) · Green (\d+) · Not yet rated (\d+) · Completed (\d+)", summary)
    assert sum(int(n) for n in counts.groups()) == 307 and "Purple" not in summary


async def test_a_proposed_date_in_year_9999_is_refused_beside_the_date_input(slack_bench):
    opened = await opened_modal(slack_bench)
    code, ack = await slack_bench.submit("U0HOSSCP", opened, "amber", "waiting on HR", "31/12/9999")
    assert code == 200 and "too far ahead" in ack["errors"][ids.DATE_BLOCK]
    assert updates(slack_bench) == []


async def test_a_modal_whose_metadata_names_another_action_records_nothing(slack_bench):
    opened = await opened_modal(slack_bench)
    origin = json.loads(opened["private_metadata"])
    assert origin["refs"] == ["4.2.1"]
    # 4.2.2 is Sadie's too: only the check against the card's own actions can refuse it
    forged = {**opened, "private_metadata": json.dumps({**origin, "ref": "4.2.2"})}
    code, ack = await slack_bench.submit("U0HOSSCP", forged, "green", "")
    assert code == 200 and "not about 4.2.2" in ack["errors"][ids.RAG_BLOCK]
    not_an_id = {**opened, "private_metadata": json.dumps({**origin, "ref": "4.2.1'; --", "refs": []})}
    code, ack = await slack_bench.submit("U0HOSSCP", not_an_id, "green", "")
    assert code == 200 and "is not an action id" in ack["errors"][ids.RAG_BLOCK]
    assert updates(slack_bench) == []


async def test_a_note_with_nul_and_a_bidi_override_is_stored_clean(slack_bench):
    opened = await opened_modal(slack_bench)
    code, ack = await slack_bench.submit("U0HOSSCP", opened, "amber", "waiting\x00 on \u202eRH\u202c\x1b sign-off")
    assert code == 200 and ack is None
    [update] = updates(slack_bench)
    assert (update.rag, update.note) == ("amber", "waiting on RH sign-off")
