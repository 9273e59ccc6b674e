# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credential resolution: order of sources, profile modes, and the errors that name the option to fix."""

from __future__ import annotations

import errno
import json

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils._credentials import Credentials, resolve_credentials
from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ConfigurationError

HOME = "/home/ops"
DEFAULT_FILE = HOME + "/.aliyun/config.json"


def files(mapping):
    """A read_file over an in-memory {path: text} mapping; other paths are missing."""
    def read_file(path):
        if path not in mapping:
            raise IOError(errno.ENOENT, "No such file or directory", path)
        return mapping[path]
    return read_file


def config(*profiles, current=None):
    document = {"profiles": list(profiles)}
    if current is not None:
        document["current"] = current
    return json.dumps(document)


AK_PROFILE = {"name": "default", "mode": "AK", "access_key_id": "AK_PROFILE", "access_key_secret": "SK_PROFILE", "region_id": "cn-beijing"}
STS_PROFILE = {"name": "sts", "mode": "StsToken", "access_key_id": "STS.AK", "access_key_secret": "STS_SK", "sts_token": "TOKEN",
               "region_id": "cn-shanghai"}
ARN_PROFILE = {"name": "arn", "mode": "RamRoleArn", "access_key_id": "AK_ARN", "access_key_secret": "SK_ARN",
               "ram_role_arn": "acs:ram::1:role/ops", "ram_session_name": "cli", "expired_seconds": 1800, "region_id": "cn-hongkong"}
ECS_PROFILE = {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "EcsOps", "region_id": "us-west-1"}
ALL_PROFILES = config(AK_PROFILE, STS_PROFILE, ARN_PROFILE, ECS_PROFILE, current="default")

OPTION_KEYS = {"access_key": "AK_OPT", "secret_key": "SK_OPT", "region": "cn-hangzhou"}
ALICLOUD_KEYS = {"ALICLOUD_ACCESS_KEY": "AK_ALI", "ALICLOUD_SECRET_KEY": "SK_ALI", "ALICLOUD_REGION": "eu-central-1"}
ALIBABA_KEYS = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "AK_ABC", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "SK_ABC",
                "ALIBABA_CLOUD_REGION_ID": "ap-southeast-1"}


def resolve(params=None, env=None, file_map=None):
    full_env = {"HOME": HOME}
    full_env.update(env or {})
    return resolve_credentials(params or {}, full_env, read_file=files(file_map or {}))


