# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""Pure credential resolution: module options, environment, aliyun CLI profile file.

No SDK and no network here: the result says *which* credential to build (client.py builds it), so the
order of sources is one function that tests can drive with plain dicts.

Which source supplies the identity (access key pair, or ECS RAM role name), first match wins:
1. module options ``access_key``/``secret_key``/``security_token`` or ``ecs_role_name``;
2. the ``profile`` module option (an explicit choice of profile beats ambient environment variables);
3. ``ALICLOUD_*`` environment variables;
4. ``ALIBABA_CLOUD_*`` environment variables;
5. the aliyun CLI config file (``shared_credentials_file`` / ``ALICLOUD_SHARED_CREDENTIALS_FILE`` /
   ``~/.aliyun/config.json``), profile from ``ALICLOUD_PROFILE``/``ALIBABA_CLOUD_PROFILE`` or the file's
   ``current``.
A key pair and its security token always come from the same source. Role settings (``assume_role_*``) and
``region`` are read field by field in the order options, ``ALICLOUD_*``, ``ALIBABA_CLOUD_*``, profile.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type  # pylint: disable=invalid-name

import json
import os
import re

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ConfigurationError

MODE_ACCESS_KEY = "AK"
MODE_STS_TOKEN = "StsToken"
MODE_RAM_ROLE_ARN = "RamRoleArn"
MODE_ECS_RAM_ROLE = "EcsRamRole"
MODES = (MODE_ACCESS_KEY, MODE_STS_TOKEN, MODE_RAM_ROLE_ARN, MODE_ECS_RAM_ROLE)

DEFAULT_CREDENTIALS_FILE = "~/.aliyun/config.json"
DEFAULT_SESSION_NAME = "cloudwall-alicloud"
DEFAULT_SESSION_EXPIRATION = 3600
# STS AssumeRole accepts 900 s up to the role's maximum session duration (at most 12 h).
MIN_SESSION_EXPIRATION = 900
MAX_SESSION_EXPIRATION = 43200

_REGION_PATTERN = re.compile(r"^[a-zA-Z0-9_-]+$")

# Field of the resolved credential -> module option that sets it (used in error messages).
OPTION_NAMES = {
    "access_key": "access_key",
    "secret_key": "secret_key",
    "security_token": "security_token",
    "region": "region",
    "role_arn": "assume_role_arn",
    "session_name": "assume_role_session_name",
    "session_expiration": "assume_role_session_expiration",
    "ecs_role_name": "ecs_role_name",
    "profile": "profile",
    "shared_credentials_file": "shared_credentials_file",
}

# Environment variables per field, in precedence order, one group per naming convention.
ALICLOUD_ENV = (
    "ALICLOUD_* environment variables",
    {
        "access_key": ("ALICLOUD_ACCESS_KEY", "ALICLOUD_ACCESS_KEY_ID"),
        "secret_key": ("ALICLOUD_SECRET_KEY", "ALICLOUD_SECRET_ACCESS_KEY"),
        "security_token": ("ALICLOUD_SECURITY_TOKEN",),
        "region": ("ALICLOUD_REGION", "ALICLOUD_REGION_ID"),
        "role_arn": ("ALICLOUD_ASSUME_ROLE_ARN",),
        "session_name": ("ALICLOUD_ASSUME_ROLE_SESSION_NAME",),
        "session_expiration": ("ALICLOUD_ASSUME_ROLE_SESSION_EXPIRATION",),
        "ecs_role_name": ("ALICLOUD_ECS_ROLE_NAME",),
        "profile": ("ALICLOUD_PROFILE",),
        "shared_credentials_file": ("ALICLOUD_SHARED_CREDENTIALS_FILE",),
    },
)
ALIBABA_CLOUD_ENV = (
    "ALIBABA_CLOUD_* environment variables",
    {
        "access_key": ("ALIBABA_CLOUD_ACCESS_KEY_ID",),
        "secret_key": ("ALIBABA_CLOUD_ACCESS_KEY_SECRET",),
        "security_token": ("ALIBABA_CLOUD_SECURITY_TOKEN",),
        "region": ("ALIBABA_CLOUD_REGION_ID",),
        "role_arn": ("ALIBABA_CLOUD_ROLE_ARN",),
        "session_name": ("ALIBABA_CLOUD_ROLE_SESSION_NAME",),
        "session_expiration": ("ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION",),
        "ecs_role_name": ("ALIBABA_CLOUD_ECS_METADATA",),
        "profile": ("ALIBABA_CLOUD_PROFILE",),
    },
)
ENV_GROUPS = (ALICLOUD_ENV, ALIBABA_CLOUD_ENV)

