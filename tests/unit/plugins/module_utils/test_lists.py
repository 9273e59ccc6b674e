# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cloudwall.alicloud.plugins.module_utils._lists import chunks, items_at, unique


@pytest.mark.parametrize(
    "data, path, expected",
    [
        ({"SecurityGroups": {"SecurityGroup": [{"a": 1}]}}, "SecurityGroups.SecurityGroup", [{"a": 1}]),
        ({"SecurityGroups": {"SecurityGroup": []}}, "SecurityGroups.SecurityGroup", []),
        ({"SecurityGroups": {}}, "SecurityGroups.SecurityGroup", []),
        ({}, "SecurityGroups.SecurityGroup", []),
        ({"A": {"B": {"x": 1}}}, "A.B", [{"x": 1}]),
        ({"A": "text"}, "A.B", []),
        ({"A": {"B": "sg-1"}}, "A.B", ["sg-1"]),
    ],
)
def test_items_at(data, path, expected):
    assert items_at(data, path) == expected


@pytest.mark.parametrize("items, size, expected", [
    ([], 100, []),
    ([1, 2, 3], 2, [[1, 2], [3]]),
    (range(4), 2, [[0, 1], [2, 3]]),
])
def test_chunks(items, size, expected):
    assert chunks(items, size) == expected


@pytest.mark.parametrize("items, expected", [
    ([], []),
    (["b", "a", "b", "c", "a"], ["b", "a", "c"]),
    (iter(["x", "x"]), ["x"]),
])
def test_unique_keeps_first_occurrence(items, expected):
    assert unique(items) == expected
