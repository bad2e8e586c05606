"""No secret, token or note text in a log line at INFO or above.

A realistic session runs with logging captured at INFO (DEBUG for our own loggers): a person
links their Slack account, records an Amber update with a distinctive note through the nudge
card's modal and in a DM, a forged Slack request is refused, and Teams requests arrive with a
valid bearer token, a garbage one and one signed by a stranger. Every record at INFO or above
(message and traceback) is checked for the Slack bot token, the signing secret, the Teams bearer
tokens and the note; the production handler's JSON output (with its redaction filter) is
checked too.
"""

from __future__ import annotations

import io
import json
import logging

from cryptography.hazmat.primitives.asymmetric import rsa

from bot.logging_setup import configure_logging
from tests.slack.conftest import SECRET, TOKEN, slack_api, slack_bench, slack_clock  # noqa: F401 (fixtures)
from tests.teams.conftest import HANNAH, teams_clock  # noqa: F401 (fixture)
from tests.teams.test_e2e_auth import signing_key, token, verified_world  # noqa: F401 (fixtures)

OURS = ("bot", "handlers", "scheduler", "storage", "cards", "actionbot")
NOTE = "zebra-quartz-7781 waiting on the HR sign-off"
DM_NOTE = "okapi-ferrule-5512 waiting on finance"


def capture(caplog, settings) -> io.StringIO:
    """The production handler (JSON, redaction) plus pytest's capture; INFO, ours at DEBUG."""
    out = io.StringIO()
    settings = settings.model_copy(update={"actionbot_log_format": "json", "actionbot_log_level": "INFO"})
    handler = configure_logging(settings, stream=out)
    caplog.set_level(logging.INFO)
    for name in OURS:
        caplog.set_level(logging.DEBUG, logger=name)
    handler.setLevel(logging.INFO)
    return out


def leaks(caplog, written: str, needles: dict[str, str]) -> list[str]:
    found = []
    for record in caplog.records:
        if record.levelno < logging.INFO:
            continue
        text = record.getMessage() + "\n" + (record.exc_text or "")
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        found += [f"{name} in {record.name} {record.levelname}: {text[:200]}" for name, v in needles.items() if v in text]
    found += [f"{name} in the handler's output" for name, v in needles.items() if v in written]
    return found


def release_handler() -> None:
    root = logging.getLogger()
    for h in [h for h in root.handlers if h.get_name() == "actionbot"]:
        root.removeHandler(h)


async def test_a_slack_session_logs_no_secret_and_no_note(slack_bench, caplog):  # noqa: F811
    from tests.slack.test_buttons_and_modal import linked_nudge

    out = capture(caplog, slack_bench.rt.settings)
    try:
        channel, card = await linked_nudge(slack_bench, "U0HOSSCP", "4.2.1")
        await slack_bench.click("U0HOSSCP", channel, card, "amber", "4.2.1")
        opened = (await slack_bench.api.wait_for("views.open"))[0].body["view"]
        code, _ = await slack_bench.submit("U0HOSSCP", opened, "amber", NOTE, "end of Nov")
        assert code == 200
        reply = await slack_bench.dm_reply("U0HOSSCP", f"4.2.1 amber - {DM_NOTE}")
        assert "Recorded" in json.dumps(reply.body)
        code, _ = await slack_bench.post('{"type": "event_callback"}', "application/json", secret="not-the-secret")
        assert code == 401
        await slack_bench.settle()
    finally:
        release_handler()
    assert caplog.records, "nothing was logged: the capture is not working"
    written = out.getvalue()
    for line in written.splitlines():
        assert set(json.loads(line)) >= {"time", "level", "logger", "message"}
    needles = {"bot token": TOKEN, "signing secret": SECRET, "modal note": NOTE, "DM note": DM_NOTE}
    assert leaks(caplog, written, needles) == []


async def test_teams_requests_log_no_bearer_token_and_no_note(verified_world, signing_key, caplog):  # noqa: F811
    w = verified_world
    out = capture(caplog, w.rt.settings)
    good = token(signing_key, w.rt.clock, w.connector.url)
    stranger = token(rsa.generate_private_key(public_exponent=65537, key_size=2048), w.rt.clock, w.connector.url)
    try:
        activity = w.activity(HANNAH, f"4.2.1 amber - {NOTE}", deliveryMode="expectReplies")
        response = await w.post(activity, headers={"Authorization": f"Bearer {good}"})
        assert response.status == 200
        garbage = "not.a.jwt-but-secret-looking-6431"
        assert (await w.post(w.activity(HANNAH, "help"), headers={"Authorization": f"Bearer {garbage}"})).status == 401
        assert (await w.post(w.activity(HANNAH, "help"), headers={"Authorization": f"Bearer {stranger}"})).status == 401
    finally:
        release_handler()
    written = out.getvalue()
    needles = {"bearer token": good, "stranger's token": stranger, "garbage token": garbage, "note": NOTE}
    needles["token signature"] = good.rsplit(".", 1)[1]
    assert leaks(caplog, written, needles) == []
