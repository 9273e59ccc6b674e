# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The input_errors filter: the roles' inputs checked by the modules' own pure validation, before any write."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ValidationError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rule_calls import syntax_context
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import RuleError, parse_rules
from ansible_collections.cloudwall.alicloud.plugins.module_utils._tags import validate_tags
from ansible_collections.cloudwall.alicloud.plugins.module_utils._validation import (
    GROUP_ID_PATTERN,
    validate_group_description,
    validate_group_name,
)


def _check_rules(check):
    parse_rules(check["value"], syntax_context(), option=check.get("label") or "rules", field_names=check.get("fields"))


def _check_group(check):
    value, name = check["value"], check["name"]
    if isinstance(value, str) and GROUP_ID_PATTERN.match(value):
        return  # an id: whether the group exists is for the module to find out
    validate_group_name(value, name)


def _check_description(check):
    if check["value"] != "":  # the roles' "leave it alone"
        validate_group_description(check["value"], check["name"])


def _check_tags(check):
    validate_tags(check["value"], check["name"])


def _check_pattern(check):
    value, name = check["value"], check["name"]
    if not isinstance(value, str):
        raise ValidationError("%s %r is a %s; allowed: a Python regular expression (a string)" % (name, value, type(value).__name__))
    try:
        re.compile(value)
    except re.error as error:
        raise ValidationError("%s %r is not a valid regular expression (%s); allowed: a Python regular expression" % (name, value, error))


def _check_string(check):
    value, name = check["value"], check["name"]
    if not isinstance(value, str):
        raise ValidationError("%s %r is a %s; allowed: a string" % (name, value, type(value).__name__))


def _check_strings(check):
    value, name = check["value"], check["name"]
    if not isinstance(value, list):
        raise ValidationError("%s %r is a %s; allowed: a list of strings" % (name, value, type(value).__name__))
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise ValidationError("%s[%d] %r is a %s; allowed: a string" % (name, index, item, type(item).__name__))


CHECKS = {
    "rules": _check_rules,
    "group": _check_group,
    "description": _check_description,
    "tags": _check_tags,
    "pattern": _check_pattern,
    "string": _check_string,
    "strings": _check_strings,
}


def input_errors(checks):
    """Every problem of ``checks`` (a list of ``{kind, name, value}``; ``rules`` also takes ``label`` and ``fields``),
    one message each, with the text the modules give for the same value."""
    if not isinstance(checks, list):
        raise AnsibleFilterError("input_errors expects a list of checks, got %s" % type(checks).__name__)
    problems = []
    for check in checks:
        kind = check.get("kind") if isinstance(check, dict) else None
        if kind not in CHECKS:
            raise AnsibleFilterError("input_errors: unknown check %r; known: %s" % (kind, ", ".join(sorted(CHECKS))))
        try:
            CHECKS[kind](check)
        except RuleError as error:
            problems.extend(error.problems)
        except ValidationError as error:
            problems.append(str(error))
    return problems


class FilterModule:
    """cloudwall.alicloud filters."""

    def filters(self):
        return {"input_errors": input_errors}
