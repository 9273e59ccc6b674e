#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sg_rule
short_description: Authorize, revoke and describe the rules of an Alibaba Cloud ECS security group
version_added: 0.1.0
description:
  - Makes the rules of one security group match what is declared, idempotently and in as few API calls as
    possible. Ingress and egress rules, IPv4 and IPv6 CIDR blocks, group-to-group authorization (also across
    accounts), prefix lists, accept and drop policies with priorities, and classic network groups.
  - A rule is identified by its direction, protocol, port range, source port range, peer, the CIDR block on the
    group's own side, policy, priority and NIC type. A declared rule that differs from an existing one only in
    O(rules[].description) is changed in place (ModifySecurityGroupRule), so it keeps its rule id.
  - "Every rule is validated before the first API call: a bad one fails the task with the rule, the option, the
    value and what is allowed, and nothing is called. Peer groups given by name are resolved with one
    DescribeSecurityGroups call for all of them, within the VPC (or the classic network) of the group."
  - "Writes are batched: up to 100 rules per AuthorizeSecurityGroup / AuthorizeSecurityGroupEgress call and up to
    100 rule ids per RevokeSecurityGroup / RevokeSecurityGroupEgress call. New rules are added before old ones are
    revoked, so traffic that both allow is never cut, unless the rule quota forces revoking first."
  - "API calls: one DescribeSecurityGroupAttribute read (two for a classic group, one per NIC type), one
    DescribeSecurityGroups more when the group or a peer is given by name, a drop rule needs the group type, or
    the plan writes (a service-managed group refuses every write and only that read tells one), one
    DescribeNetworkInterfaces when a rule names a peer's owner (to know the caller's own account), then only the
    writes of the plan. The rules are not read again after the writes: RV(rules) and RV(added) are
    the plan's result, the same as check mode predicts, and a rule added by this run has an empty
    RV(rules[].security_group_rule_id) until the next run or M(cloudwall.alicloud.sg_info) reads it."
  - "Concurrent runs: a rule another writer revoked first counts as revoked. A run with O(purge_rules) or
    O(purge_rules_egress) that wrote anything reads the rules once more after its writes and, when another writer
    changed them meanwhile, finishes its own plan against what it reads (up to 5 rounds), so the group ends with
    exactly one declared set: the last run's. That read is the only call such a run adds."
author:
  - cloudwall maintainers (@cloudwall)
