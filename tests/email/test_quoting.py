"""What counts as the new text of an emailed reply: above the quote marker of each common mail
program, without `>` lines or the signature, and (from an HTML-only reply) without the
blockquote holding the nudge."""

from __future__ import annotations

import pytest

from handlers.email.quoting import html_to_text, strip_quoted, update_lines

NEW = "4.2.1 amber - waiting on HR"


@pytest.mark.parametrize(
    "reply",
    [
        f"{NEW}\n\nOn Wed, 14 Sep 2016 at 10:00, actionbot <bot@council.example> wrote:\n> 4.2.2 green\n",
        f"{NEW}\n\nOn Wed, 14 Sep 2016 at 10:00, actionbot <bot@council.example>\nwrote:\n> 4.2.2 green\n",
        f"{NEW}\r\n\r\n-----Original Message-----\r\nFrom: actionbot\r\n4.2.2 green\r\n",
        f"{NEW}\n\n________________________________\nFrom: actionbot <bot@council.example>\nSent: 14 September\n4.2.2 green\n",
        f"{NEW}\n-- \nHannah\n4.2.2 green (in the signature)\n",
        f"> 4.2.2 green\n{NEW}\n> quoted again\n",
        f"{NEW}\n\nSent from my iPhone\n4.2.2 green",
    ],
)
def test_only_the_new_text_is_kept(reply):
    assert strip_quoted(reply) == NEW


def test_greetings_and_sign_offs_are_left_out_when_there_are_updates():
    assert update_lines(f"Hi,\n\n{NEW}\n4.2.2 green\n\nThanks,\nHannah") == f"{NEW}\n4.2.2 green"
    assert update_lines("What is overdue?\n") == "What is overdue?"  # nothing reads as an update: all of it


def test_an_html_only_reply_loses_its_blockquote():
    html = (
        f"<html><head><style>p {{color: red}}</style></head><body><div>{NEW}</div>"
        "<blockquote><p>4.2.2 green</p></blockquote><p>Thanks</p></body></html>"
    )
    assert update_lines(strip_quoted(html_to_text(html))) == NEW
