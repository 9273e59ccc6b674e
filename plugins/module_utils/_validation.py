# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""Pure checks of the texts ECS constrains (group names, descriptions), shared by every module and role.

Each raises ValidationError naming the argument, the value and what is allowed, before any API call.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ValidationError

# Names, descriptions, tags and rule descriptions must not start with (tags: contain) a URL scheme
# (ECS_API.md section 3: CreateSecurityGroup, AuthorizeSecurityGroup, TagResources).
URL_SCHEMES = ("http://", "https://")

NAME_MIN = 2
NAME_MAX = 128
DESCRIPTION_MIN = 2
DESCRIPTION_MAX = 256
NAME_EXTRA_CHARACTERS = ":_.-"

# What a group id looks like. A name of this form would be ambiguous with an id wherever groups are referenced by
# id or name, so no name may have it; lookups of existing groups still fall back to the name.
GROUP_ID_PATTERN = re.compile(r"^sg-[0-9a-z]+$")


def is_ecs_letter(char):
    """A letter as ECS names define it: A-Z, a-z or a Chinese character (not any Unicode letter: str.isalpha()
    also takes letters ECS refuses)."""
    return ("a" <= char <= "z") or ("A" <= char <= "Z") or "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def is_ecs_digit(char):
    """A decimal digit 0-9 (str.isdigit() and isalnum() also take '²', '٣' and the like)."""
    return "0" <= char <= "9"


def starts_with_url(text):
    return text.lower().startswith(URL_SCHEMES)


def validate_group_name(name, arg_name="name"):
    """Raise ValidationError unless ``name`` is a valid security group name (ECS_API.md, CreateSecurityGroup)."""
    if name is None:
        return
    if not isinstance(name, str):
        raise ValidationError("%s %r is a %s; allowed: a string" % (arg_name, name, type(name).__name__))
    allowed = ("%d to %d characters, starting with a letter (A-Z, a-z or a Chinese character), made of letters, "
               "digits 0-9 and %s, not of the form of a group id (sg- followed by lowercase letters and digits)") % (
        NAME_MIN, NAME_MAX, " ".join(NAME_EXTRA_CHARACTERS))
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise ValidationError("%s %r has %d characters; allowed: %s" % (arg_name, name, len(name), allowed))
    if starts_with_url(name):
        raise ValidationError("%s %r starts with http:// or https://; allowed: %s" % (arg_name, name, allowed))
    if not is_ecs_letter(name[0]):
        raise ValidationError("%s %r starts with %r; allowed: %s" % (arg_name, name, name[0], allowed))
    bad = sorted(set(char for char in name if not (is_ecs_letter(char) or is_ecs_digit(char) or char in NAME_EXTRA_CHARACTERS)))
    if bad:
        raise ValidationError("%s %r contains %s; allowed: %s" % (arg_name, name, ", ".join(repr(c) for c in bad), allowed))
    if GROUP_ID_PATTERN.match(name):
        raise ValidationError("%s %r has the form of a security group id, so references to it would be ambiguous; "
                              "allowed: %s" % (arg_name, name, allowed))


def validate_group_description(description, arg_name="description"):
    """Raise ValidationError unless ``description`` is a valid security group description."""
    if description is None:
        return
    if not isinstance(description, str):
        raise ValidationError("%s %r is a %s; allowed: a string of %d to %d characters"
                              % (arg_name, description, type(description).__name__, DESCRIPTION_MIN, DESCRIPTION_MAX))
    if len(description) < DESCRIPTION_MIN:
        raise ValidationError("%s %r has %d characters; allowed: %d to %d characters"
                              % (arg_name, description, len(description), DESCRIPTION_MIN, DESCRIPTION_MAX))
    if len(description) > DESCRIPTION_MAX:
        # A long value is named by its length: echoing hundreds of characters helps nobody.
        raise ValidationError("%s has %d characters; allowed: %d to %d characters"
                              % (arg_name, len(description), DESCRIPTION_MIN, DESCRIPTION_MAX))
    if starts_with_url(description):
        raise ValidationError("%s %r starts with http:// or https://, which is not allowed" % (arg_name, description))


