"""Teams registration as Azure does it since 31 July 2025: single-tenant by default.

- `MICROSOFT_APP_TYPE` defaults to SingleTenant, and an app id without `MICROSOFT_APP_TENANT_ID`
  is a configuration error naming the variable; `config check` warns about MultiTenant.
- The tenant reaches the SDK (`APP_TYPE`, `APP_TENANTID`): the credentials botbuilder builds for
  the bot's own calls (replies, proactive sends) come from the tenant's authority.
- Inbound, botbuilder 4.17.1 validates what the channel sends: tokens signed by the Bot
  Framework for this app id (the issuer is the Bot Framework's for single-tenant bots too),
  checked here against the local OpenID/JWKS endpoint. A token issued directly by the
  tenant's Entra directory (`https://login.microsoftonline.com/<tenant>/v2.0`,
  `https://sts.windows.net/<tenant>/`) is not a channel token and is refused.
"""

from __future__ import annotations

import asyncio

import pytest
from botbuilder.integration.aiohttp import ConfigurationServiceClientCredentialFactory
from botframework.connector.auth import AuthenticationConstants
from pydantic import ValidationError

from actionbot.cli import main
from handlers.teams.sdk import sdk_configuration
from handlers.teams.settings import teams_settings as teams_settings_of
from tests.teams.conftest import HANNAH, teams_settings
from tests.teams.test_e2e_auth import APP_ID, TENANT_ID, signing_key, token, verified_world  # noqa: F401 (fixtures)

LOGIN = "https://login.microsoftonline.com"


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_TENANT_ID", "MICROSOFT_APP_TYPE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no developer .env
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    return monkeypatch


def test_single_tenant_is_the_default_and_needs_the_tenant_id():
    assert teams_settings().microsoft_app_type == "SingleTenant"
    assert teams_settings().microsoft_app_id is None  # local development mode needs nothing
    with pytest.raises(ValidationError) as err:
        teams_settings(microsoft_app_id=APP_ID, microsoft_app_password="pw")
    assert "MICROSOFT_APP_TENANT_ID is not set: a SingleTenant bot" in str(err.value)
    with pytest.raises(ValidationError, match="MICROSOFT_APP_TENANT_ID is not set: a UserAssignedMSI bot"):
        teams_settings(microsoft_app_id=APP_ID, microsoft_app_type="UserAssignedMSI")
    ok = teams_settings(microsoft_app_id=APP_ID, microsoft_app_password="pw", microsoft_app_tenant_id=TENANT_ID)
    assert (ok.microsoft_app_type, ok.microsoft_app_tenant_id) == ("SingleTenant", TENANT_ID)


def test_the_command_line_names_the_missing_variable(clean_env, capsys):
    clean_env.setenv("MICROSOFT_APP_ID", APP_ID)
    clean_env.setenv("MICROSOFT_APP_PASSWORD", "a-client-secret-value")
    with pytest.raises(SystemExit) as stop:
        main(["config", "check"])
    message = str(stop.value)
    assert message.startswith("actionbot: configuration error\n")
    assert "  MICROSOFT_APP_TENANT_ID is not set: a SingleTenant bot (MICROSOFT_APP_TYPE, the default)" in message
    assert "Directory (tenant) ID" in message and "Value error" not in message
    assert "a-client-secret-value" not in message
    clean_env.setenv("MICROSOFT_APP_TENANT_ID", TENANT_ID)
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert f"ok  teams     MICROSOFT_APP_TENANT_ID  {TENANT_ID}" in out
    assert "ok  teams     MICROSOFT_APP_TYPE       SingleTenant" in out and "!!" not in out


def test_config_check_warns_about_multi_tenant(clean_env, capsys):
    clean_env.setenv("MICROSOFT_APP_ID", APP_ID)
    clean_env.setenv("MICROSOFT_APP_PASSWORD", "a-client-secret-value")
    clean_env.setenv("MICROSOFT_APP_TYPE", "MultiTenant")
    assert main(["config", "check"]) == 0  # an existing multi-tenant registration still works
    [line] = [ln for ln in capsys.readouterr().out.splitlines() if "MICROSOFT_APP_TYPE" in ln]
    assert line.startswith("!!  teams     MICROSOFT_APP_TYPE       MultiTenant")
    assert "Azure stopped creating multi-tenant bot registrations after 31 July 2025" in line


@pytest.mark.parametrize(
    ("app_type", "tenant", "authority"),
    [("SingleTenant", TENANT_ID, f"{LOGIN}/{TENANT_ID}"), ("MultiTenant", None, f"{LOGIN}/botframework.com")],
)
def test_the_sdk_gets_its_tokens_from_the_configured_tenant(app_type, tenant, authority):
    settings = teams_settings(
        microsoft_app_id=APP_ID,
        microsoft_app_password="pw",
        microsoft_app_tenant_id=tenant,
        microsoft_app_type=app_type,
    )
    config = sdk_configuration(
        app_id=settings.microsoft_app_id,
        app_password=settings.microsoft_app_password,
        tenant_id=settings.microsoft_app_tenant_id,
        app_type=settings.microsoft_app_type,
    )
    passed = {key: getattr(config, key) for key in ("APP_ID", "APP_TYPE", "APP_TENANTID")}
    assert passed == {"APP_ID": APP_ID, "APP_TYPE": app_type, "APP_TENANTID": tenant or ""}
    factory = ConfigurationServiceClientCredentialFactory(config)
    # the login URL the public-cloud CloudAdapter passes for the bot's own calls
    login_url = AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL
    credentials = asyncio.run(factory.create_credentials(APP_ID, None, login_url, True))
    assert credentials.oauth_endpoint == authority  # nothing is fetched: MSAL is built on first use
    assert credentials.microsoft_app_id == APP_ID


async def test_a_single_tenant_bot_validates_the_channel_token_and_refuses_others(verified_world, signing_key):  # noqa: F811
    w = verified_world
    settings = teams_settings_of(w.rt)
    assert (settings.microsoft_app_type, settings.microsoft_app_tenant_id) == ("SingleTenant", TENANT_ID)
    good = token(signing_key, w.rt.clock, w.connector.url)
    response = await w.post(
        w.activity(HANNAH, "help", deliveryMode="expectReplies"), headers={"Authorization": f"Bearer {good}"}
    )
    assert response.status == 200
    for issuer in (f"{LOGIN}/{TENANT_ID}/v2.0", f"https://sts.windows.net/{TENANT_ID}/"):
        direct = token(signing_key, w.rt.clock, w.connector.url, iss=issuer, ver="2.0", azp=APP_ID)
        refused = await w.post(w.activity(HANNAH, "help"), headers={"Authorization": f"Bearer {direct}"})
        assert refused.status == 401, issuer
