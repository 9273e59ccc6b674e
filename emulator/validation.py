"""Readers for ECS request parameters (ints, booleans, flattened lists, JSON arrays) and the shared value rules."""

from __future__ import annotations

import json
import re

from .errors import EcsError, invalid, missing

_INDEXED = re.compile(r"^(?P<prefix>[A-Za-z0-9]+)\.(?P<index>[1-9][0-9]*)(?:\.(?P<field>[A-Za-z0-9]+))?$")
_URL_START = re.compile(r"^https?://", re.IGNORECASE)
# Letters (any script, CJK included) first; then letters, digits and : _ . -
_GROUP_NAME = re.compile(r"^[^\W\d_][\w:.\-]{1,127}$")


class Params:
    """The merged query and form parameters of one request; an empty value counts as not given."""

    def __init__(self, raw: dict[str, str]):
        self.raw = raw

    def get(self, name: str, default: str = "") -> str:
        value = self.raw.get(name, "")
        return value if value != "" else default

    def has(self, name: str) -> bool:
        return self.raw.get(name, "") != ""

    def required(self, name: str) -> str:
        value = self.get(name)
        if value == "":
            raise missing(name)
        return value

    def integer(self, name: str, default: int | None, low: int, high: int) -> int | None:
        text = self.get(name)
        if text == "":
            return default
        try:
            value = int(text)
        except ValueError:
            raise invalid(name, text, f"an integer from {low} to {high}") from None
        if not low <= value <= high:
            raise invalid(name, text, f"an integer from {low} to {high}")
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        text = self.get(name).lower()
        if text == "":
            return default
        if text in ("true", "false"):
            return text == "true"
        raise invalid(name, self.get(name), "true or false")

    def indexed_values(self, prefix: str) -> list[str]:
        """Values of prefix.1, prefix.2, ... in index order (gaps allowed, empty values skipped)."""
        found: dict[int, str] = {}
        for key, value in self.raw.items():
            match = _INDEXED.match(key)
            if match and match["prefix"] == prefix and match["field"] is None and value != "":
                found[int(match["index"])] = value
        return [found[i] for i in sorted(found)]

    def indexed_records(self, prefix: str) -> list[dict[str, str]]:
        """Records prefix.N.Field in index order, each a dict of its non-empty fields."""
        found: dict[int, dict[str, str]] = {}
        for key, value in self.raw.items():
            match = _INDEXED.match(key)
            if match and match["prefix"] == prefix and match["field"] is not None:
                record = found.setdefault(int(match["index"]), {})
                if value != "":
                    record[match["field"]] = value
        return [found[i] for i in sorted(found)]

    def json_id_list(self, name: str, limit: int) -> list[str] | None:
        """A parameter holding a JSON array of ids (DescribeSecurityGroups.SecurityGroupIds); None when absent."""
        text = self.get(name)
        if text == "":
            return None
        try:
            value = json.loads(text)
        except ValueError:
            raise invalid(name, text, "a JSON array of ids such as [\"id-1\", \"id-2\"]") from None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise invalid(name, text, "a JSON array of ids such as [\"id-1\", \"id-2\"]")
        if len(value) > limit:
            raise invalid(name, f"{len(value)} ids", f"at most {limit} ids")
        return value


def check_client_token(token: str) -> None:
    if not token.isascii() or len(token) > 64:
        raise EcsError("InvalidClientToken.Malformed")


def check_group_name(name: str) -> None:
    """2-128 chars, starts with a letter, then letters, digits, ':', '_', '.', '-'; never a URL."""
    if not _GROUP_NAME.match(name) or _URL_START.match(name):
        raise EcsError("InvalidSecurityGroupName.Malformed",
                       f"The specified SecurityGroupName {name!r} is not valid: 2-128 characters, starting with a letter, "
                       "then letters, digits, ':', '_', '.' or '-', not starting with http:// or https://.")


def check_description(text: str, low: int = 2, high: int = 256, code: str = "InvalidDescription.Malformed") -> None:
    if not low <= len(text) <= high or _URL_START.match(text):
        raise EcsError(code, f"The specified Description is not valid: {low}-{high} characters, not starting with http:// or https://.")


def check_tag(key: str, value: str) -> None:
    """Key 1-128 chars, not aliyun*/acs:*, not a URL; value 0-128 chars, not a URL."""
    lowered = key.lower()
    if not 1 <= len(key) <= 128 or lowered.startswith(("aliyun", "acs:")) or _URL_START.match(key):
        raise EcsError("InvalidTagKey.Malformed",
                       f"The tag key {key!r} is not valid: 1-128 characters, not starting with aliyun, acs:, http:// or https://.")
    if len(value) > 128 or _URL_START.match(value):
        raise EcsError("InvalidTagValue.Malformed",
                       f"The tag value {value!r} is not valid: 0-128 characters, not starting with http:// or https://.")


def read_tags(params: Params, prefix: str = "Tag", limit: int = 20) -> list[tuple[str, str]]:
    """Tag.N.Key/Value pairs, validated, duplicate keys refused, at most `limit`."""
    pairs: list[tuple[str, str]] = []
    for record in params.indexed_records(prefix):
        if "Key" not in record:
            raise EcsError("InvalidTagKey.Malformed", "A tag value was given without its tag key.")
        pairs.append((record["Key"], record.get("Value", "")))
    if len(pairs) > limit:
        raise EcsError("NumberExceed.Tags", f"At most {limit} tags may be given in one request; got {len(pairs)}.")
    keys = [pair[0] for pair in pairs]
    if len(set(keys)) != len(keys):
        raise EcsError("Duplicate.TagKey")
    for key, value in pairs:
        check_tag(key, value)
    return pairs


def read_tag_filters(params: Params) -> list[tuple[str, str]]:
    """Tag.N.Key/Value filters of Describe calls: a filter with an empty value matches the key alone."""
    return [(record["Key"], record.get("Value", "")) for record in params.indexed_records("Tag") if "Key" in record]
