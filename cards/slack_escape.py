"""Slack's text rules in one place: what goes out is escaped, what comes in is unescaped.

Slack treats `&`, `<` and `>` as control characters in every text it shows (`<!channel>` pings
everyone, `<@U123>` pings a person, `<http://x|label>` hides a link behind a label), and it
escapes those three characters in the text it sends us. So anything a person typed (a note, an
author name, a line we echo back) or anything from an imported plan goes through `escape()`
before it is re-posted, and the text of a slash command or message goes through `unescape()`
before the core parses it.
"""

from __future__ import annotations

import re

# "@here" typed as plain text does not ping when posted through the API (no `parse`/`link_names`),
# but a word joiner after the "@" makes sure no client or future setting turns it into a mention.
_BROADCAST = re.compile(r"@(here|channel|everyone)\b", re.IGNORECASE)
_WORD_JOINER = "\u2060"


def escape(text: str) -> str:
    """Make user-supplied text safe to show in Slack mrkdwn or plain_text: it can never ping
    anyone or disguise a link, and it reads the same as what was typed."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: "@" + _WORD_JOINER + m.group(1), text)


def unescape(text: str) -> str:
    """Undo Slack's escaping of inbound message and command text (`S&amp;CP` → `S&CP`)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