options:
  security_group:
    description:
      - The group whose rules are managed, by id (C(sg-...)) or by name. A name must match exactly one group
        (within O(vpc_id) when given); otherwise the module fails and lists the candidates.
    type: str
    required: true
    aliases: [security_group_id]
  vpc_id:
    description:
      - VPC in which a name in O(security_group) is looked up, and in which the group must be.
    type: str
  rules:
    description:
      - The rules. With O(state=present) they are added when missing (and their description set when it
        differs); with O(state=absent) those that exist are revoked.
      - One element may stand for several rules; it expands to one rule per port range in O(rules[].ports) and
        per CIDR block in O(rules[].cidr).
      - "Keys users know from alibaba.alicloud's ali_security_group and amazon.aws's ec2_security_group work and mean
        what they meant there: aliases (O(rules[].protocol) is C(ip_protocol) or C(proto), O(rules[].ports) is
        C(port_range), O(rules[].cidr) is C(cidr_ip), O(rules[].group) is C(group_id) or C(group_name),
        O(rules[].prefix_list) is C(ip_prefix), O(rules[].description) is C(rule_desc)), and the options
        O(rules[].source_cidr_ip), O(rules[].dest_cidr_ip), O(rules[].source_group_id), O(rules[].dest_group_id),
        O(rules[].from_port), O(rules[].to_port) and O(rules[].cidr_ipv6). See C(docs/migrating.md)."
    type: list
    elements: dict
    default: []
    suboptions:
      direction:
        description:
          - C(ingress) rules admit traffic to the members of the group, C(egress) rules let it out.
        type: str
        choices: [ingress, egress]
        default: ingress
      <<: &rule_suboptions
        protocol:
          description:
            - One of C(tcp), C(udp), C(icmp), C(gre), C(all), C(icmpv6), in any case, or an IP protocol number
              (V(6), V(17), V(1), V(47), V(58); V(-1) is C(all)).
            - Required, except in a rule written with amazon.aws keys (C(proto), O(rules[].from_port),
              O(rules[].to_port), C(cidr_ip), O(rules[].cidr_ipv6), C(group_id), C(group_name), C(ip_prefix),
              C(rule_desc)), where it defaults to C(tcp) as it did there.
          type: str
          aliases: [ip_protocol, proto]
        ports:
          description:
            - Destination ports of a C(tcp) or C(udp) rule. Each item is a port (V(80)) or a range written
              V(1/200) or V(1-200); each expands to its own rule.
            - Required for C(tcp) and C(udp); must be omitted (or V(-1/-1)) for the other protocols, which cover
              every port. V(-1) or V(-1/-1) on C(tcp) or C(udp) means every port (V(1/65535)).
          type: list
          elements: str
          aliases: [port_range]
        source_port_range:
          description:
            - Source ports of a C(tcp) or C(udp) rule, as a port or a range (V(1024/65535)). Any source port when
              omitted.
          type: str
        cidr:
          description:
            - The peer as IPv4 or IPv6 addresses or CIDR blocks (the source of an ingress rule, the destination of an
              egress rule). A list expands to one rule per block. A bare address means V(/32) or V(/128); host bits
              are cleared with a warning.
            - Exactly one of O(rules[].cidr), O(rules[].group) and O(rules[].prefix_list) is required.
          type: list
          elements: str
          aliases: [cidr_ip]
        group:
          description:
            - The peer as a security group, by id or by exact name (names are looked up in the VPC or classic
              network of the group). Such rules are always C(intranet).
            - Exactly one of O(rules[].cidr), O(rules[].group) and O(rules[].prefix_list) is required.
          type: str
          aliases: [group_id, group_name]
        group_owner_account:
          description:
            - Alibaba Cloud account (name or numeric id) that owns O(rules[].group), for a group of another account.
              O(rules[].group) must then be an id.
            - A group id is unique across accounts, so the owner is sent when authorizing but is not part of the
              rule's identity; ECS answers with the numeric account id, and a rule declared with the account name
              matches it.
            - An owner equal to the caller's own account id means this account; it is then neither sent nor shown.
              The task learns that id with one DescribeNetworkInterfaces read, made only when a rule names an owner.
          type: str
          aliases: [source_group_owner_account, dest_group_owner_account]
        group_owner_id:
          description:
            - Like O(rules[].group_owner_account), given as the owner's account id.
            - At most one of O(rules[].group_owner_account) and O(rules[].group_owner_id).
          type: str
          aliases: [source_group_owner_id, dest_group_owner_id]
        prefix_list:
          description:
            - The peer as a prefix list id (C(pl-...)).
            - Exactly one of O(rules[].cidr), O(rules[].group) and O(rules[].prefix_list) is required.
          type: str
          aliases: [ip_prefix]
        dest_cidr:
          description:
            - Ingress rules only, optional; the destination CIDR block within the group (the quintuple rule form).
              Same IP version as O(rules[].cidr).
          type: str
        source_cidr:
          description:
            - Egress rules only, optional; the source CIDR block within the group. Same IP version as
              O(rules[].cidr).
          type: str
        policy:
          description:
            - C(accept) or C(drop), in any case. At equal priority, drop wins.
          type: str
          default: accept
        priority:
          description:
            - From 1 (evaluated first) to 100. Pair a drop rule at 100 with accept rules at 1 to deny a port to
              everyone but the few allowed.
          type: int
          default: 1
        nic_type:
          description:
            - Classic network groups only; C(internet) rules apply to the public NIC, C(intranet) to the private one.
              Defaults to C(internet), and to C(intranet) for group peers.
            - VPC groups always use C(intranet); C(internet) is then ignored with a warning.
          type: str
          choices: [intranet, internet]
        description:
          description:
            - Description of the rule, 1 to 512 characters.
            - Not part of the rule's identity, so a different description is changed in place. When omitted, the
              existing description is left alone.
          type: str
          aliases: [rule_desc]
        source_cidr_ip:
          description:
            - The alibaba.alicloud key for the source CIDR block; on an ingress rule it is O(rules[].cidr), on an
              egress rule O(rules[].source_cidr).
          type: str
        dest_cidr_ip:
          description:
            - The alibaba.alicloud key for the destination CIDR block; on an ingress rule it is
              O(rules[].dest_cidr), on an egress rule O(rules[].cidr).
          type: str
        source_group_id:
          description:
            - The alibaba.alicloud key for the source group of an ingress rule (O(rules[].group)).
          type: str
        dest_group_id:
          description:
            - The alibaba.alicloud key for the destination group of an egress rule (O(rules[].group)).
          type: str
        from_port:
          description:
            - The amazon.aws key for the first port; with O(rules[].to_port) it makes O(rules[].ports). V(-1) means
              every port. Ignored, as in amazon.aws, for protocols without ports.
          type: int
        to_port:
          description:
            - The amazon.aws key for the last port; see O(rules[].from_port).
          type: int
        cidr_ipv6:
          description:
            - The amazon.aws key for IPv6 peers; added to O(rules[].cidr).
          type: list
          elements: str
        icmp_type:
          description:
            - The amazon.aws key for an ICMP type, on V(icmp) and V(icmpv6) rules. An ECS ICMP rule matches every
              type and code, so only V(-1) (all) is accepted; another value fails before any API call.
          type: int
        icmp_code:
          description:
            - The amazon.aws key for an ICMP code; like O(rules[].icmp_type), only V(-1).
          type: int
  rules_egress:
    description:
      - Egress rules, as both alibaba.alicloud and amazon.aws take them. The options of O(rules), with
        O(rules_egress[].direction) always C(egress). They are managed together with O(rules).
    type: list
    elements: dict
    default: []
    aliases: [egress_rules]
    suboptions:
      <<: *rule_suboptions
      direction:
        description:
          - Always C(egress).
        type: str
        choices: [egress]
        default: egress
  purge_rules:
    description:
      - With O(state=present), revoke the ingress rules of the group that are not in O(rules).
    type: bool
    default: false
  purge_rules_egress:
    description:
      - With O(state=present), revoke the egress rules of the group that are not in O(rules) or O(rules_egress).
    type: bool
    default: false
  state:
    description:
      - C(present) makes sure the rules exist; C(absent) revokes the listed rules that exist (a rule already gone
        is not an error).
    type: str
    choices: [present, absent]
    default: present
  rule_quota:
    description:
      - The rules-per-group quota of the account (ingress and egress together). A plan that would exceed it
        fails before any write; a plan that fits only when old rules go first revokes before it authorizes.
    type: int
    default: 200
