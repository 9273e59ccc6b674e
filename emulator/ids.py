"""Resource ids, request ids and the time formats of ECS answers."""

from __future__ import annotations

import datetime as dt
import secrets
import string
import uuid

_ID_ALPHABET = string.ascii_lowercase + string.digits
ID_LENGTH = 20


def new_id(prefix: str) -> str:
    """prefix + "-" + 20 lowercase alphanumerics, the form of every ECS resource id."""
    return prefix + "-" + "".join(secrets.choice(_ID_ALPHABET) for _index in range(ID_LENGTH))


def request_id() -> str:
    """An uppercase UUID, the form of ECS RequestIds."""
    return str(uuid.uuid4()).upper()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso_seconds(moment: dt.datetime) -> str:
    """2021-08-31T03:12:29Z: groups, rules, the call log."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_minutes(moment: dt.datetime) -> str:
    """2017-12-10T04:04Z: instance CreationTime."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def parse_iso(text: str) -> dt.datetime | None:
    """An ISO-8601 UTC time with a Z (seconds optional); None when it is not one."""
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.timezone.utc)
        except ValueError:
            continue
    return None
