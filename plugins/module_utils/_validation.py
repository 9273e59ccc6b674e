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

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ValidationError

# Names, descriptions, tags and rule descriptions must not start with (tags: contain) a URL scheme
# (ECS_API.md section 3: CreateSecurityGroup, AuthorizeSecurityGroup, TagResources).
URL_SCHEMES = ("http://", "https://")

NAME_MIN = 2
NAME_MAX = 128
DESCRIPTION_MIN = 2
DESCRIPTION_MAX = 256
NAME_EXTRA_CHARACTERS = ":_.-"


def starts_with_url(text):
    return text.lower().startswith(URL_SCHEMES)


def validate_group_name(name, arg_name="name"):
    """Raise ValidationError unless ``name`` is a valid security group name (ECS_API.md, CreateSecurityGroup)."""
    if name is None:
        return
    allowed = "%d to %d characters, starting with a letter, made of letters, digits and %s" % (
        NAME_MIN, NAME_MAX, " ".join(NAME_EXTRA_CHARACTERS))
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise ValidationError("%s %r has %d characters; allowed: %s" % (arg_name, name, len(name), allowed))
    if starts_with_url(name):
        raise ValidationError("%s %r starts with http:// or https://; allowed: %s" % (arg_name, name, allowed))
    if not name[0].isalpha():
        raise ValidationError("%s %r starts with %r; allowed: %s" % (arg_name, name, name[0], allowed))
    bad = sorted(set(char for char in name if not (char.isalnum() or char in NAME_EXTRA_CHARACTERS)))
    if bad:
        raise ValidationError("%s %r contains %s; allowed: %s" % (arg_name, name, ", ".join(repr(c) for c in bad), allowed))


def validate_group_description(description, arg_name="description"):
    """Raise ValidationError unless ``description`` is a valid security group description."""
    if description is None:
        return
    if len(description) < DESCRIPTION_MIN:
        raise ValidationError("%s %r has %d characters; allowed: %d to %d characters"
                              % (arg_name, description, len(description), DESCRIPTION_MIN, DESCRIPTION_MAX))
    if len(description) > DESCRIPTION_MAX:
        # A long value is named by its length: echoing hundreds of characters helps nobody.
        raise ValidationError("%s has %d characters; allowed: %d to %d characters"
                              % (arg_name, len(description), DESCRIPTION_MIN, DESCRIPTION_MAX))
    if starts_with_url(description):
        raise ValidationError("%s %r starts with http:// or https://, which is not allowed" % (arg_name, description))
