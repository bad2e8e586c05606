"""The floor for the Slack load benchmark: a bare slack-bolt app, nothing of actionbot.

It verifies the signature, acks the slash command and posts one fixed answer to its
`response_url` — the least any Bolt app must do for a command — so that `bench.slack_load`
can report actionbot's latency as a ratio of what the framework itself costs on this machine.

Run: `python -m bench.slack_floor --port P --secret S --api-url URL --command /actionbot`.
"""

from __future__ import annotations

import argparse

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def build(secret: str, api_url: str, commands: list[str]) -> AsyncApp:
    client = AsyncWebClient(token="xoxb-floor", base_url=api_url)
    app = AsyncApp(signing_secret=secret, client=client)

    async def answer(ack, respond) -> None:
        await ack()
        await respond(text="Priority 5: 59 actions (fixed floor answer)")

    for name in commands:
        app.command(name)(answer)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--command", action="append", default=[])
    args = parser.parse_args()
    app = build(args.secret, args.api_url, args.command or ["/actionbot", "/status"])
    app.start(port=args.port, path="/slack/events", host="127.0.0.1")


if __name__ == "__main__":
    main()