# aliyun CLI profile fields per mode: (required, optional), as field -> profile key.
PROFILE_FIELDS = {
    MODE_ACCESS_KEY: ({"access_key": "access_key_id", "secret_key": "access_key_secret"}, {}),
    MODE_STS_TOKEN: ({"access_key": "access_key_id", "secret_key": "access_key_secret", "security_token": "sts_token"}, {}),
    MODE_RAM_ROLE_ARN: (
        {"access_key": "access_key_id", "secret_key": "access_key_secret", "role_arn": "ram_role_arn"},
        {"session_name": "ram_session_name", "session_expiration": "expired_seconds"},
    ),
    MODE_ECS_RAM_ROLE: ({"ecs_role_name": "ram_role_name"}, {}),
}

_KEY_FIELDS = ("access_key", "secret_key", "security_token")


class Credentials:
    """What client.py needs to build an SDK credential; ``repr`` never shows a secret."""

    __slots__ = ("mode", "access_key", "secret_key", "security_token", "role_arn", "session_name",
                 "session_expiration", "ecs_role_name", "region", "source")

    def __init__(self, mode, region, source, access_key=None, secret_key=None, security_token=None, role_arn=None,
                 session_name=None, session_expiration=None, ecs_role_name=None):
        self.mode = mode
        self.region = region
        self.source = source
        self.access_key = access_key
        self.secret_key = secret_key
        self.security_token = security_token
        self.role_arn = role_arn
        self.session_name = session_name
        self.session_expiration = session_expiration
        self.ecs_role_name = ecs_role_name

    def secrets(self):
        """Values that must never appear in output (for scrubbing error messages)."""
        return tuple(value for value in (self.secret_key, self.security_token) if value)

    def __eq__(self, other):
        return isinstance(other, Credentials) and all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        shown = []
        for name in self.__slots__:
            value = getattr(self, name)
            if value is None:
                continue
            if name in ("secret_key", "security_token"):
                value = "***"
            shown.append("%s=%r" % (name, value))
        return "Credentials(%s)" % ", ".join(shown)


def _read_text_file(path):
    with open(path, "r") as handle:
        return handle.read()


def _blank_to_none(value):
    if value is None:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _options_layer(params):
    layer = {}
    for field, option in OPTION_NAMES.items():
        value = _blank_to_none(params.get(option))
        if value is not None:
            layer[field] = value
    return layer


def _env_layer(env, names_by_field):
    """Values found and, per field, the variable that set it (or the variables that could have)."""
    layer, origin = {}, {}
    for field, names in names_by_field.items():
        origin[field] = " or ".join(names)
        for name in names:
            value = _blank_to_none(env.get(name))
            if value is not None:
                layer[field] = value
                origin[field] = name
                break
    return layer, origin


def _expand_home(path, env):
    if path.startswith("~") and env.get("HOME"):
        return env["HOME"] + path[1:]
    return os.path.expanduser(path)


def _has_identity(layer):
    return any(field in layer for field in _KEY_FIELDS + ("ecs_role_name",))


class _Source:
    """One place settings come from: a label for messages and how to name each field there."""

    def __init__(self, label, values, names):
        self.label = label
        self.values = values
        self.names = names  # field -> option or variable name, for error messages

    def name_of(self, field):
        return self.names.get(field, OPTION_NAMES.get(field, field))


