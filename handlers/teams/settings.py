"""Teams' settings (`MICROSOFT_APP_*`), read by the Teams channel only.

Azure creates single-tenant bots only since 31 July 2025, so a SingleTenant registration (the
default) must name its tenant; that is refused here, when the channel loads its settings,
with the variable's name, rather than deep inside botbuilder at the first reply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config import settings_from

if TYPE_CHECKING:
    from bot.runtime import Runtime

# App types that sign in to one tenant, so the SDK needs its id (APP_TENANTID).
TENANT_REQUIRED = ("SingleTenant", "UserAssignedMSI")


class TeamsSettings(BaseSettings):
    """MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD, MICROSOFT_APP_TENANT_ID, MICROSOFT_APP_TYPE."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    microsoft_app_id: str | None = None
    microsoft_app_password: str | None = None
    microsoft_app_tenant_id: str | None = None
    microsoft_app_type: str = "SingleTenant"

    @field_validator("microsoft_app_type")
    @classmethod
    def _known_app_type(cls, value: str) -> str:
        allowed = {"singletenant": "SingleTenant", "multitenant": "MultiTenant", "userassignedmsi": "UserAssignedMSI"}
        key = value.replace("_", "").replace("-", "").lower()
        if key not in allowed:
            raise ValueError(f"MICROSOFT_APP_TYPE {value!r}: use SingleTenant, MultiTenant or UserAssignedMSI")
        return allowed[key]

    @model_validator(mode="after")
    def _tenant_for_single_tenant(self) -> TeamsSettings:
        """A SingleTenant bot signs in to its own tenant for every reply and proactive message:
        without the tenant id botbuilder fails deep inside the adapter ("Property 'APP_TENANTID'
        is expected"), so refuse at start-up with the variable's name instead."""
        if self.microsoft_app_id and self.microsoft_app_type in TENANT_REQUIRED and not self.microsoft_app_tenant_id:
            raise ValueError(
                f"MICROSOFT_APP_TENANT_ID is not set: a {self.microsoft_app_type} bot "
                f"(MICROSOFT_APP_TYPE{', the default' if self.microsoft_app_type == 'SingleTenant' else ''}) "
                "needs its Microsoft Entra tenant id (Azure portal → the bot's app registration → Overview → "
                "Directory (tenant) ID)"
            )
        return self

    @property
    def teams_authenticated(self) -> bool:
        return bool(self.microsoft_app_id)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TeamsSettings:
        return settings_from(cls, env)


def teams_settings(rt: Runtime) -> TeamsSettings:
    """This process's Teams settings: given to the runtime (tests), else read once from the
    environment."""
    return rt.channel_settings_for("teams", TeamsSettings)
