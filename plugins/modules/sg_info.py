#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sg_info
short_description: Read Alibaba Cloud ECS security groups, their rules, members and references
version_added: 0.1.0
description:
  - Lists the security groups that match every given filter, reading all pages.
  - Optionally reads each group's rules (ingress and egress; both NIC types of classic groups), its member
    instances and network interfaces, and the groups whose rules reference it.
  - Groups are read concurrently, at most O(max_workers) requests at a time.
  - "API calls: DescribeSecurityGroups (100 groups per page); with O(include_rules) one DescribeSecurityGroupAttribute
    per group (two for a classic group, one per NIC type; 1000 rules per page); with O(include_members) one
    DescribeInstances and one DescribeNetworkInterfaces per group (100 per page); with O(include_references) one
    DescribeSecurityGroupReferences per 10 groups. Calls grow linearly with the groups."
author:
  - cloudwall maintainers (@cloudwall)
options:
  include_rules:
    description:
      - Read each group's rules and inner access policy (one or more requests per group).
    type: bool
    default: true
  include_members:
    description:
      - Read each group's member instances and network interfaces (two or more requests per group).
    type: bool
    default: false
  include_references:
    description:
      - Read which groups reference each group in their rules (one request per 10 groups).
    type: bool
    default: false
  max_workers:
    description:
      - How many groups are read at the same time when rules or members are included (1 to 16). Throttled reads
        are retried with backoff.
    type: int
    default: 8
extends_documentation_fragment:
  - cloudwall.alicloud.selection
  - cloudwall.alicloud.auth
  - cloudwall.alicloud.attributes.info_module
"""

EXAMPLES = r"""
- name: All groups of the demo VPC with their rules
  cloudwall.alicloud.sg_info:
    vpc_id: vpc-demo0000000000000001
  register: vpc_groups

- name: One group by name, with its members and the groups that reference it
  cloudwall.alicloud.sg_info:
    name: default-vpc
    vpc_id: vpc-demo0000000000000001
    include_members: true
    include_references: true
  register: default_group

- name: Classic groups only, without rules
  cloudwall.alicloud.sg_info:
    network_type: classic
    include_rules: false

- name: As alibaba.alicloud and amazon.aws info modules take it, a name prefix and the API's own filters
  cloudwall.alicloud.sg_info:
    name_prefix: default
    filters:
      VpcId: vpc-demo0000000000000001
      SecurityGroupType: normal