@pytest.mark.parametrize(
    "params, env, file_map, expected",
    [
        # options beat both environment conventions and the profile file
        (OPTION_KEYS, dict(ALICLOUD_KEYS, **ALIBABA_KEYS), {DEFAULT_FILE: ALL_PROFILES},
         ("AK", "AK_OPT", "SK_OPT", None, "cn-hangzhou", "module options")),
        # ALICLOUD_* beats ALIBABA_CLOUD_* and the file
        ({}, dict(ALICLOUD_KEYS, **ALIBABA_KEYS), {DEFAULT_FILE: ALL_PROFILES},
         ("AK", "AK_ALI", "SK_ALI", None, "eu-central-1", "ALICLOUD_* environment variables")),
        # ALIBABA_CLOUD_* beats the file
        ({}, ALIBABA_KEYS, {DEFAULT_FILE: ALL_PROFILES},
         ("AK", "AK_ABC", "SK_ABC", None, "ap-southeast-1", "ALIBABA_CLOUD_* environment variables")),
        # the file's current profile is the last resort, with its region
        ({}, {}, {DEFAULT_FILE: ALL_PROFILES},
         ("AK", "AK_PROFILE", "SK_PROFILE", None, "cn-beijing", "profile 'default' in %s (mode AK)" % DEFAULT_FILE)),
        # the alternative ALICLOUD names
        ({}, {"ALICLOUD_ACCESS_KEY_ID": "A2", "ALICLOUD_SECRET_ACCESS_KEY": "S2", "ALICLOUD_REGION_ID": "cn-shenzhen"}, {},
         ("AK", "A2", "S2", None, "cn-shenzhen", "ALICLOUD_* environment variables")),
        # a security token makes it StsToken, from the same source as the keys
        (dict(OPTION_KEYS, security_token="TOK"), {"ALICLOUD_SECURITY_TOKEN": "OTHER"}, {},
         ("StsToken", "AK_OPT", "SK_OPT", "TOK", "cn-hangzhou", "module options")),
        ({}, dict(ALIBABA_KEYS, ALIBABA_CLOUD_SECURITY_TOKEN="TOK2"), {},
         ("StsToken", "AK_ABC", "SK_ABC", "TOK2", "ap-southeast-1", "ALIBABA_CLOUD_* environment variables")),
        # a token of a lower source does not attach to keys of a higher one
        (OPTION_KEYS, {"ALICLOUD_SECURITY_TOKEN": "OTHER"}, {},
         ("AK", "AK_OPT", "SK_OPT", None, "cn-hangzhou", "module options")),
        # region is read field by field: keys from env, region from options
        ({"region": "cn-shanghai"}, ALICLOUD_KEYS, {}, ("AK", "AK_ALI", "SK_ALI", None, "cn-shanghai", "ALICLOUD_* environment variables")),
        # ALICLOUD_REGION beats ALIBABA_CLOUD_REGION_ID even when keys come from ALIBABA_CLOUD_*
        ({}, dict(ALIBABA_KEYS, ALICLOUD_REGION="cn-hongkong"), {},
         ("AK", "AK_ABC", "SK_ABC", None, "cn-hongkong", "ALIBABA_CLOUD_* environment variables")),
        # an explicit profile option beats environment keys
        ({"profile": "sts"}, ALICLOUD_KEYS, {DEFAULT_FILE: ALL_PROFILES},
         ("StsToken", "STS.AK", "STS_SK", "TOKEN", "eu-central-1", "profile 'sts' in %s (mode StsToken)" % DEFAULT_FILE)),
        # blank strings count as unset
        ({"access_key": "", "secret_key": "  ", "region": ""}, ALICLOUD_KEYS, {},
         ("AK", "AK_ALI", "SK_ALI", None, "eu-central-1", "ALICLOUD_* environment variables")),
    ],
)
def test_resolution_order(params, env, file_map, expected):
    credentials = resolve(params, env, file_map)
    assert (credentials.mode, credentials.access_key, credentials.secret_key, credentials.security_token,
            credentials.region, credentials.source) == expected


