# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils._tags import (
    apply_tag_plan,
    check_tag_count,
    diff_tags,
    normalize_tags,
    removal_keys,
    tags_from_api,
    validate_tags,
)

VALID_TAGS = [
    pytest.param(None, id="none-means-unmanaged"),
    pytest.param({}, id="empty"),
    pytest.param({"env": "prod"}, id="simple"),
    pytest.param({"k": ""}, id="empty-value"),
    pytest.param({"k": None}, id="none-value-is-empty"),
    pytest.param({"a" * 128: "v" * 128}, id="max-lengths"),
    pytest.param({"team": "acs:ok-in-value"}, id="reserved-prefix-allowed-in-value"),
    pytest.param({"port": 6379}, id="int-value"),
    pytest.param({"ratio": 0.5}, id="float-value"),
    pytest.param(dict(("k%d" % i, "v") for i in range(20)), id="twenty-tags"),
    pytest.param({"owner": "ops@example.com"}, id="at-sign"),
    pytest.param({"项目": "数据库"}, id="cjk"),
]


@pytest.mark.parametrize("tags", VALID_TAGS)
def test_validate_tags_accepts(tags):
    validate_tags(tags, "tags")


INVALID_TAGS = [
    pytest.param({"": "v"}, ["tags", "''", "1 to 128"], id="empty-key"),
    pytest.param({"a" * 129: "v"}, ["129 characters", "1 to 128"], id="key-too-long"),
    pytest.param({"aliyun-x": "v"}, ["'aliyun-x'", "reserved prefix 'aliyun'"], id="aliyun-prefix"),
    pytest.param({"aliyun": "v"}, ["reserved prefix"], id="aliyun-exact"),
    pytest.param({"acs:owner": "v"}, ["reserved prefix 'acs:'"], id="acs-prefix"),
    pytest.param({"see http://x": "v"}, ["'http://'", "tag keys"], id="http-in-key"),
    pytest.param({"https://x": "v"}, ["'https://'"], id="https-in-key"),
    # Any letter case: the check must refuse all that ECS might, before the first write.
    pytest.param({"Aliyun-x": "v"}, ["'Aliyun-x'", "reserved prefix 'aliyun'"], id="aliyun-prefix-capitalised"),
    pytest.param({"ACS:x": "v"}, ["reserved prefix 'acs:'"], id="acs-prefix-upper"),
    pytest.param({"HTTP://x": "v"}, ["'http://'", "tag keys"], id="http-in-key-upper"),
    pytest.param({"k": "HTTPS://x"}, ["value of tag 'k'", "'https://'"], id="https-in-value-upper"),
    pytest.param({"k": "v" * 129}, ["value of tag 'k'", "129 characters", "0 to 128"], id="value-too-long"),
    pytest.param({"doc": "https://wiki"}, ["value of tag 'doc'", "'https://'"], id="https-in-value"),
    pytest.param({"doc": "go to http://wiki"}, ["'http://'"], id="http-in-value"),
    pytest.param({"on": True}, ["value of tag 'on'", "True", "quote it"], id="bool-value"),
    pytest.param({"l": [1]}, ["value of tag 'l'", "list"], id="list-value"),
    pytest.param({1: "v"}, ["tag key 1 must be a string"], id="int-key"),
    pytest.param(dict(("k%d" % i, "v") for i in range(21)), ["21 tags", "at most 20"], id="twenty-one-tags"),
    pytest.param(["env=prod"], ["must be a dictionary", "list"], id="not-a-dict"),
]


@pytest.mark.parametrize("tags, fragments", INVALID_TAGS)
def test_validate_tags_rejects_naming_argument_and_rule(tags, fragments):
    with pytest.raises(ValueError) as raised:
        validate_tags(tags, "tags")
    message = str(raised.value)
    assert message.startswith("tags")
    for fragment in fragments:
        assert fragment in message


def test_validate_tags_names_the_given_argument():
    with pytest.raises(ValueError, match=r"^security_group_tags: tag key 'acs:x'"):
        validate_tags({"acs:x": "1"}, "security_group_tags")


@pytest.mark.parametrize("allow_none", [True, False])
def test_none_value_is_legal_for_set_and_for_removal_requests(allow_none):
    # None is "empty value" in a set request and "any value" in a removal request.
    validate_tags({"k": None}, "tags", allow_none_values=allow_none)


@pytest.mark.parametrize(
    "tags, expected",
    [
        (None, {}),
        ({}, {}),
        ({"a": "x"}, {"a": "x"}),
        ({"a": None}, {"a": ""}),
        ({"a": 6379, "b": 0.5}, {"a": "6379", "b": "0.5"}),
    ],
)
def test_normalize_tags(tags, expected):
    assert normalize_tags(tags) == expected


