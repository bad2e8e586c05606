"""The Slack Web API client, configured once for every Slack call the bot makes."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings


def web_client(settings: Settings) -> AsyncWebClient:
    """A client for `SLACK_API_URL` that retries what Slack asks us to retry.

    slack_sdk retries only connection errors by default. A nudge round can hit the per-method
    rate limits (HTTP 429 with `Retry-After`, which the handler waits out) and Slack has short
    outages (500/503): both are retried here so one busy minute does not lose a message.
    """
    return configure(AsyncWebClient(token=settings.slack_bot_token), settings)


def configure(client: AsyncWebClient, settings: Settings) -> AsyncWebClient:
    """Point a client (ours, or the one Bolt builds from the token) at `SLACK_API_URL` with the
    retry handlers. Bolt copies both into the client it gives each listener."""
    client.base_url = settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    client.retry_handlers = [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        AsyncServerErrorRetryHandler(max_retry_count=2),
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
