# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type  # pylint: disable=invalid-name


class ModuleDocFragment:
    """Attributes of cloudwall.alicloud modules.

    DOCUMENTATION suits modules that change things; a module entry overrides a fragment entry, so an info
    module can use INFO_MODULE instead, or restate one attribute.
    """

    # What every module shares: where it runs, and its action group.
    _COMMON = r"""
  platform:
    description: Target platform the module operates against.
    support: full
    platforms: alicloud
  action_group:
    description: Use C(group/cloudwall.alicloud.alicloud) in C(module_defaults) to set the common options once.
    support: full
    membership:
      - cloudwall.alicloud.alicloud
"""

    DOCUMENTATION = r"""
attributes:
  check_mode:
    description: Can run in check mode and predict exactly what a real run would change, without changing anything.
    support: full
  diff_mode:
    description: Shows what changed (or would change in check mode) as before and after.
    support: full
""" + _COMMON

    INFO_MODULE = r"""
attributes:
  check_mode:
    description: Reads only, so it runs the same in check mode.
    support: full
    details: This module never changes anything.
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: N/A
""" + _COMMON
