# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules as users declare them and as DescribeSecurityGroupAttribute describes them, for rule tests."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import RULE_OPTIONS
# One description of a Permission for every rule test: the shared fake ECS's.
from ansible_collections.cloudwall.alicloud.tests.unit.plugins.modules.fake_ecs import PERMISSION_KEYS, permission  # noqa: F401  pylint: disable=unused-import

GROUP_ID = "sg-aaaaaaaaaaaaaaaaaaa1"
WEB_ID = "sg-aaaaaaaaaaaaaaaaaweb"
VPC = "vpc-1"


def rule(**given):
    """A rules element as Ansible hands it to the module: every suboption present, defaults filled."""
    item = dict((name, option.get("default")) for name, option in RULE_OPTIONS.items())
    item.update(given)
    if isinstance(item.get("ports"), (int, str)):
        item["ports"] = [str(item["ports"])]
    if isinstance(item.get("cidr"), str):
        item["cidr"] = [item["cidr"]]
    return item
