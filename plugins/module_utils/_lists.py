# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""Pure list helpers shared by the API layer and the planners: items of an API answer, batches, de-duplication."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def items_at(data, path):
    """The list at a dotted ``path`` of an API answer, e.g. ``SecurityGroups.SecurityGroup``.

    ECS wraps lists in an object (``{"Tags": {"Tag": [...]}}``) and some answers hold a lone value where a list is
    documented: a missing node is ``[]``, a lone value a one-item list.
    """
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    if data is None:
        return []
    return list(data) if isinstance(data, list) else [data]


def chunks(items, size):
    """``items`` in consecutive lists of at most ``size``: the batches one API call takes."""
    items = list(items)
    return [items[start:start + size] for start in range(0, len(items), size)]


def unique(items):
    """``items`` without repeats, in the order of their first occurrence."""
    return list(dict.fromkeys(items))