def _load_profile(setting_sources, env, read_file, required):
    """Return a _Source for the chosen aliyun CLI profile; None when there is no file and none was asked for."""
    path_setting = _first(setting_sources, "shared_credentials_file")
    profile_setting = _first(setting_sources, "profile")
    explicit = required or path_setting is not None or profile_setting is not None
    path = _expand_home(path_setting[0] if path_setting else DEFAULT_CREDENTIALS_FILE, env)

    try:
        text = read_file(path)
    except (IOError, OSError) as exc:
        if not explicit:
            return None
        raise ConfigurationError(
            "Cannot read the aliyun CLI config file %s (%s): %s" % (
                path, ("from " + path_setting[1]) if path_setting else "the default location", getattr(exc, "strerror", None) or exc),
            option="shared_credentials_file")
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ConfigurationError("The aliyun CLI config file %s is not valid JSON: %s" % (path, exc),
                                 option="shared_credentials_file")
    profiles = document.get("profiles") if isinstance(document, dict) else None
    if not isinstance(profiles, list):
        raise ConfigurationError("The aliyun CLI config file %s has no 'profiles' list" % path,
                                 option="shared_credentials_file")

    name = profile_setting[0] if profile_setting else (document.get("current") or "default")
    by_name = dict((entry.get("name"), entry) for entry in profiles if isinstance(entry, dict) and entry.get("name"))
    if name not in by_name:
        raise ConfigurationError(
            "Profile '%s' not found in %s; profiles there: %s" % (name, path, ", ".join(sorted(by_name)) or "none"),
            option="profile")
    return _profile_source(by_name[name], name, path)


def _profile_source(entry, name, path):
    mode = entry.get("mode") or MODE_ACCESS_KEY
    label = "profile '%s' in %s (mode %s)" % (name, path, mode)
    if mode not in PROFILE_FIELDS:
        raise ConfigurationError(
            "Profile '%s' in %s uses mode %s, which this collection does not support; use one of %s" % (
                name, path, mode, ", ".join(MODES)),
            option="profile")
    required, optional = PROFILE_FIELDS[mode]
    values, names = {}, {}
    missing = []
    for field, key in list(required.items()) + list(optional.items()):
        names[field] = "%s of profile '%s'" % (key, name)
        value = _blank_to_none(entry.get(key))
        if value is not None:
            values[field] = value
        elif field in required:
            missing.append(key)
    if missing:
        raise ConfigurationError(
            "Profile '%s' in %s (mode %s) is missing %s" % (name, path, mode, ", ".join(missing)),
            option="profile")
    region = _blank_to_none(entry.get("region_id"))
    if region is not None:
        values["region"] = region
        names["region"] = "region_id of profile '%s'" % name
    values["mode"] = mode
    return _Source(label, values, names)


def _first(sources, field):
    """(value, name of its setting) from the first source that sets ``field``, else None."""
    for source in sources:
        if field in source.values:
            return source.values[field], source.name_of(field)
    return None


def _identity(source):
    """Mode, fields and a label from the source that supplies the identity; validates its completeness."""
    values = source.values
    has_keys = any(field in values for field in _KEY_FIELDS)
    if has_keys and "ecs_role_name" in values:
        raise ConfigurationError(
            "Both an access key (%s) and an ECS RAM role (%s) are set in %s; set only one" % (
                source.name_of("access_key"), source.name_of("ecs_role_name"), source.label),
            option="ecs_role_name")
    if not has_keys:
        return MODE_ECS_RAM_ROLE, {"ecs_role_name": values["ecs_role_name"]}
    for field in ("access_key", "secret_key"):
        if field not in values:
            present = [source.name_of(f) for f in _KEY_FIELDS if f in values]
            raise ConfigurationError(
                "%s is missing: %s set %s but not %s" % (
                    OPTION_NAMES[field], source.label, " and ".join(present), source.name_of(field)),
                option=OPTION_NAMES[field])
    keys = dict((field, values[field]) for field in _KEY_FIELDS if field in values)
    return (MODE_STS_TOKEN if "security_token" in keys else MODE_ACCESS_KEY), keys


