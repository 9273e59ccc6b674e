# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules as users declare them and as DescribeSecurityGroupAttribute describes them, for rule tests."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import RULE_OPTIONS

GROUP_ID = "sg-aaaaaaaaaaaaaaaaaaa1"
WEB_ID = "sg-aaaaaaaaaaaaaaaaaweb"
VPC = "vpc-1"

PERMISSION_KEYS = ("SecurityGroupRuleId", "Direction", "IpProtocol", "PortRange", "SourcePortRange", "SourceCidrIp",
                   "Ipv6SourceCidrIp", "SourceGroupId", "SourceGroupName", "SourceGroupOwnerAccount", "SourcePrefixListId",
                   "SourcePrefixListName", "DestCidrIp", "Ipv6DestCidrIp", "DestGroupId", "DestGroupName",
                   "DestGroupOwnerAccount", "DestPrefixListId", "DestPrefixListName", "Policy", "Priority", "NicType",
                   "Description", "CreateTime")


def permission(rule_id, port, cidr="0.0.0.0/0", direction="ingress", description="", policy="Accept", priority=1):
    """A DescribeSecurityGroupAttribute Permission: every key present, unset ones empty."""
    item = dict((key, "") for key in PERMISSION_KEYS)
    peer = "DestCidrIp" if direction == "egress" else "SourceCidrIp"
    item.update({"SecurityGroupRuleId": rule_id, "Direction": direction, "IpProtocol": "TCP", "PortRange": "%d/%d" % (port, port),
                 peer: cidr, "Policy": policy, "Priority": priority, "NicType": "intranet", "Description": description,
                 "CreateTime": "2026-01-01T00:00:00Z"})
    return item


def rule(**given):
    """A rules element as Ansible hands it to the module: every suboption present, defaults filled."""
    item = dict((name, option.get("default")) for name, option in RULE_OPTIONS.items())
    item.update(given)
    if isinstance(item.get("ports"), (int, str)):
        item["ports"] = [str(item["ports"])]
    if isinstance(item.get("cidr"), str):
        item["cidr"] = [item["cidr"]]
    return item
