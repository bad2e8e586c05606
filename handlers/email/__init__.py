"""The email channel: nudges, chases, escalations and digests by SMTP for the people who are
not on chat, one-click answers at `/u/<token>`, and emailed replies at `POST /mail/inbound`.

`CHANNEL` is the channel plugin (name, mount, outbound, config_lines); its settings are in
`settings.py` (SMTP_URL, ACTIONBOT_MAIL_FROM, ACTIONBOT_SECRET_KEY, ACTIONBOT_INBOUND_SECRET …).
Email starts only when SMTP_URL and ACTIONBOT_MAIL_FROM are set, and refuses to start without
ACTIONBOT_SECRET_KEY, because the signed links are the only sign-in its pages have.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.config_lines import ConfigLine

if TYPE_CHECKING:
    from aiohttp import web

    from bot.runtime import Runtime
    from handlers.email.outbound import EmailChannel
    from handlers.email.settings import EmailSettings

log = logging.getLogger(__name__)


class EmailPlugin:
    name = "email"

    def _settings(self) -> EmailSettings:
        from handlers.email.settings import EmailSettings

        return EmailSettings()

    def settings(self, env: Mapping[str, str]) -> EmailSettings:
        """The channel's settings read with `env` on top: the registry hands them to the log
        redactor, which is how the SMTP password inside SMTP_URL, ACTIONBOT_SECRET_KEY and
        ACTIONBOT_INBOUND_SECRET are kept out of every log line without the core naming them."""
        from bot.config import settings_from
        from handlers.email.settings import EmailSettings

        return settings_from(EmailSettings, env)

    def outbound(self, rt: Runtime) -> EmailChannel | None:
        settings = self._settings()
        if not settings.configured:
            return None
        refusal = settings.refusal()
        if refusal:
            log.error("email is OFF: %s", refusal)
            return None
        from handlers.email.outbound import EmailChannel

        return EmailChannel(settings, rt.engine, rt.clock, fallback=rt.core.policy.email_fallback)

    def mount(self, app: web.Application, rt: Runtime) -> bool:
        """`/u/<token>` (the answer pages) and, with ACTIONBOT_INBOUND_SECRET, `POST /mail/inbound`."""
        channel = self.outbound(rt)
        if channel is None:
            return False
        from handlers.email.inbound import PATH, InboundEndpoint
        from handlers.email.pages import AnswerPages

        AnswerPages(rt, channel.settings.actionbot_secret_key or "").mount(app)
        secret = channel.settings.actionbot_inbound_secret
        if secret:
            endpoint = InboundEndpoint(
                rt,
                channel,
                secret,
                channel.settings.actionbot_mail_max_bytes,
                require_auth=channel.settings.actionbot_inbound_require_auth,
            )
            app.router.add_post(PATH, endpoint.handle)
        else:
            log.warning("ACTIONBOT_INBOUND_SECRET is not set: %s is off, emailed replies are not read", PATH)
        return True

    def talks_to_people(self, rt: Runtime) -> bool:
        """Only when configured (SMTP_URL, ACTIONBOT_MAIL_FROM and a secret key)."""
        settings = self._settings()
        return bool(settings.configured and not settings.refusal())

    def banner(self, rt: Runtime, url: str) -> list[str]:
        """`serve`'s line: where mail goes out from, or what turns email on."""
        settings = self._settings()
        if not settings.configured:
            return ["Email:   off (set SMTP_URL and ACTIONBOT_MAIL_FROM; see README)"]
        refusal = settings.refusal()
        if refusal:
            return [f"Email:   OFF: {refusal}"]
        return [f"Email:   on, from {settings.actionbot_mail_from}; answer pages at {url}/u/…"]

    def config_lines(self, env: Mapping[str, str]) -> list[ConfigLine]:
        from handlers.email.config_check import config_lines

        return config_lines(env)


CHANNEL = EmailPlugin()
