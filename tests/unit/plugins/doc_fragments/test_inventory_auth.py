# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory's auth options are the modules' auth options (one text, in the ``auth`` fragment) with the
environment variables the shared code reads, merged the way Ansible merges fragments."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import yaml
from ansible.utils.plugin_docs import merge_fragment

from ansible_collections.cloudwall.alicloud.plugins.doc_fragments.auth import ModuleDocFragment as AuthFragment
from ansible_collections.cloudwall.alicloud.plugins.doc_fragments.inventory_auth import ModuleDocFragment as EnvFragment
from ansible_collections.cloudwall.alicloud.plugins.inventory import ecs
from ansible_collections.cloudwall.alicloud.plugins.module_utils._credentials import ENV_GROUPS, OPTION_NAMES

_ENDPOINT_ENV = "ALICLOUD_ECS_ENDPOINT"  # read by EcsClient.from_module_params


def expected_env():
    """``{option: [variable, ...]}`` in the order the code reads them."""
    expected = {}
    for _label, names_by_field in ENV_GROUPS:
        for field, names in names_by_field.items():
            expected.setdefault(OPTION_NAMES.get(field, field), []).extend(names)
    expected.setdefault("endpoint", []).append(_ENDPOINT_ENV)
    return expected


def test_the_fragment_adds_only_the_variables_the_code_reads():
    options = yaml.safe_load(EnvFragment.DOCUMENTATION)["options"]
    auth_options = yaml.safe_load(AuthFragment.DOCUMENTATION)["options"]
    assert set(options) <= set(auth_options)
    assert all(list(option) == ["env"] for option in options.values())
    assert {name: [entry["name"] for entry in option["env"]] for name, option in options.items()} == expected_env()


def test_the_inventory_lists_both_fragments_and_merging_keeps_each_auth_text():
    fragments = yaml.safe_load(ecs.DOCUMENTATION)["extends_documentation_fragment"]
    assert fragments.index("cloudwall.alicloud.auth") < fragments.index("cloudwall.alicloud.inventory_auth")
    auth_options = yaml.safe_load(AuthFragment.DOCUMENTATION)["options"]
    merged = copy.deepcopy(auth_options)
    merge_fragment(merged, yaml.safe_load(EnvFragment.DOCUMENTATION)["options"])
    for name, option in auth_options.items():
        assert {key: value for key, value in merged[name].items() if key != "env"} == option
        assert [entry["name"] for entry in merged[name].get("env", [])] == expected_env().get(name, [])