# Values a ``type: str`` option takes as text. Ansible would turn anything else into its Python text (a list
# becomes "['a', 'b']") and send that; booleans are refused too, since YAML makes `yes` True and the API would get
# "True". Numbers have one obvious text.
_TEXT_LIKE = (str, int, float)
# Option types whose values are text (a path too: a list would become a path named "['a']").
_TEXT_TYPES = ("str", "path")


def type_name(value):
    """How messages name the type of a value a user wrote: ``a list``, ``a dictionary``, ``a boolean``..."""
    for kind, name in ((bool, "a boolean"), (dict, "a dictionary"), ((list, tuple), "a list"),
                       (int, "an integer"), (float, "a number")):
        if isinstance(value, kind):
            return name
    return "null" if value is None else "a %s" % type(value).__name__


def group_id_problems(values, arg_name, hint):
    """One message per item of ``values`` (an option or filter that the API matches against group ids only) that is
    not a group id: a name there would select nothing, silently. ``hint`` says where names go instead."""
    if not isinstance(values, (list, tuple)):
        return ["%s is %s (%r); allowed: a list of security group ids" % (arg_name, type_name(values), values)]
    not_ids = [ref for ref in values if not (isinstance(ref, str) and GROUP_ID_PATTERN.match(ref))]
    if not not_ids:
        return []
    return ["%s holds %s, which %s not group ids; allowed: ids (sg- followed by lowercase letters and digits); %s"
            % (arg_name, ", ".join(repr(ref) for ref in not_ids), "is" if len(not_ids) == 1 else "are", hint)]


def _shown(value, secret):
    return "" if secret else " (%s)" % _short_repr(value)


def _short_repr(value):
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _raw_value(spec, params, name):
    for key in [name] + list(spec.get("aliases") or []):
        if key in params:
            return key, params[key]
    return name, None


def option_type_problems(argument_spec, params, prefix=""):
    """Problems of option values whose type Ansible would silently convert, one message each naming the option
    (``rules[0].description``), the value's type and value (not for no_log options) and what is allowed.

    ``params`` are the module arguments as given, before AnsibleModule converted them: strings must be strings
    (or numbers), lists of dictionaries must be lists of dictionaries, and the string elements of lists strings.
    """
    problems = []
    if not isinstance(params, dict):
        return problems
    for name, spec in argument_spec.items():
        key, value = _raw_value(spec, params, name)
        if value is None:
            continue
        label = prefix + key
        secret = bool(spec.get("no_log"))
        wanted = spec.get("type") or "str"
        if wanted in _TEXT_TYPES:
            if isinstance(value, bool) or not isinstance(value, _TEXT_LIKE):
                problems.append("%s is %s%s; allowed: a string" % (label, type_name(value), _shown(value, secret)))
        elif wanted == "list" and spec.get("elements") == "dict":
            if not isinstance(value, list):
                problems.append("%s is %s%s; allowed: a list of dictionaries" % (label, type_name(value), _shown(value, secret)))
                continue
            for index, item in enumerate(value):
                if not isinstance(item, dict):
                    problems.append("%s[%d] is %s%s; allowed: a dictionary" % (label, index, type_name(item), _shown(item, secret)))
                elif spec.get("options"):
                    problems.extend(option_type_problems(spec["options"], item, "%s[%d]." % (label, index)))
        elif wanted == "list" and spec.get("elements") in _TEXT_TYPES and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, bool) or not isinstance(item, _TEXT_LIKE):
                    problems.append("%s[%d] is %s%s; allowed: a string" % (label, index, type_name(item), _shown(item, secret)))
        elif wanted == "dict" and spec.get("options") and isinstance(value, dict):
            problems.extend(option_type_problems(spec["options"], value, label + "."))
    return problems
