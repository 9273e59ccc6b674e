# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory's auth fragment is the modules' auth fragment plus the environment variables the shared code reads."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import yaml

from ansible_collections.cloudwall.alicloud.plugins.doc_fragments.auth import ModuleDocFragment as _AuthFragment
from ansible_collections.cloudwall.alicloud.plugins.module_utils._credentials import ENV_GROUPS, OPTION_NAMES

_ENDPOINT_ENV = "ALICLOUD_ECS_ENDPOINT"  # read by EcsClient.from_module_params


def expected_documentation():
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


def test_inventory_auth_fragment_matches_the_modules_auth_options_and_variables():
    from ansible_collections.cloudwall.alicloud.plugins.doc_fragments.inventory_auth import ModuleDocFragment

    assert yaml.safe_load(ModuleDocFragment.DOCUMENTATION) == yaml.safe_load(expected_documentation())
