# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""Tag rules of ECS resources, and the plan that brings current tags to desired ones.

Pure functions, no I/O: modules validate before the first API call and plan from what they read.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ValidationError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._validation import URL_SCHEMES

MAX_TAGS_PER_RESOURCE = 20
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 128
RESERVED_KEY_PREFIXES = ("aliyun", "acs:")
FORBIDDEN_SUBSTRINGS = URL_SCHEMES

# Scalar types a YAML author may write as a tag value; they are sent as text. Booleans are
# excluded on purpose: YAML turns `yes` into True and the tag would silently read "True".
_TEXT_LIKE_TYPES = (str, int, float)


def _value_text(value):
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _check_key(key, arg_name):
    if not isinstance(key, str):
        raise ValidationError("%s: tag key %r must be a string" % (arg_name, key))
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise ValidationError(
            "%s: tag key %r has %d characters; allowed: 1 to %d" % (arg_name, key, len(key), MAX_KEY_LENGTH)
        )
    # In any letter case, as the emulator checks it: a key ECS might refuse must fail here, before any write.
    for prefix in RESERVED_KEY_PREFIXES:
        if key.lower().startswith(prefix):
            raise ValidationError(
                "%s: tag key %r starts with the reserved prefix %r; keys may not start with %s"
                % (arg_name, key, prefix, " or ".join(repr(p) for p in RESERVED_KEY_PREFIXES))
            )
    for fragment in FORBIDDEN_SUBSTRINGS:
        if fragment in key.lower():
            raise ValidationError("%s: tag key %r contains %r, which is not allowed in tag keys" % (arg_name, key, fragment))


def _check_value(key, value, arg_name, allow_none):
    if value is None:
        if allow_none:
            return
        value = ""
    if isinstance(value, bool) or not isinstance(value, _TEXT_LIKE_TYPES):
        raise ValidationError(
            "%s: value of tag %r is %r (%s); allowed: a string of 0 to %d characters (quote it in YAML)"
            % (arg_name, key, value, type(value).__name__, MAX_VALUE_LENGTH)
        )
    text = _value_text(value)
    if len(text) > MAX_VALUE_LENGTH:
        raise ValidationError(
            "%s: value of tag %r has %d characters; allowed: 0 to %d" % (arg_name, key, len(text), MAX_VALUE_LENGTH)
        )
    for fragment in FORBIDDEN_SUBSTRINGS:
        if fragment in text.lower():
            raise ValidationError(
                "%s: value of tag %r is %r and contains %r, which is not allowed in tag values"
                % (arg_name, key, text, fragment)
            )


def validate_tags(tags, arg_name, allow_none_values=False):
    """Raise ValidationError naming the argument, the offending key or value and what is allowed.

    ``allow_none_values`` is for removal requests, where a key without a value means "whatever its value".
    """
    if tags is None:
        return
    if not isinstance(tags, dict):
        raise ValidationError("%s must be a dictionary of tag keys to values, got %s" % (arg_name, type(tags).__name__))
    if len(tags) > MAX_TAGS_PER_RESOURCE:
        raise ValidationError(
            "%s has %d tags; allowed: at most %d per security group" % (arg_name, len(tags), MAX_TAGS_PER_RESOURCE)
        )
    for key in sorted(tags, key=str):
        _check_key(key, arg_name)
        _check_value(key, tags[key], arg_name, allow_none_values)


def normalize_tags(tags):
    """Validated user tags as the API stores them: text keys to text values (None becomes "")."""
    return dict((key, _value_text(value)) for key, value in (tags or {}).items())


def tags_from_api(tag_list):
    """``[{"TagKey": k, "TagValue": v}, ...]`` (DescribeSecurityGroups, ListTagResources) -> ``{k: v}``."""
    result = {}
    for item in tag_list or []:
        result[item.get("TagKey")] = item.get("TagValue") or ""
    return result


def diff_tags(current, desired, purge):
    """Plan for making ``current`` carry ``desired``.

    Returns ``(to_set, to_remove)``: the keys whose value is missing or different (with the desired value),
    and, only when ``purge`` is true, the sorted current keys that ``desired`` does not name.
    ``desired`` of None means "tags not managed": nothing to do.
    """
    current = current or {}
    if desired is None:
        return {}, []
    desired = normalize_tags(desired)
    to_set = dict((key, value) for key, value in desired.items() if current.get(key) != value)
    to_remove = sorted(key for key in current if key not in desired) if purge else []
    return to_set, to_remove


def removal_keys(current, listed):
    """Keys to remove for ``state: absent``.

    A listed key with value None is removed whatever its value; a listed key with a value is removed only
    when the current value equals it (so a shared tag changed by someone else is left alone).
    """
    current = current or {}
    keys = []
    for key, value in (listed or {}).items():
        if key not in current:
            continue
        if value is None or current[key] == _value_text(value):
            keys.append(key)
    return sorted(keys)


def apply_tag_plan(current, to_set, to_remove):
    """The tags a resource will carry after the plan: what check mode and diff mode report."""
    result = dict((key, value) for key, value in (current or {}).items() if key not in set(to_remove))
    result.update(to_set)
    return result


def check_tag_count(after, what):
    """Raise ValidationError when a plan would leave more tags than a resource may carry."""
    if len(after) > MAX_TAGS_PER_RESOURCE:
        raise ValidationError(
            "%s would carry %d tags after this change; allowed: at most %d per security group "
            "(use purge_tags or remove some first)" % (what, len(after), MAX_TAGS_PER_RESOURCE)
        )


def plan_tags(current_by_group, tags, purge, state):
    """``{group_id: (to_set, to_remove)}`` for the groups that change.

    Raises ValidationError when a group would end up with more tags than allowed.
    """
    plan = {}
    for group_id, current in current_by_group.items():
        if state == "absent":
            to_set, to_remove = {}, removal_keys(current, tags)
        else:
            to_set, to_remove = diff_tags(current, tags, purge)
        if to_set or to_remove:
            check_tag_count(apply_tag_plan(current, to_set, to_remove), group_id)
            plan[group_id] = (to_set, to_remove)
    return plan
