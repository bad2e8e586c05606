"""`cards.kept_renders.KeptRenders`: a kept view is rendered once; another object, even an equal
one, is rendered anew; only the last `size` views are remembered. And Block Kit messages made
from a kept view are copies: changing one changes neither the next nor the kept rendering."""

from __future__ import annotations

from dataclasses import dataclass

from bot.views import NoticeView
from cards import blockkit
from cards.kept_renders import KeptRenders


@dataclass
class View:
    text: str


def test_a_view_object_is_rendered_once_and_an_equal_object_again():
    calls: list[str] = []

    def render(view: View) -> str:
        calls.append(view.text)
        return view.text.upper()

    kept = KeptRenders(render, size=2)
    a, b, c = View("a"), View("a"), View("c")
    assert kept(a) == "A" and kept(a) == "A" and calls == ["a"]
    assert kept(b) == "A" and calls == ["a", "a"]  # equal, but another object
    kept(c)  # a is now the oldest of three: forgotten
    kept(a)
    assert calls == ["a", "a", "c", "a"]


def test_messages_from_one_kept_view_do_not_share_what_they_change():
    view = NoticeView("Nothing overdue in priority 4.", "info")
    first = blockkit.message([view], command="/actionbot ")
    first["blocks"][0]["text"]["text"] = "changed"
    first["blocks"].append({"type": "divider"})
    second = blockkit.message([view], command="/actionbot ")
    assert second["blocks"][0]["text"]["text"] != "changed" and len(second["blocks"]) == len(first["blocks"]) - 1


def test_adaptive_cards_from_one_kept_view_do_not_share_what_they_change():
    from cards import adaptive

    views = [NoticeView("Plan: Youth Justice Plan (yj)", "info"), NoticeView("Nothing overdue.", "info")]
    first = adaptive.render_card(views)
    assert first["body"][1].get("separator") is True  # the second view's first element, replaced
    first["body"][0]["text"] = "changed"
    first["body"].clear()
    second = adaptive.render_card(views)
    assert second["body"] and second["body"][0]["text"] != "changed"
    alone = adaptive.render_card([views[1]])  # the same kept view, first this time: no separator
    assert "separator" not in alone["body"][0]