"""

RETURN = r"""
security_groups:
  description: The matching groups, in the order the API lists them.
  returned: always
  type: list
  elements: dict
  contains:
    security_group_id:
      description: Id of the group.
      type: str
      returned: always
      sample: sg-demovpcdefault000001
    security_group_name:
      description: Name of the group.
      type: str
      returned: always
      sample: default-vpc
    description:
      description: Description of the group.
      type: str
      returned: always
      sample: Default group of the demo VPC
    vpc_id:
      description: VPC of the group; empty for a classic group.
      type: str
      returned: always
      sample: vpc-demo0000000000000001
    network_type:
      description: C(vpc) or C(classic).
      type: str
      returned: always
      sample: vpc
    security_group_type:
      description: C(normal) or C(enterprise).
      type: str
      returned: always
      sample: normal
    inner_access_policy:
      description: C(accept) or C(drop); null unless O(include_rules=true).
      type: str
      returned: always
      sample: accept
    resource_group_id:
      description: Resource group of the group; empty when none.
      type: str
      returned: always
      sample: ""
    creation_time:
      description: When the group was created (ISO 8601, UTC).
      type: str
      returned: always
      sample: "2026-08-31T03:12:29Z"
    service_managed:
      description: Whether a cloud service manages the group.
      type: bool
      returned: always
      sample: false
    ecs_count:
      description: Number of instances in the group, when the API reports it.
      type: int
      returned: always
      sample: 3
    rule_count:
      description: Number of rules, when the API reports it.
      type: int
      returned: always
      sample: 2
    group_to_group_rule_count:
      description: Number of rules that reference groups, when the API reports it.
      type: int
      returned: always
      sample: 0
    tags:
      description: Tags of the group.
      type: dict
      returned: always
      sample: {"env": "demo"}
    rules:
      description: Ingress and egress rules of the group.
      type: list
      elements: dict
      returned: when O(include_rules=true)
      contains:
        security_group_rule_id:
          description: Id of the rule.
          type: str
          sample: sgr-2ze3a9k1l0m2n3o4p5q6
        direction:
          description: C(ingress) or C(egress).
          type: str
          sample: ingress
        ip_protocol:
          description: Protocol, lower case (tcp, udp, icmp, gre, all, icmpv6).
          type: str
          sample: tcp
        port_range:
          description: Destination ports as C(start/end); C(-1/-1) for icmp, gre and all.
          type: str
          sample: 22/22
        source_port_range:
          description: Source ports as C(start/end), or empty.
          type: str
          sample: ""
        source_cidr_ip:
          description: IPv4 source CIDR, or empty.
          type: str
          sample: 0.0.0.0/0
        ipv6_source_cidr_ip:
          description: IPv6 source CIDR, or empty.
          type: str
          sample: ""
        source_group_id:
          description: Source group of an ingress group rule, or empty.
          type: str
          sample: sg-demovpcdefault000001
        source_group_name:
          description: Name of the source group, or empty.
          type: str
          sample: default-vpc
        source_group_owner_account:
          description: Account owning the source group, or empty.
          type: str
          sample: ""
        source_prefix_list_id:
          description: Source prefix list, or empty.
          type: str
          sample: pl-demo0000000000000001
        source_prefix_list_name:
          description: Name of the source prefix list, or empty.
          type: str
          sample: demo-office
        dest_cidr_ip:
          description: IPv4 destination CIDR, or empty.
          type: str
          sample: ""
        ipv6_dest_cidr_ip:
          description: IPv6 destination CIDR, or empty.
          type: str
          sample: ""
        dest_group_id:
          description: Destination group of an egress group rule, or empty.
          type: str
          sample: ""
        dest_group_name:
          description: Name of the destination group, or empty.
          type: str
          sample: ""
        dest_group_owner_account:
          description: Account owning the destination group, or empty.
          type: str
          sample: ""
        dest_prefix_list_id:
          description: Destination prefix list, or empty.
          type: str
          sample: ""
        dest_prefix_list_name:
          description: Name of the destination prefix list, or empty.
          type: str
          sample: ""
        policy:
          description: C(accept) or C(drop).
          type: str
          sample: accept
        priority:
          description: 1 (highest) to 100 (lowest).
          type: int
          sample: 1
        nic_type:
          description: C(intranet) or C(internet).
          type: str
          sample: intranet
        description:
          description: Description of the rule.
          type: str
          sample: SSH from the office
        create_time:
          description: When the rule was created (ISO 8601, UTC).
          type: str
          sample: "2026-06-08T10:52:52Z"
    members:
      description: Member instances and network interfaces of the group.
      type: dict
      returned: when O(include_members=true)
      contains:
        instances:
          description: Instances in the group.
          type: list
          elements: dict
          sample: [{"instance_id": "i-demoweb0000000000001", "instance_name": "web-1", "status": "Running",
                    "network_type": "vpc", "vpc_id": "vpc-demo0000000000000001", "zone_id": "cn-hangzhou-h",
                    "private_ip_addresses": ["172.16.1.11"], "security_group_ids": ["sg-demovpcdefault000001"]}]
        network_interfaces:
          description: Network interfaces in the group (primary interfaces of member instances included).
          type: list
          elements: dict
          sample: [{"network_interface_id": "eni-demofree000000000001", "type": "Secondary", "status": "Available",
                    "instance_id": "", "vpc_id": "vpc-demo0000000000000001", "private_ip_address": "172.16.1.30",
                    "security_group_ids": ["sg-demovpcdefault000001"]}]
    referencing_security_groups:
      description: Ids of the groups whose rules reference this group.
      type: list
      elements: str
      returned: when O(include_references=true)
      sample: ["sg-bp67acfmxazb4ph1a2b3"]
"""

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ValidationError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._groups import (
    describe_members,
    describe_references,
    describe_rules,
    snake_group,
    snake_members,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import snake_rule
from ansible_collections.cloudwall.alicloud.plugins.module_utils._selection import SelectionModule, selection_problems


class SecurityGroupInfoModule(SelectionModule):
    result_key = "security_groups"

    @classmethod
    def define_module(cls):
        # Read-only: supports_check_mode comes from the base spec, and check mode runs exactly like a normal run.
        spec = cls.base_module_spec()
        spec["argument_spec"].update(
            include_rules=dict(type="bool", default=True),
            include_members=dict(type="bool", default=False),
            include_references=dict(type="bool", default=False),
        )
        return spec

    def __init__(self, module):
        super(SecurityGroupInfoModule, self).__init__(module)
        self.result_value = []

    def run(self):
        params = self.params
        problems = selection_problems(params)
        if problems:
            raise ValidationError("; ".join(problems))
        raw_groups = self.select()
        if params["include_rules"] or params["include_members"]:
            groups = self.read_concurrently(self.read_group, raw_groups)
        else:
            groups = [snake_group(raw) for raw in raw_groups]
        if params["include_references"] and groups:
            references = describe_references(self.client, [group["security_group_id"] for group in groups])
            for group in groups:
                group["referencing_security_groups"] = references.get(group["security_group_id"], [])
        self.result_value = groups

    def read_group(self, raw):
        group_id = raw["SecurityGroupId"]
        attributes = None
        rules = None
        if self.params["include_rules"]:
            attributes, permissions = describe_rules(self.client, group_id)
            rules = [snake_rule(permission) for permission in permissions]
        group = snake_group(raw, attributes)
        if rules is not None:
            group["rules"] = rules
        if self.params["include_members"]:
            group["members"] = snake_members(describe_members(self.client, group_id))
        return group


def main():
    SecurityGroupInfoModule.run_module()


if __name__ == "__main__":
    main()
