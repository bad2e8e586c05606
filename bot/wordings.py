"""What any channel says when it cannot give the core's answer: one wording each, whatever the
adapter. Slack and Teams used to word "something went wrong" differently; a person moving
between channels (or reading the email one) should read the same sentence."""

from __future__ import annotations

from bot.outage import UNAVAILABLE
from bot.views import NoticeView

SOMETHING_WENT_WRONG = "Sorry, something went wrong on my side; nothing was recorded. Please try again."
NOT_OUR_BUTTON = "This button is not one of mine, so nothing was recorded."
STALE_FORM = "This form can't be read any more: please close this form and press the button on the card again."

__all__ = ["NOT_OUR_BUTTON", "SOMETHING_WENT_WRONG", "STALE_FORM", "UNAVAILABLE", "failure_notice"]


def failure_notice(outage: bool) -> NoticeView:
    """The answer when the core raised: the database was down (try later), or a bug of ours."""
    return NoticeView(UNAVAILABLE if outage else SOMETHING_WENT_WRONG, "error")
