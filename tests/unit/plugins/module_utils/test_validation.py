# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ValidationError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._validation import (
    validate_group_description,
    validate_group_name,
)


# --- pure validation ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["ab", "web-tier", "Web_1.prod:blue", "a" * 128, "数据库组", "sg-legacy"])
def test_validate_name_accepts(name):
    validate_group_name(name)


@pytest.mark.parametrize("name, fragment", [
    ("a", "has 1 characters"),
    ("a" * 129, "has 129 characters"),
    ("1web", "starts with '1'"),
    ("-web", "starts with '-'"),
    ("http://web", "starts with http://"),
    ("web tier", "contains ' '"),
    ("web/tier", "contains '/'"),
    ("web,tier!", "contains '!', ','"),
])
def test_validate_name_rejects_naming_value_and_rule(name, fragment):
    with pytest.raises(ValidationError) as raised:
        validate_group_name(name)
    assert str(raised.value).startswith("name %r" % name)
    assert fragment in str(raised.value)
    assert "allowed: 2 to 128 characters" in str(raised.value)


@pytest.mark.parametrize("description, fragment", [
    ("x", "has 1 characters; allowed: 2 to 256"),
    ("x" * 257, "has 257 characters"),
    ("https://wiki/page", "starts with http:// or https://"),
    ("HTTP://wiki/page", "starts with http:// or https://"),
])
def test_validate_description_rejects(description, fragment):
    with pytest.raises(ValidationError, match=r"^description"):
        validate_group_description(description)
    with pytest.raises(ValidationError) as raised:
        validate_group_description(description)
    assert fragment in str(raised.value)


@pytest.mark.parametrize("description", [None, "ok", "x" * 256, "see http://wiki"])
def test_validate_description_accepts(description):
    validate_group_description(description)