@pytest.mark.parametrize(
    "params, env, expected",
    [
        ({"profile": "arn"}, {}, ("RamRoleArn", "AK_ARN", "acs:ram::1:role/ops", "cli", 1800, None, "cn-hongkong")),
        ({"profile": "ecs"}, {}, ("EcsRamRole", None, None, None, None, "EcsOps", "us-west-1")),
        ({}, {"ALICLOUD_PROFILE": "ecs"}, ("EcsRamRole", None, None, None, None, "EcsOps", "us-west-1")),
        ({}, {"ALIBABA_CLOUD_PROFILE": "arn"}, ("RamRoleArn", "AK_ARN", "acs:ram::1:role/ops", "cli", 1800, None, "cn-hongkong")),
        # options override the profile's role settings and region
        ({"profile": "arn", "assume_role_session_name": "play", "assume_role_session_expiration": 900, "region": "cn-beijing"}, {},
         ("RamRoleArn", "AK_ARN", "acs:ram::1:role/ops", "play", 900, None, "cn-beijing")),
        # assume_role_arn turns an AK profile into RamRoleArn with defaults
        ({"profile": "default", "assume_role_arn": "acs:ram::2:role/x"}, {},
         ("RamRoleArn", "AK_PROFILE", "acs:ram::2:role/x", "cloudwall-alicloud", 3600, None, "cn-beijing")),
        # keys in env, role from options
        ({"assume_role_arn": "acs:ram::3:role/y"}, ALICLOUD_KEYS,
         ("RamRoleArn", "AK_ALI", "acs:ram::3:role/y", "cloudwall-alicloud", 3600, None, "eu-central-1")),
        # role from env
        ({}, dict(ALIBABA_KEYS, ALIBABA_CLOUD_ROLE_ARN="acs:ram::4:role/z", ALIBABA_CLOUD_ROLE_SESSION_NAME="ci",
                  ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION="1200"),
         ("RamRoleArn", "AK_ABC", "acs:ram::4:role/z", "ci", 1200, None, "ap-southeast-1")),
        # ECS RAM role from options and from environment
        ({"ecs_role_name": "Role1", "region": "cn-hangzhou"}, ALICLOUD_KEYS, ("EcsRamRole", None, None, None, None, "Role1", "cn-hangzhou")),
        ({}, {"ALICLOUD_ECS_ROLE_NAME": "Role2", "ALICLOUD_REGION": "cn-hangzhou"},
         ("EcsRamRole", None, None, None, None, "Role2", "cn-hangzhou")),
        ({}, {"ALIBABA_CLOUD_ECS_METADATA": "Role3", "ALIBABA_CLOUD_REGION_ID": "cn-hangzhou"},
         ("EcsRamRole", None, None, None, None, "Role3", "cn-hangzhou")),
    ],
)
def test_roles(params, env, expected):
    credentials = resolve(params, env, {DEFAULT_FILE: ALL_PROFILES})
    assert (credentials.mode, credentials.access_key, credentials.role_arn, credentials.session_name,
            credentials.session_expiration, credentials.ecs_role_name, credentials.region) == expected


def test_shared_credentials_file_option_and_env_and_home_expansion():
    other = "/etc/aliyun.json"
    text = config(dict(AK_PROFILE, name="team", access_key_id="AK_TEAM"), current="team")
    assert resolve({"shared_credentials_file": other}, {}, {other: text}).access_key == "AK_TEAM"
    assert resolve({}, {"ALICLOUD_SHARED_CREDENTIALS_FILE": other}, {other: text}).access_key == "AK_TEAM"
    assert resolve({"shared_credentials_file": "~/team.json"}, {}, {HOME + "/team.json": text}).access_key == "AK_TEAM"


def test_profile_without_current_uses_default_and_mode_defaults_to_ak():
    text = config({"name": "default", "access_key_id": "A", "access_key_secret": "S", "region_id": "cn-hangzhou"})
    credentials = resolve({}, {}, {DEFAULT_FILE: text})
    assert (credentials.mode, credentials.access_key) == ("AK", "A")


@pytest.mark.parametrize(
    "profile, missing",
    [
        ({"mode": "AK", "access_key_id": "A"}, "access_key_secret"),
        ({"mode": "AK"}, "access_key_id, access_key_secret"),
        ({"mode": "StsToken", "access_key_id": "A", "access_key_secret": "S"}, "sts_token"),
        ({"mode": "RamRoleArn", "access_key_id": "A", "access_key_secret": "S"}, "ram_role_arn"),
        ({"mode": "RamRoleArn", "ram_role_arn": "acs:ram::1:role/x"}, "access_key_id, access_key_secret"),
        ({"mode": "EcsRamRole", "ram_role_name": ""}, "ram_role_name"),
    ],
)
def test_profile_missing_fields_are_named(profile, missing):
    text = config(dict(profile, name="p", region_id="cn-hangzhou"))
    with pytest.raises(ConfigurationError) as caught:
        resolve({"profile": "p"}, {}, {DEFAULT_FILE: text})
    assert caught.value.option == "profile"
    assert "is missing %s" % missing in str(caught.value)
    assert "mode %s" % profile["mode"] in str(caught.value)


