"""What a Teams send can fail with, without the SDK: `handlers.teams.sdk` raises it, the sender
(`handlers.teams.outbound`) catches it, and neither the sender nor its callers need the SDK loaded
to name it."""

from __future__ import annotations


class ConnectorError(Exception):
    """The Bot Connector refused a send: HTTP status (0 = no answer), Teams error code, Retry-After."""

    def __init__(self, status: int, code: str, message: str, retry_after: float | None = None):
        super().__init__(f"{status} {code}: {message}".strip())
        self.status = status
        self.code = code
        self.retry_after = retry_after
