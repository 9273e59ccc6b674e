# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type  # pylint: disable=invalid-name


class ModuleDocFragment:
    """The tags/purge_tags options of modules that manage resource tags."""

    DOCUMENTATION = r"""
options:
  tags:
    description:
      - Tags of the resource, as a dictionary of key to value.
      - A key has 1 to 128 characters, must not start with V(aliyun) or V(acs:) and must not contain V(http://)
        or V(https://); a value has 0 to 128 characters and must not contain V(http://) or V(https://).
        A resource has at most 20 tags.
      - Leave unset to keep the tags as they are.
    type: dict
  purge_tags:
    description:
      - Whether to remove tags of the resource that are not in O(tags).
      - Has no effect when O(tags) is not set.
    type: bool
    default: true
"""
