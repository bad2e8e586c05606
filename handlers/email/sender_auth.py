"""Whether an emailed reply really comes from its From domain, as the receiving mail system
judged it: the `Authentication-Results` header (RFC 8601) with its DMARC, DKIM and SPF results.

A reply is accepted on its From address and its In-Reply-To (a nudge the bot sent that
person), and both can be forged by anyone who saw a nudge's Message-ID. The mail service in
front of `POST /mail/inbound` checks DKIM, SPF and DMARC when the message arrives and writes
the outcome into `Authentication-Results`; that verdict is what this module reads. It must be
the service's own header: the proxy or service has to strip any `Authentication-Results` the
sender put in the message (RFC 8601 §5), or a forger could write "dmarc=pass" themselves.

The verdict for the From domain is DMARC's when there is a DMARC pass or fail for it (a fail
anywhere wins); otherwise DKIM's and SPF's, aligned with the From domain (relaxed: the same domain or a parent or
child of it): any pass is a pass, and with no pass any fail is a fail. Anything else (no
header, no result for this domain, `none`, `temperror`, `neutral`, `softfail`) is "none".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

PASS, FAIL, NONE = "pass", "fail", "none"

_COMMENT = re.compile(r"\([^()]*\)")
_RESULT = re.compile(r"^\s*(?P<method>[A-Za-z0-9_-]+)\s*=\s*(?P<result>[A-Za-z0-9_-]+)(?P<props>.*)$", re.S)
_PROP = re.compile(r"(?P<name>[A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+)\s*=\s*(?P<value>\"[^\"]*\"|[^\s;]+)")


def _results(header: str) -> list[tuple[str, str, dict[str, str]]]:
    """(method, result, properties) of one header's resinfos; the authserv-id is skipped."""
    text = header
    while _COMMENT.search(text):  # comments may nest: peel them from the inside
        text = _COMMENT.sub(" ", text)
    found: list[tuple[str, str, dict[str, str]]] = []
    for part in text.split(";")[1:]:
        m = _RESULT.match(part)
        if not m:
            continue
        props = {p["name"].lower(): p["value"].strip('"').lower() for p in _PROP.finditer(m["props"])}
        found.append((m["method"].lower(), m["result"].lower(), props))
    return found


def _aligned(domain: str, other: str | None) -> bool:
    """Relaxed alignment: the same organisational branch of the DNS (or nothing to compare)."""
    if not other:
        return True
    other = other.rsplit("@", 1)[-1].strip(".")
    return other == domain or domain.endswith("." + other) or other.endswith("." + domain)


def verdict(headers: Iterable[str], from_domain: str) -> str:
    """PASS, FAIL or NONE for `from_domain`, from every `Authentication-Results` header given."""
    domain = from_domain.lower().strip(".")
    dmarc: list[str] = []
    others: list[str] = []
    for header in headers:
        for method, result, props in _results(str(header)):
            identity = {
                "dmarc": props.get("header.from"),
                "dkim": props.get("header.d") or props.get("header.i"),
                "spf": props.get("smtp.mailfrom") or props.get("smtp.helo"),
            }
            if method in identity and _aligned(domain, identity[method]):
                (dmarc if method == "dmarc" else others).append(result)
    for results in (dmarc, others):
        if not results:
            continue
        if FAIL in results and (results is dmarc or PASS not in results):
            return FAIL
        if PASS in results:
            return PASS
    return NONE
