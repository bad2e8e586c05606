"""Posting the highlight report digest to the Slack SIT channel.

Order: the headline message (top level), then the chart uploaded into its thread with
files.uploadV2 (slack_sdk's `files_upload_v2`: files.getUploadURLExternal, the upload, then
files.completeUploadExternal), then one reply per priority. A failed chart upload (for example
an app installed without `files:write`) does not lose the digest: the thread says the chart
could not be attached, and the rest is posted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackRequestError

from bot.delivery import DeliveryError
from bot.report_model import HighlightReport
from bot.typed_command import shown
from cards.blockkit import SLACK_PREFIX
from cards.charts import digest_chart
from cards.report_blockkit import chart_comment, digest

log = logging.getLogger(__name__)

Call = Callable[..., Awaitable[Any]]  # (method name, **kwargs) -> Slack response


async def post_digest(
    call: Call, channel: str, report: HighlightReport, *, metadata: Any = None, command: str = SLACK_PREFIX
) -> tuple[str, str]:
    """Post the digest; returns (channel id, headline ts). `call` maps Slack errors to DeliveryError.
    `command` is the slash command and a space, shown before the commands the digest suggests."""
    messages = digest(report)
    extra = {"metadata": metadata} if metadata is not None else {}
    head = await call("chat_postMessage", channel=channel, **shown(messages.headline.payload(), command), **extra)
    channel_id, ts = head["channel"], head["ts"]
    chart = digest_chart(report)
    try:
        await call(
            "files_upload_v2",
            channel=channel_id,
            thread_ts=ts,
            initial_comment=shown(chart_comment(report), command),
            file_uploads=[{"file": chart.png, "filename": chart.filename, "title": chart.title, "alt_txt": chart.alt}],
        )
    except (DeliveryError, SlackRequestError) as exc:
        log.warning("digest chart upload to %s failed: %s", channel_id, exc)
        await call(
            "chat_postMessage",
            channel=channel_id,
            thread_ts=ts,
            text=f"(The chart could not be attached: {exc}. `actionbot report --format html` includes it.)",
        )
    for message in messages.thread:
        await call("chat_postMessage", channel=channel_id, thread_ts=ts, **shown(message.payload(), command))
    return channel_id, ts
