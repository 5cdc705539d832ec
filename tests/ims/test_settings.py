"""Settings: arguments, then HW_* variables, then the official SDK's; never OS_*; secrets stay hidden."""

from __future__ import annotations

import pytest

from pulumi_cloudimages import ConfigurationError, Settings, SignatureAuth, TokenAuth

SECRET = "SK-SHOULD-NEVER-SHOW"


def test_region_gives_the_endpoints() -> None:
    settings = Settings.resolve(env={}, region="ap-southeast-1", auth_token="t")
    assert settings.ims_endpoint() == "https://ims.ap-southeast-1.myhuaweicloud.com"
    assert settings.iam() == "https://iam.ap-southeast-1.myhuaweicloud.com"
    assert Settings.resolve(env={}, region="eu-west-101", auth_token="t").ims_endpoint() == (
        "https://ims.eu-west-101.myhuaweicloud.eu"
    )
    assert Settings.resolve(env={"HW_CLOUD": "example.org"}, region="xx-one-1", auth_token="t").ims_endpoint() == (
        "https://ims.xx-one-1.example.org"
    )


def test_arguments_win_over_hw_variables_which_win_over_the_sdk_ones() -> None:
    env = {
        "HW_REGION_NAME": "cn-north-4",
        "HW_ACCESS_KEY": "HW-AK",
        "HW_SECRET_KEY": SECRET,
        "HUAWEICLOUD_SDK_AK": "SDK-AK",
        "HUAWEICLOUD_SDK_SK": "other",
        "HUAWEICLOUD_SDK_PROJECT_ID": "sdk-project",
        "HW_MAX_RETRIES": "5",
        "HW_INSECURE": "true",
    }
    settings = Settings.resolve(env=env)
    assert (settings.region, settings.access_key, settings.project_id) == ("cn-north-4", "HW-AK", "sdk-project")
    assert settings.max_retries == 5 and settings.insecure is True
    assert Settings.resolve(env=env, access_key="ARG-AK", secret_key="s").access_key == "ARG-AK"
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())


def test_openstack_variables_are_never_read() -> None:
    env = {"OS_REGION_NAME": "cn-north-4", "OS_ACCESS_KEY": "a", "OS_SECRET_KEY": "b", "OS_AUTH_URL": "http://x"}
    with pytest.raises(ConfigurationError, match="no region"):
        Settings.resolve(env=env)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"region": "cn-north-4"}, "no credentials"),
        ({"region": "cn-north-4", "access_key": "a"}, r"secret_key \(or HW_SECRET_KEY\) is missing"),
        ({"region": "cn-north-4", "access_key": "a", "secret_key": SECRET, "auth_token": "t"}, "keep one"),
        ({"region": "cn-north-4", "auth_token": "t", "security_token": "s"}, "security_token is only used"),
        ({"endpoint": "http://127.0.0.1:1", "access_key": "a", "secret_key": SECRET}, "needs a project"),
        ({"region": "North 4", "auth_token": "t"}, "invalid setting region='North 4'"),
        ({"endpoint": "ims.example.com"}, "invalid setting endpoint='ims.example.com': expected an http"),
        ({"endpoint": "http://x", "max_retries": -1}, "max_retries=-1"),
    ],
)
def test_contradictions_are_refused_before_any_request(given: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigurationError, match=expected) as caught:
        Settings.resolve(env={}, **given)  # type: ignore[arg-type]
    assert SECRET not in str(caught.value)


def test_the_auth_follows_the_credentials() -> None:
    signed = Settings.resolve(env={}, region="cn-north-4", access_key="a", secret_key=SECRET, project_id="p")
    assert isinstance(signed.auth(), SignatureAuth)
    assert isinstance(Settings.resolve(env={}, region="cn-north-4", auth_token="t").auth(), TokenAuth)
    local = Settings.resolve(env={}, endpoint="http://127.0.0.1:8080/", project_id="p")
    assert local.auth() is None and local.anonymous_headers() == {"X-Project-Id": "p"}
    assert local.ims_endpoint() == "http://127.0.0.1:8080"


def test_the_keyword_arguments_are_the_settings() -> None:
    from pulumi_cloudimages.ims.settings import ConnectionOptions

    assert list(ConnectionOptions.__annotations__) == list(Settings.model_fields)


@pytest.mark.parametrize("name", ["secret_key", "security_token", "auth_token"])
def test_every_secret_setting_is_masked_in_a_refusal(name: str) -> None:
    from pulumi_cloudimages.ims.settings import SECRET_SETTINGS

    assert name in SECRET_SETTINGS and "access_key" not in SECRET_SETTINGS
    with pytest.raises(ConfigurationError) as caught:
        Settings.validated({name: [SECRET]})  # refused: not text
    assert f"invalid setting {name}=***" in str(caught.value) and SECRET not in str(caught.value)


def test_the_secret_settings_are_those_kept_as_secret_str() -> None:
    from pydantic import SecretStr

    from pulumi_cloudimages.ims.settings import SECRET_SETTINGS

    settings = Settings(secret_key=SECRET, security_token="token", auth_token="token", access_key="a")
    assert {name for name, value in settings if isinstance(value, SecretStr)} == SECRET_SETTINGS
