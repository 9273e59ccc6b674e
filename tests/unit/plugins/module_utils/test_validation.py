# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ValidationError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._validation import (
    option_type_problems,
    validate_group_description,
    validate_group_name,
)


# --- pure validation ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["ab", "web-tier", "Web_1.prod:blue", "a" * 128, "数据库组", "sg-Legacy", "sg_web", "sg-web.prod"])
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
    # isalnum()/isalpha() take these; ECS letters are A-Z, a-z and Chinese characters, digits 0-9.
    ("web²", "contains '²'"),
    ("web٣", "contains '٣'"),
    ("éclair", "starts with 'é'"),
    ("web\u00e9", "contains 'é'"),
    ("Ωmega", "starts with 'Ω'"),
    # The form of a group id: every later reference by name would be ambiguous with an id.
    ("sg-web", "has the form of a security group id"),
    ("sg-bp1a2b3c4d5e6f7g8h9i", "has the form of a security group id"),
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


@pytest.mark.parametrize("value", [["first line", "second"], {"a": 1}, True, 12.5])
def test_validate_name_and_description_refuse_non_strings(value):
    if not isinstance(value, float):
        with pytest.raises(ValidationError, match=r"^description .* is a (list|dict|bool); allowed: a string"):
            validate_group_description(value)
    with pytest.raises(ValidationError, match=r"^name .* is a (list|dict|bool|float); allowed: a string"):
        validate_group_name(value)


SPEC = dict(
    name=dict(type="str", aliases=["group_name"]),
    secret_key=dict(type="str", no_log=True),
    count=dict(type="int"),
    ports=dict(type="list", elements="str"),
    tags=dict(type="dict"),
    rules=dict(type="list", elements="dict", options=dict(description=dict(type="str"), ports=dict(type="list", elements="str"))),
    untyped=dict(),
    report_path=dict(type="path"),
)


@pytest.mark.parametrize("params, expected", [
    ({"name": "web", "count": "3", "ports": [80, "443"], "tags": {"a": "b"}, "rules": [{"description": "x", "ports": 22}]}, []),
    ({"name": 12, "untyped": 3.5}, []),  # numbers have one obvious text
    ({"name": ["a", "b"]}, ["name is a list (['a', 'b']); allowed: a string"]),
    ({"group_name": {"a": 1}}, ["group_name is a dictionary ({'a': 1}); allowed: a string"]),
    ({"name": True}, ["name is a boolean (True); allowed: a string"]),
    ({"untyped": ["x"]}, ["untyped is a list (['x']); allowed: a string"]),
    ({"report_path": ["/tmp/a"]}, ["report_path is a list (['/tmp/a']); allowed: a string"]),
    ({"secret_key": ["hunter2"]}, ["secret_key is a list; allowed: a string"]),
    ({"ports": [80, ["443"]]}, ["ports[1] is a list (['443']); allowed: a string"]),
    ({"rules": "tcp 22"}, ["rules is a str ('tcp 22'); allowed: a list of dictionaries"]),
    ({"rules": ["tcp 22"]}, ["rules[0] is a str ('tcp 22'); allowed: a dictionary"]),
    ({"rules": [{"description": ["first line", "second"], "ports": [{"a": 1}]}]},
     ["rules[0].description is a list (['first line', 'second']); allowed: a string",
      "rules[0].ports[0] is a dictionary ({'a': 1}); allowed: a string"]),
])
def test_option_type_problems(params, expected):
    assert option_type_problems(SPEC, params) == expected