@pytest.mark.parametrize(
    "params, env, file_map, option, fragment",
    [
        # nothing anywhere
        ({"region": "cn-hangzhou"}, {}, {}, "access_key", "No Alibaba Cloud credentials found"),
        # half a key pair
        ({"access_key": "A", "region": "cn-hangzhou"}, {}, {}, "secret_key", "secret_key is missing"),
        ({}, {"ALICLOUD_SECRET_KEY": "S", "ALICLOUD_REGION": "cn-hangzhou"}, {}, "access_key", "ALICLOUD_ACCESS_KEY"),
        ({"security_token": "T", "region": "cn-hangzhou"}, {}, {}, "access_key", "access_key is missing"),
        # no region
        ({"access_key": "A", "secret_key": "S"}, {}, {}, "region", "No region set"),
        ({"access_key": "A", "secret_key": "S", "region": "cn hangzhou"}, {}, {}, "region", "not a region id"),
        # conflicting identity in one source
        ({"access_key": "A", "secret_key": "S", "ecs_role_name": "R", "region": "cn-hangzhou"}, {}, {}, "ecs_role_name", "set only one"),
        # assume role needs long-term keys
        ({"ecs_role_name": "R", "assume_role_arn": "acs:ram::1:role/x", "region": "cn-hangzhou"}, {}, {}, "assume_role_arn",
         "cannot be combined with an ECS RAM role"),
        (dict(OPTION_KEYS, security_token="T", assume_role_arn="acs:ram::1:role/x"), {}, {}, "assume_role_arn", "long-term access key"),
        (dict(OPTION_KEYS, assume_role_arn="acs:ram::1:role/x", assume_role_session_expiration=60), {}, {},
         "assume_role_session_expiration", "between 900 and 43200"),
        (OPTION_KEYS, {"ALICLOUD_ASSUME_ROLE_ARN": "acs:ram::1:role/x", "ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION": "soon"}, {},
         "assume_role_session_expiration", "ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION"),
        # profile problems
        ({"profile": "nope"}, {}, {DEFAULT_FILE: ALL_PROFILES}, "profile", "profiles there: arn, default, ecs, sts"),
        ({"profile": "default"}, {}, {}, "shared_credentials_file", "Cannot read the aliyun CLI config file %s" % DEFAULT_FILE),
        ({"shared_credentials_file": "/x.json"}, {}, {}, "shared_credentials_file", "/x.json"),
        ({"profile": "default"}, {}, {DEFAULT_FILE: "{not json"}, "shared_credentials_file", "not valid JSON"),
        ({"profile": "default"}, {}, {DEFAULT_FILE: "[]"}, "shared_credentials_file", "no 'profiles' list"),
        ({"profile": "sso"}, {}, {DEFAULT_FILE: config({"name": "sso", "mode": "CloudSSO"})}, "profile", "does not support"),
    ],
)
def test_errors_name_the_option(params, env, file_map, option, fragment):
    with pytest.raises(ConfigurationError) as caught:
        resolve(params, env, file_map)
    assert caught.value.option == option
    assert fragment in str(caught.value)
    assert str(caught.value).endswith("(option %s)" % option)


def test_error_messages_never_contain_secrets():
    with pytest.raises(ConfigurationError) as caught:
        resolve({"secret_key": "TOPSECRET", "security_token": "TOKENVALUE", "region": "cn-hangzhou"})
    assert "TOPSECRET" not in str(caught.value)
    assert "TOKENVALUE" not in str(caught.value)


def test_repr_and_secrets():
    credentials = resolve(dict(OPTION_KEYS, security_token="TOKENVALUE"))
    assert "SK_OPT" not in repr(credentials)
    assert "TOKENVALUE" not in repr(credentials)
    assert "AK_OPT" in repr(credentials)
    assert credentials.secrets() == ("SK_OPT", "TOKENVALUE")
    assert credentials == Credentials(mode="StsToken", region="cn-hangzhou", source="module options", access_key="AK_OPT",
                                      secret_key="SK_OPT", security_token="TOKENVALUE")
