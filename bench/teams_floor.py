"""The floor for the Teams load benchmark: botbuilder's own echo bot, nothing of actionbot.

CloudAdapter in local development mode (no app id: no token to check, as `actionbot serve`
runs in the benchmark), one `ActivityHandler` that replies with the text it got. Its reply goes
to the activity's `serviceUrl`, the benchmark's connector, exactly as actionbot's does.

Run: `python -m bench.teams_floor --port P`.
"""

from __future__ import annotations

import argparse
from types import SimpleNamespace

from aiohttp import web
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(f"echo: {turn_context.activity.text}")


def build() -> web.Application:
    config = SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="")
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot) or web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", lambda _r: web.json_response({"status": "ok"}))
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(build(), host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
