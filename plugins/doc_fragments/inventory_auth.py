# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The common auth options of the modules (the ``auth`` fragment), for inventory plugins.

Inventory options are read by Ansible's config system, which documents environment variables as ``env``
entries. So that names, aliases, defaults and variables can never drift from the modules', this fragment is
built from the ``auth`` fragment and the variable tables of ``_credentials.py`` (the code that reads them).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type  # pylint: disable=invalid-name

import yaml

from ansible_collections.cloudwall.alicloud.plugins.doc_fragments.auth import ModuleDocFragment as _AuthFragment
from ansible_collections.cloudwall.alicloud.plugins.module_utils._credentials import ENV_GROUPS, OPTION_NAMES

_ENDPOINT_ENV = "ALICLOUD_ECS_ENDPOINT"  # read by EcsClient.from_module_params


def _inventory_documentation():
    document = yaml.safe_load(_AuthFragment.DOCUMENTATION)
    options = document["options"]
    for _label, names_by_field in ENV_GROUPS:
        for field, names in names_by_field.items():
            option = options.get(OPTION_NAMES.get(field, field))
            if option is not None:
                option.setdefault("env", []).extend({"name": name} for name in names)
    options["endpoint"].setdefault("env", []).append({"name": _ENDPOINT_ENV})
    options["region"]["description"] = options["region"]["description"] + [
        "In an inventory source, the region listed when O(regions) is empty."]
    document["notes"] = document.get("notes", []) + [
        "Environment variables and the aliyun CLI profile are read by the same code as the modules, in the order "
        "described under O(access_key): a value set in the inventory source wins over the environment."]
    return yaml.safe_dump(document, default_flow_style=False, sort_keys=False, width=1000)


class ModuleDocFragment:
    """The ``auth`` options with their environment variables, for the ``cloudwall.alicloud.ecs`` inventory."""

    DOCUMENTATION = _inventory_documentation()