notes:
  - Check mode computes the same plan as a real run and makes no mutating call; with diff mode, RV(diff) shows
    one line per rule before and after.
  - A group referenced by name is resolved in the group's own network. A group of another account must be
    given by id with O(rules[].group_owner_account) or O(rules[].group_owner_id).
  - If a call fails in the middle of a plan, the failure result lists what was applied and what was not.
extends_documentation_fragment:
  - cloudwall.alicloud.auth
  - cloudwall.alicloud.attributes
"""

EXAMPLES = r"""
# Against the local emulator (python -m emulator --seed demo) set the common options once, e.g.
# module_defaults: {group/cloudwall.alicloud.alicloud: {endpoint: http://127.0.0.1:8765, region: cn-hangzhou, ...}}

- name: Create the web and Redis tier groups of the demo VPC
  cloudwall.alicloud.sg:
    name: "{{ item }}"
    vpc_id: vpc-demo0000000000000001
    description: "{{ item }} tier of the demo"
  loop: [web, redis]

- name: Web tier takes HTTP and HTTPS from the Internet
  cloudwall.alicloud.sg_rule:
    security_group: web
    vpc_id: vpc-demo0000000000000001
    rules:
      - protocol: tcp
        ports: [80, 443]
        cidr: 0.0.0.0/0
        description: Public web traffic