@pytest.mark.parametrize(
    "api, expected",
    [
        (None, {}),
        ([], {}),
        ([{"TagKey": "env", "TagValue": "prod"}], {"env": "prod"}),
        ([{"TagKey": "a", "TagValue": None}, {"TagKey": "b"}], {"a": "", "b": ""}),
    ],
)
def test_tags_from_api(api, expected):
    assert tags_from_api(api) == expected


DIFF_CASES = [
    # current, desired, purge, to_set, to_remove
    pytest.param({}, None, True, {}, [], id="unmanaged-even-with-purge"),
    pytest.param({"a": "1"}, None, True, {}, [], id="unmanaged-keeps-existing"),
    pytest.param({}, {}, True, {}, [], id="nothing-to-nothing"),
    pytest.param({}, {"a": "1"}, False, {"a": "1"}, [], id="add-one"),
    pytest.param({"a": "1"}, {"a": "1"}, True, {}, [], id="same"),
    pytest.param({"a": "1"}, {"a": "2"}, False, {"a": "2"}, [], id="change-value"),
    pytest.param({"a": "1", "b": "2"}, {"a": "1"}, False, {}, [], id="extra-kept-without-purge"),
    pytest.param({"a": "1", "b": "2", "c": "3"}, {"a": "1"}, True, {}, ["b", "c"], id="extra-purged-sorted"),
    pytest.param({"a": "1"}, {}, True, {}, ["a"], id="empty-desired-purges-all"),
    pytest.param({"a": "1"}, {}, False, {}, [], id="empty-desired-no-purge"),
    pytest.param({"a": ""}, {"a": None}, True, {}, [], id="none-equals-empty"),
    pytest.param({"port": "6379"}, {"port": 6379}, True, {}, [], id="int-equals-text"),
    pytest.param({"A": "1"}, {"a": "1"}, True, {"a": "1"}, ["A"], id="keys-case-sensitive"),
    pytest.param({"a": "1", "b": "2"}, {"b": "3", "c": "4"}, True, {"b": "3", "c": "4"}, ["a"], id="mixed"),
]


@pytest.mark.parametrize("current, desired, purge, to_set, to_remove", DIFF_CASES)
def test_diff_tags(current, desired, purge, to_set, to_remove):
    assert diff_tags(current, desired, purge) == (to_set, to_remove)


@pytest.mark.parametrize("current, desired, purge", [(c.values[0], c.values[1], c.values[2]) for c in DIFF_CASES])
def test_applying_the_diff_reaches_the_desired_tags(current, desired, purge):
    to_set, to_remove = diff_tags(current, desired, purge)
    after = apply_tag_plan(current, to_set, to_remove)
    for key, value in normalize_tags(desired).items():
        assert after[key] == value
    if purge and desired is not None:
        assert set(after) == set(desired)
    # A second plan from the result is empty: idempotence.
    assert diff_tags(after, desired, purge) == ({}, [])


@pytest.mark.parametrize(
    "current, listed, expected",
    [
        pytest.param({"a": "1"}, {}, [], id="nothing-listed"),
        pytest.param({"a": "1"}, {"a": None}, ["a"], id="key-only-removes-any-value"),
        pytest.param({"a": "1"}, {"a": "1"}, ["a"], id="matching-value"),
        pytest.param({"a": "1"}, {"a": "2"}, [], id="other-value-kept"),
        pytest.param({"a": "1"}, {"b": None}, [], id="absent-key-ignored"),
        pytest.param({"a": ""}, {"a": ""}, ["a"], id="empty-value-matches"),
        pytest.param({"n": "5"}, {"n": 5}, ["n"], id="int-matches-text"),
        pytest.param({"b": "2", "a": "1", "c": "3"}, {"c": None, "a": None}, ["a", "c"], id="sorted"),
    ],
)
def test_removal_keys(current, listed, expected):
    assert removal_keys(current, listed) == expected


@pytest.mark.parametrize(
    "current, to_set, to_remove, expected",
    [
        ({}, {}, [], {}),
        ({"a": "1"}, {"b": "2"}, [], {"a": "1", "b": "2"}),
        ({"a": "1", "b": "2"}, {}, ["a"], {"b": "2"}),
        ({"a": "1"}, {"a": "9"}, [], {"a": "9"}),
    ],
)
def test_apply_tag_plan(current, to_set, to_remove, expected):
    assert apply_tag_plan(current, to_set, to_remove) == expected


def test_apply_tag_plan_does_not_mutate_current():
    current = {"a": "1"}
    apply_tag_plan(current, {"b": "2"}, ["a"])
    assert current == {"a": "1"}


@pytest.mark.parametrize("count, raises", [(0, False), (20, False), (21, True)])
def test_check_tag_count(count, raises):
    after = dict(("k%d" % i, "") for i in range(count))
    if raises:
        with pytest.raises(ValueError, match=r"sg-1 would carry 21 tags .* at most 20"):
            check_tag_count(after, "sg-1")
    else:
        check_tag_count(after, "sg-1")
