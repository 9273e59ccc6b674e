# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type  # pylint: disable=invalid-name


class ModuleDocFragment:
    """How sg_info and sg_audit select groups (module_utils._selection.SELECTION_ARGUMENT_SPEC)."""

    DOCUMENTATION = r"""
options:
  security_group_ids:
    description:
      - Only these groups (any number; sent 100 per request).
    type: list
    elements: str
    aliases: [ids, group_ids]
  name:
    description:
      - Only groups with exactly this name.
    type: str
    aliases: [security_group_name, group_name]
  vpc_id:
    description:
      - Only groups of this VPC.
    type: str
  tags:
    description:
      - Only groups that carry all these tags (key to value).
    type: dict
  network_type:
    description:
      - Only VPC groups or only classic groups.
    type: str
    choices: [vpc, classic]
  security_group_type:
    description:
      - Only normal or only enterprise groups.
    type: str
    choices: [normal, enterprise]
  max_workers:
    description:
      - How many groups are read at the same time (1 to 16). Throttled reads are retried with backoff.
    type: int
    default: 8
"""