- name: Redis takes 6379 from the web tier only (accept at priority 1 overrides drop at priority 100)
  cloudwall.alicloud.sg_rule:
    security_group: redis
    vpc_id: vpc-demo0000000000000001
    rules:
      - protocol: tcp
        ports: 6379
        cidr: 0.0.0.0/0
        policy: drop
        priority: 100
        description: Nobody else reaches Redis
      - protocol: tcp
        ports: 6379
        group: web
        priority: 1
        description: Web tier reaches Redis

- name: Exactly these egress rules on the web tier (others are revoked), with IPv6 and a prefix list
  cloudwall.alicloud.sg_rule:
    security_group: web
    vpc_id: vpc-demo0000000000000001
    purge_rules_egress: true
    rules:
      - direction: egress
        protocol: tcp
        ports: ["443", "8000-8100"]
        cidr: [0.0.0.0/0, "::/0"]
      - direction: egress
        protocol: udp
        ports: 53
        prefix_list: pl-demo0000000000000001

- name: SSH to the classic network group on its public NIC, from the office only
  cloudwall.alicloud.sg_rule:
    security_group: sg-democlassic000000001
    rules:
      - protocol: tcp
        ports: 22
        cidr: 203.0.113.0/24
        nic_type: internet

- name: Revoke SSH from anywhere on the web tier, if anyone opened it (nothing to do otherwise)
  cloudwall.alicloud.sg_rule:
    security_group: web
    vpc_id: vpc-demo0000000000000001
    state: absent
    rules:
      - protocol: tcp
        ports: 22
        cidr: 0.0.0.0/0

- name: The same rules written with alibaba.alicloud keys (ali_security_group), egress in rules_egress
  cloudwall.alicloud.sg_rule:
    security_group: redis
    vpc_id: vpc-demo0000000000000001
    rules:
      - ip_protocol: tcp
        port_range: 6379/6379
        source_group_id: web
        priority: 1
        description: Web tier reaches Redis
    rules_egress:
      - ip_protocol: udp
        port_range: 53/53
        dest_cidr_ip: 100.100.2.136/32

- name: And with amazon.aws keys (ec2_security_group); proto defaults to tcp there and here
  cloudwall.alicloud.sg_rule:
    security_group: web
    vpc_id: vpc-demo0000000000000001
    rules:
      - from_port: 443
        to_port: 443
        cidr_ip: 0.0.0.0/0
        rule_desc: Public web traffic
"""

RETURN = r"""
security_group_id:
  description: Id of the group whose rules were managed.
  returned: success
  type: str
  sample: sg-demovpcdefault000001
