"""A Bot Framework token checked once is accepted again without the check, but only for the
same token, channel and service URL, and only until its `exp` (at most five minutes after the
check). The SDK's authentication is played by a stand-in that counts the checks; the time is
passed in. That the real check refuses bad tokens is `test_e2e_auth.py`, through this wrapper."""

from __future__ import annotations

from types import SimpleNamespace

from handlers.teams.sdk import _ReusingAuthentication

SERVICE = "https://smba.trafficmanager.net/uk/"


class CountingAuthentication:
    """Stands in for the SDK's BotFrameworkAuthentication: accepts every token, counts checks."""

    def __init__(self, expires: float, authenticated: bool = True):
        self.checks = 0
        self.expires = expires
        self.authenticated = authenticated

    async def authenticate_request(self, activity, auth_header):
        self.checks += 1
        claims = {"aud": "bot-app-id", "exp": self.expires} if self.authenticated else {}
        identity = SimpleNamespace(claims=claims, is_authenticated=self.authenticated)
        return SimpleNamespace(claims_identity=identity, audience="scope", caller_id="urn:botframework:azure",
                               connector_factory=None)


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


def activity(service_url: str = SERVICE, channel: str = "msteams") -> SimpleNamespace:
    return SimpleNamespace(channel_id=channel, service_url=service_url)


async def test_a_checked_token_is_reused_until_its_exp_or_five_minutes():
    clock = Clock(1_000_000.0)
    inner = CountingAuthentication(expires=clock.now + 3600)
    auth = _ReusingAuthentication(inner, now=clock)

    first = await auth.authenticate_request(activity(), "Bearer t1")
    again = await auth.authenticate_request(activity(), "Bearer t1")
    assert inner.checks == 1
    assert again.claims_identity is first.claims_identity and again.caller_id == first.caller_id

    clock.now += 299
    await auth.authenticate_request(activity(), "Bearer t1")
    assert inner.checks == 1
    clock.now += 2  # five minutes after the check: checked again
    await auth.authenticate_request(activity(), "Bearer t1")
    assert inner.checks == 2


async def test_a_token_is_checked_again_past_its_own_exp():
    clock = Clock(1_000_000.0)
    inner = CountingAuthentication(expires=clock.now + 60)
    auth = _ReusingAuthentication(inner, now=clock)
    await auth.authenticate_request(activity(), "Bearer t1")
    clock.now += 61
    await auth.authenticate_request(activity(), "Bearer t1")
    assert inner.checks == 2


async def test_another_service_url_channel_or_token_is_checked():
    clock = Clock(1_000_000.0)
    inner = CountingAuthentication(expires=clock.now + 3600)
    auth = _ReusingAuthentication(inner, now=clock)
    await auth.authenticate_request(activity(), "Bearer t1")
    await auth.authenticate_request(activity("https://evil.example/"), "Bearer t1")
    await auth.authenticate_request(activity(channel="webchat"), "Bearer t1")
    await auth.authenticate_request(activity(), "Bearer t2")
    assert inner.checks == 4


async def test_without_a_token_nothing_is_remembered():
    clock = Clock(1_000_000.0)
    inner = CountingAuthentication(expires=clock.now + 3600, authenticated=False)
    auth = _ReusingAuthentication(inner, now=clock)
    for header in ("", "", "Bearer anonymous"):
        await auth.authenticate_request(activity(), header)
    assert inner.checks == 3