def _session_expiration(setting):
    value, name = setting
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        raise ConfigurationError("assume_role_session_expiration must be a whole number of seconds, got %r from %s" % (value, name),
                                 option="assume_role_session_expiration")
    if not MIN_SESSION_EXPIRATION <= seconds <= MAX_SESSION_EXPIRATION:
        raise ConfigurationError(
            "assume_role_session_expiration must be between %d and %d seconds, got %d from %s" % (
                MIN_SESSION_EXPIRATION, MAX_SESSION_EXPIRATION, seconds, name),
            option="assume_role_session_expiration")
    return seconds


def _no_credentials_error():
    return ConfigurationError(
        "No Alibaba Cloud credentials found. Set access_key and secret_key (or ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY, "
        "or ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET), ecs_role_name (or ALICLOUD_ECS_ROLE_NAME), "
        "or profile with an aliyun CLI config file (%s by default)." % DEFAULT_CREDENTIALS_FILE,
        option="access_key")


def _no_region_error():
    return ConfigurationError(
        "No region set: set the region option (aliases alicloud_region, region_id), ALICLOUD_REGION or "
        "ALIBABA_CLOUD_REGION_ID, or region_id in the aliyun CLI profile. The ECS API needs a region for every call.",
        option="region")


def resolve_credentials(params, env, read_file=_read_text_file):
    """Resolve module ``params`` (option names as in AUTH_ARGUMENT_SPEC) and ``env`` into Credentials.

    ``read_file(path) -> str`` reads the aliyun CLI config file and raises IOError/OSError when it cannot.
    Raises ConfigurationError naming the option to fix.
    """
    options = _Source("module options", _options_layer(params), OPTION_NAMES)
    env_sources = []
    for label, names_by_field in ENV_GROUPS:
        values, origin = _env_layer(env, names_by_field)
        env_sources.append(_Source(label, values, origin))

    identity_source = None
    profile_source = None
    if _has_identity(options.values):
        identity_source = options
    elif "profile" in options.values:
        profile_source = _load_profile([options] + env_sources, env, read_file, required=True)
        identity_source = profile_source
    else:
        identity_source = next((source for source in env_sources if _has_identity(source.values)), None)
        if identity_source is None:
            profile_source = _load_profile([options] + env_sources, env, read_file, required=False)
            identity_source = profile_source
    if identity_source is None:
        raise _no_credentials_error()

    mode, fields = _identity(identity_source)
    # Role settings and region may come from a lower source than the keys (keys in env, role in the play).
    field_sources = [options] + env_sources + ([profile_source] if profile_source else [])

    role_arn = _first(field_sources, "role_arn")
    if role_arn is not None:
        if mode == MODE_ECS_RAM_ROLE:
            raise ConfigurationError(
                "assume_role_arn (from %s) cannot be combined with an ECS RAM role (from %s): set access_key and secret_key "
                "of the RAM user that assumes the role" % (role_arn[1], identity_source.label),
                option="assume_role_arn")
        if mode == MODE_STS_TOKEN:
            raise ConfigurationError(
                "assume_role_arn (from %s) needs a long-term access key, but %s also sets a security token; "
                "drop security_token or assume_role_arn" % (role_arn[1], identity_source.label),
                option="assume_role_arn")
        mode = MODE_RAM_ROLE_ARN
        fields["role_arn"] = role_arn[0]
        session_name = _first(field_sources, "session_name")
        fields["session_name"] = session_name[0] if session_name else DEFAULT_SESSION_NAME
        expiration = _first(field_sources, "session_expiration")
        fields["session_expiration"] = _session_expiration(expiration) if expiration else DEFAULT_SESSION_EXPIRATION

    region = _first(field_sources, "region")
    if region is None:
        raise _no_region_error()
    if not _REGION_PATTERN.match(str(region[0])):
        raise ConfigurationError("region %r (from %s) is not a region id such as cn-hangzhou" % (region[0], region[1]),
                                 option="region")

    return Credentials(mode=mode, region=str(region[0]), source=identity_source.label, **fields)
