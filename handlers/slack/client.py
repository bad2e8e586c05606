"""The Slack Web API client, configured once for every Slack call the bot makes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from handlers.slack.settings import SlackSettings

Sleep = Callable[[float], Awaitable[None]]


class _ClockedBackoff:
    """slack_sdk's backoff between tries, waited on the runtime's clock instead of asyncio.sleep."""

    _sleep: Sleep

    async def prepare_for_next_attempt_async(self, *, state, request, response=None, error=None) -> None:
        state.next_attempt_requested = True
        await self._sleep(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
        state.increment_current_attempt()


class ServerErrorRetry(_ClockedBackoff, AsyncServerErrorRetryHandler):
    def __init__(self, sleep: Sleep, max_retry_count: int = 2):
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep


class ConnectionErrorRetry(_ClockedBackoff, AsyncConnectionErrorRetryHandler):
    def __init__(self, sleep: Sleep, max_retry_count: int = 2):
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep


class RateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (wait `Retry-After`, then retry), with the wait going through the
    runtime's clock so tests move time instead of waiting. The wait is exactly `Retry-After`:
    slack_sdk adds up to a second of jitter, which only spreads out many uncoordinated clients;
    our sender paces itself (`handlers.slack.rate_limits`), so a 429 means the limit's window
    reopens at the instant Slack named, and a second of jitter per 429 would only lengthen a
    round."""

    def __init__(self, sleep: Sleep, max_retry_count: int = 3):
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep

    async def prepare_for_next_attempt_async(self, *, state, request, response=None, error=None) -> None:
        if response is None:
            raise error  # type: ignore[misc]
        state.next_attempt_requested = True
        header = next((k for k in response.headers if k.lower() == "retry-after"), None)
        seconds = float(response.headers[header][0]) if header else 1.0
        await self._sleep(seconds)
        state.increment_current_attempt()


def web_client(settings: SlackSettings, sleep: Sleep) -> AsyncWebClient:
    """A client for `SLACK_API_URL` that retries what Slack asks us to retry.

    slack_sdk retries only connection errors by default. A nudge round can hit the per-method
    rate limits (HTTP 429 with `Retry-After`, which the handler waits out) and Slack has short
    outages (500/503): both are retried here so one busy minute does not lose a message.
    """
    return configure(AsyncWebClient(token=settings.slack_bot_token), settings, sleep)


def configure(client: AsyncWebClient, settings: SlackSettings, sleep: Sleep) -> AsyncWebClient:
    """Point a client (ours, or the one Bolt builds from the token) at `SLACK_API_URL` with the
    retry handlers. Bolt copies both into the client it gives each listener."""
    client.base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    client.retry_handlers = [
        ConnectionErrorRetry(sleep, max_retry_count=2),
        RateLimitRetry(sleep, max_retry_count=3),
        ServerErrorRetry(sleep, max_retry_count=2),
    ]
    return client


def api_error(exc: SlackApiError) -> str:
    """Slack's error code ("channel_not_found"), or the HTTP status when the answer was not
    JSON (a 503 from a load balancer has no `error` field)."""
    response = exc.response
    data = getattr(response, "data", None)
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"HTTP {getattr(response, 'status_code', '?')}"