rules:
  description:
    - Every rule of the group after the run, both directions, as the plan leaves them (in check mode, what they
      would be).
    - Rules added by this run have an empty RV(rules[].security_group_rule_id), because the API does not return
      the ids of new rules and the module does not spend a read on them. Unset fields are empty strings.
  returned: success
  type: list
  elements: dict
  contains:
    security_group_rule_id:
      description: Id of the rule.
      type: str
      sample: sgr-bp1a2b3c4d5e6f7g8h9i
    direction:
      description: C(ingress) or C(egress).
      type: str
      sample: ingress
    ip_protocol:
      description: Protocol in lower case.
      type: str
      sample: tcp
    port_range:
      description: Destination ports as C(start/end); C(-1/-1) for protocols without ports.
      type: str
      sample: 6379/6379
    source_port_range:
      description: Source ports as C(start/end), or empty.
      type: str
      sample: ""
    source_cidr_ip:
      description: Source IPv4 CIDR block.
      type: str
      sample: 0.0.0.0/0
    ipv6_source_cidr_ip:
      description: Source IPv6 CIDR block.
      type: str
      sample: ""
    source_group_id:
      description: Source group of an ingress rule.
      type: str
      sample: sg-bp1webtier000000000
    source_group_name:
      description: Name of the source group, when known.
      type: str
      sample: web
    source_group_owner_account:
      description: Account owning the source group, for a group of another account.
      type: str
      sample: ""
    source_prefix_list_id:
      description: Source prefix list.
      type: str
      sample: ""
    source_prefix_list_name:
      description: Name of the source prefix list, when known.
      type: str
      sample: ""
    dest_cidr_ip:
      description: Destination IPv4 CIDR block.
      type: str
      sample: ""
    ipv6_dest_cidr_ip:
      description: Destination IPv6 CIDR block.
      type: str
      sample: ""
    dest_group_id:
      description: Destination group of an egress rule.
      type: str
      sample: ""
    dest_group_name:
      description: Name of the destination group, when known.
      type: str
      sample: ""
    dest_group_owner_account:
      description: Account owning the destination group, for a group of another account.
      type: str
      sample: ""
    dest_prefix_list_id:
      description: Destination prefix list.
      type: str
      sample: ""
    dest_prefix_list_name:
      description: Name of the destination prefix list, when known.
      type: str
      sample: ""
    policy:
      description: C(accept) or C(drop).
      type: str
      sample: accept
    priority:
      description: 1 (first) to 100.
      type: int
      sample: 1
    nic_type:
      description: C(intranet) or C(internet).
      type: str
      sample: intranet
    description:
      description: Description of the rule.
      type: str
      sample: Web tier reaches Redis
    create_time:
      description: When the rule was created (ISO 8601, UTC); empty for a rule not created yet.
      type: str
      sample: "2026-08-31T03:12:29Z"
added:
  description: Rules added (or that would be added), with the keys of RV(rules) and an empty rule id.
  returned: success
  type: list
  elements: dict
  sample: [{"direction": "ingress", "ip_protocol": "tcp", "port_range": "80/80", "source_cidr_ip": "0.0.0.0/0",
            "policy": "accept", "priority": 1, "nic_type": "intranet", "security_group_rule_id": ""}]
removed:
  description: Rules revoked (or that would be revoked), with the keys of RV(rules).
  returned: success
  type: list
  elements: dict
  sample: []
modified:
  description: Rules whose description changed (or would change) in place, as they are after the change, with the
    keys of RV(rules).
  returned: success
  type: list
  elements: dict
  sample: [{"security_group_rule_id": "sgr-bp1a2b3c4d5e6f7g8h9i", "description": "Public web traffic"}]
diff:
  description: The rules before and after, one readable line per rule, sorted.
  returned: when diff mode is on
  type: dict
  contains:
    before:
      description: Rules before the run.
      type: str
      returned: when diff mode is on
      sample: "ingress accept tcp 22/22 from 10.0.0.0/8 (intranet) priority 1\n"
    after:
      description: Rules after the run.
      type: str
      returned: when diff mode is on
      sample: "ingress accept tcp 6379/6379 from web (intranet) priority 1 \"Web tier reaches Redis\"\n"
applied:
  description: When a call failed in the middle of a plan, the changes made before it, one line each.
  returned: failure after some changes
  type: list
  elements: str
  sample: ["authorize ingress accept tcp 80/80 from 0.0.0.0/0 (intranet) priority 1"]
not_applied:
  description: When a call failed in the middle of a plan, the changes of the failed call and of those after it.
  returned: failure after some changes
  type: list
  elements: str
  sample: ["revoke ingress accept tcp 22/22 from 0.0.0.0/0 (intranet) priority 1"]
error:
  description: The API error that stopped the run.
  returned: failure of an API call
  type: dict
  sample: {"action": "RevokeSecurityGroup", "code": "Throttling", "message": "Request was denied due to request throttling.",
           "request_id": "540CFF28-407A-40B5-B6A5-74B0A1C2D3E4", "http_status": 400, "attempts": 9}
"""

import json

from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import (
    GROUP_NOT_FOUND_CODES,
    RULE_NOT_FOUND_CODES,
    EcsApiError,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._groups import (
    caller_account,
    GROUP_ID_PATTERN,
    GroupLookupError,
    describe_groups,
    describe_rules,
    find_group,
    is_planned,
    get_group,
    refuse_service_managed,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._module import AlicloudModule
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rule_calls import (
    has_owner,
    needs_group_type,
    parse_declared,
    parsed_once,
    peer_group_refs,
    plan_calls,
    resolver,
    rules_after,
    syntax_context,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import (
    DEFAULT_RULE_QUOTA,
    EGRESS,
    RuleError,
    RuleContext,
    declared_rules,
    plan_rules,
    rule_to_result,
    rules_from_permissions,
    snake_rule,
    validate_rule_quota,
)


# Rounds of "read again, finish the plan" a purging run makes after its writes (see finish_after_concurrent_writers).
MAX_CONVERGENCE_ROUNDS = 5
MODIFY_ACTIONS = ("ModifySecurityGroupRule", "ModifySecurityGroupEgressRule")


class SecurityGroupRuleModule(AlicloudModule):
    result_key = "rules"

    @classmethod
    def define_module(cls):
        spec = cls.base_module_spec()
        spec["argument_spec"].update(
            security_group=dict(type="str", required=True, aliases=["security_group_id"]),
            vpc_id=dict(type="str"),
            # No sub-options: parse_rules() validates every field of every rule (documented under rules), once.
            rules=dict(type="list", elements="dict", default=[]),
            rules_egress=dict(type="list", elements="dict", default=[], aliases=["egress_rules"]),
            purge_rules=dict(type="bool", default=False),
            purge_rules_egress=dict(type="bool", default=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            rule_quota=dict(type="int", default=DEFAULT_RULE_QUOTA),
        )
        return spec

    def __init__(self, module):
        super(SecurityGroupRuleModule, self).__init__(module)
        self.result_value = []
        self.extra_results = {"added": [], "removed": [], "modified": [], "security_group_id": ""}
        # Whether a write of this run found another writer's work (see finish_after_concurrent_writers).
        self.raced = False
        # rules_egress holds egress rules only: a missing direction is egress; another one is refused in run().
        self.declared = [("rules", declared_rules(self.params.get("rules"))),
                         ("rules_egress", [dict(raw, direction=raw.get("direction") or EGRESS) if isinstance(raw, dict) else raw
                                           for raw in declared_rules(self.params.get("rules_egress"))])]
        self.declared_rules = [raw for _option, raws in self.declared for raw in raws]
        self.group_item = None

    # -- reading ----------------------------------------------------------------------------------------------

    def read_group(self):
        """``(group_id, raw group or None, attributes, permissions)``; by id this is one rule read, no describe."""
        ref = self.params["security_group"].strip()
        vpc_id = self.params["vpc_id"]
        if GROUP_ID_PATTERN.match(ref):
            try:
                attributes, permissions = describe_rules(self.client, ref)
            except EcsApiError as error:
                if error.code not in GROUP_NOT_FOUND_CODES:
                    raise
            else:
                if vpc_id and attributes.get("VpcId") != vpc_id:
                    self.fail("security group %s is in %s, not in vpc_id %s"
                              % (ref, attributes.get("VpcId") or "the classic network", vpc_id))
                return ref, None, attributes, permissions
        # A name, or an id-like name ("sg-web") of a group the id lookup did not find.
        try:
            group = find_group(self.client, ref, vpc_id)
        except GroupLookupError as error:
            group = self.planned_or_fail("security_group", ref, error, vpc_id)
            # A group an earlier task would create: empty, in vpc_id (or the classic network).
            return group["SecurityGroupId"], group, {"VpcId": group["VpcId"], "SecurityGroupName": ref}, []
        attributes, permissions = describe_rules(self.client, group["SecurityGroupId"])
        return group["SecurityGroupId"], group, attributes, permissions

    def rule_context(self, group_id, group, attributes):
        """The context of the real parse, with at most one DescribeSecurityGroups call for every peer name."""
        vpc_id = attributes.get("VpcId") or (group or {}).get("VpcId") or ""
        group_names = {group_id: attributes.get("SecurityGroupName") or (group or {}).get("SecurityGroupName") or group_id}
        # An owner equal to our own account means "this account": one read tells, only when an owner is given.
        own_account = caller_account(self.client) if has_owner(self.declared_rules) else ""
        refs = peer_group_refs(self.declared_rules, own_account)
        known = [group] if group else []
        if refs:
            # One listing of the group's network finds every peer, by id or name, and the group itself.
            if vpc_id:
                known = describe_groups(self.client, vpc_id=vpc_id)
            else:
                known = describe_groups(self.client, network_type="classic")
            if group is not None and is_planned(group_id):
                known.append(group)
        elif group is None and needs_group_type(self.declared_rules):
            known = describe_groups(self.client, ids=[group_id])
        for item in known:
            group_names.setdefault(item["SecurityGroupId"], item.get("SecurityGroupName") or item["SecurityGroupId"])
        # The group's own DescribeSecurityGroups item, when one of these reads holds it (for ServiceManaged).
        self.group_item = next((item for item in known if item["SecurityGroupId"] == group_id), None)
        group_type = (self.group_item or {}).get("SecurityGroupType")
        where = vpc_id or "the classic network"

        def planned_peer(name):
            planned = self.planned_or_fail("rules[].group", name, GroupLookupError("", not_found=True), vpc_id)
            group_names[planned["SecurityGroupId"]] = name
            return planned["SecurityGroupId"]

        context = RuleContext(group_id=group_id, is_vpc=bool(vpc_id), group_type=group_type or "normal",
                              resolve_group=resolver(known, where, planned_peer if self.check_mode else None),
                              own_account=own_account)
        return context, group_names

    # -- run --------------------------------------------------------------------------------------------------

    def run(self):
        params = self.params
        # Problems that hold whatever the group is fail here, before the first call.
        wrong = ["rules_egress[%d]: direction=%s; allowed: egress, or no direction" % (index, json.dumps(raw.get("direction")))
                 for index, raw in enumerate(self.declared[1][1])
                 if isinstance(raw, dict) and str(raw.get("direction")).strip().lower() != EGRESS]
        if wrong:
            raise RuleError(wrong)
        validate_rule_quota(params["rule_quota"])
        parsed = parse_declared(self.declared, syntax_context())

        group_id, group, attributes, permissions = self.read_group()
        self.extra_results["security_group_id"] = group_id
        context, group_names = self.rule_context(group_id, group, attributes)
        if not parsed_once(self.declared_rules, context):
            parsed = parse_declared(self.declared, context)
        current = rules_from_permissions(permissions, context.is_vpc, context.own_account)
        plan = plan_rules(parsed.rules, current, purge_ingress=params["purge_rules"],
                          purge_egress=params["purge_rules_egress"], state=params["state"],
                          rule_quota=params["rule_quota"])
        for warning in parsed.warnings:
            self.module.warn(warning)

        self.diff = plan.diff(group_names)
        permission_by_id = dict((permission.get("SecurityGroupRuleId"), permission) for permission in permissions)
        self.extra_results["removed"] = [snake_rule(permission_by_id[rule.rule_id])
                                         for rules in plan.remove.values() for rule in rules]
        self.result_value = [snake_rule(permission) for permission in permissions]
        if not plan.changed:
            return
        # Only DescribeSecurityGroups tells a service-managed group, which refuses every write: one read when
        # the group was given by id and the plan writes.
        if not is_planned(group_id):
            refuse_service_managed(self.group_item or get_group(self.client, group_id), "rule changes")
        self.changed = True
        self.result_value = rules_after(plan, permissions)
        self.extra_results["added"] = [rule_to_result(rule) for rules in plan.add.values() for rule in rules]
        modified_ids = [change.rule.rule_id for change in plan.modify]
        self.extra_results["modified"] = [result for result in self.result_value if result["security_group_rule_id"] in modified_ids]
        if self.check_mode:
            return
        self.apply(plan_calls(plan, group_id, group_names))
        if self.raced or (params["state"] == "present" and (params["purge_rules"] or params["purge_rules_egress"])):
            self.finish_after_concurrent_writers(group_id, group_names, context, parsed.rules)

    def finish_after_concurrent_writers(self, group_id, group_names, context, declared):
        """Read the rules again and finish this run's plan against them, until a read finds nothing to do.

        Two purging runs that read the group before either wrote would otherwise leave the union of their sets
        (ECS answers an authorize of an existing rule with success, so nothing else tells a run it raced).
        The last writer always reads after its last write, so the group ends with its declared set. Any run whose
        write found another writer's work (a revoke batch answered "already done", though only some of its rules
        may have been gone; a rule to modify already revoked) reads again too.
        """
        params = self.params
        for finishing in range(MAX_CONVERGENCE_ROUNDS + 1):
            permissions = describe_rules(self.client, group_id)[1]
            plan = plan_rules(declared, rules_from_permissions(permissions, context.is_vpc, context.own_account),
                              purge_ingress=params["purge_rules"], purge_egress=params["purge_rules_egress"],
                              state=params["state"], rule_quota=params["rule_quota"])
            if not plan.changed:
                return
            if finishing == MAX_CONVERGENCE_ROUNDS:
                break
            permission_by_id = dict((permission.get("SecurityGroupRuleId"), permission) for permission in permissions)
            self.extra_results["removed"].extend(snake_rule(permission_by_id[rule.rule_id])
                                                 for rules in plan.remove.values() for rule in rules)
            self.extra_results["added"].extend(rule_to_result(rule) for rules in plan.add.values() for rule in rules)
            self.result_value = rules_after(plan, permissions)
            self.diff["after"] = plan.diff(group_names)["after"]
            self.apply(plan_calls(plan, group_id, group_names))
        self.fail("security group %s kept changing under concurrent writers: after %d rounds of reading and finishing "
                  "this run's plan, its rules still differ from the declared ones; run the task again once the other "
                  "writers are done" % (group_id, MAX_CONVERGENCE_ROUNDS))

    def apply(self, calls):
        for index, call in enumerate(calls):
            try:
                answer = self.call(call.action, call.params)
            except EcsApiError as error:
                if call.action in MODIFY_ACTIONS and error.code in RULE_NOT_FOUND_CODES:
                    # Another writer revoked the rule first: the read after the writes decides what is left to do.
                    self.raced = True
                    continue
                self.fail_mid_plan(error, calls, index)
            else:
                self.raced = self.raced or "AlreadyDone" in answer

    def fail_mid_plan(self, error, calls, failed_index):
        applied = [line for call in calls[:failed_index] for line in call.lines]
        not_applied = [line for call in calls[failed_index:] for line in call.lines]
        self.changed = bool(applied)
        self.fail("%s; %d of %d changes were applied before it (see applied and not_applied)"
                  % (error, len(applied), len(applied) + len(not_applied)),
                  applied=applied, not_applied=not_applied, error=error.to_dict(),
                  security_group_id=self.extra_results["security_group_id"])


def main():
    SecurityGroupRuleModule.run_module()


if __name__ == "__main__":
    main()
