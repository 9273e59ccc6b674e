#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sg_reachability
short_description: Ask whether A may reach B on a port through Alibaba Cloud ECS security groups, and which rule decides
version_added: 0.1.0
description:
  - Answers "can O(source) reach O(destination) on O(port), and which rule decides?" from the rules of every group
    both sides belong to, as ECS evaluates them.
  - With O(expect) it is a gate; the task fails listing every intent that does not hold, with the rule or default
    that decided it. With O(matrix) it tells who may reach whom among groups or instances.
  - "Evaluation: traffic needs the source's egress and the destination's ingress (groups are stateful). The rules of
    all groups of a member are merged and sorted by priority (1 first); at equal priority a drop rule wins. The
    first rule that matches decides. When none matches: inbound traffic is denied, except from a member of a shared
    basic group whose inner access policy is accept; outbound traffic is allowed by basic (normal) groups and
    denied by advanced (enterprise) groups. VPC group rules apply to Internet and intranet traffic; classic groups
    apply internet rules to Internet traffic and intranet rules to intranet traffic. Group peers match members (by
    group id, so also groups of other accounts) on the intranet only; CIDR peers match addresses; prefix-list peers
    match their entries (O(prefix_lists)). ICMP, GRE and ALL rules cover every port; ALL covers every protocol."
  - "A CIDR block or C(internet) as the source is every address of it (the Internet: every address that is not
    private, RFC 1918, 100.64.0.0/10, fc00::/7). Rules naming blocks inside it cut it into regions, each evaluated on
    its own: the answer is RV(reachability[].reachable=true) when every region gets through,
    RV(reachability[].reachable=false) when none does, and otherwise partial: RV(reachability[].partial=true),
    RV(reachability[].reachable) null, and RV(reachability[].reachable_from) lists the blocks that get through."
  - "What a side is: an instance or network interface is its groups and its primary private address; a group as a
    source is any one of its members (its groups' rules, no address known); a group as a destination is each of
    its members (any member when it has none); a CIDR block is traffic from every address of the block, not from
    group members; C(internet) is traffic from any Internet address. A rule that needs what a side does not say
    (an address, a source port, unknown prefix-list entries) does not match, and the answer's C(notes) name it.
    IPv6 traffic uses the first IPv6 address of an instance's primary interface or of a network interface."
  - Only security groups are evaluated; whether a route exists (public IP, EIP, NAT, peering) is not.
  - "Requests: DescribeInstances (100 ids per call) for instances, DescribeNetworkInterfaces (100 ids per call)
    for network interfaces, one DescribeSecurityGroups per 100 groups, two member reads (DescribeInstances,
    DescribeNetworkInterfaces) per destination group, and one DescribeSecurityGroupAttribute per group involved (two
    for a classic group). A name costs one DescribeSecurityGroups; when no group has it, one DescribeInstances
    more; when no instance has it either, one DescribeNetworkInterfaces more. No request changes anything."
author:
  - cloudwall maintainers (@cloudwall)
options:
  source:
    description:
      - Where the traffic comes from. An instance (C(i-...)) or network interface (C(eni-...)) id, a security group
        id (C(sg-...), also of another account), the name of a group or else of an instance or else of a network
        interface, a CIDR block or an address, or C(internet).
      - A name is looked up among groups, then instances, then network interfaces; the first kind that has it
        decides. A name that several of that kind carry fails, listing them; give the id or set O(vpc_id).
      - Needs O(destination).
    type: str
  destination:
    description:
      - Where the traffic goes. An instance or network interface id, a security group id (each member is
        answered), or the name of a group or else of an instance or else of a network interface (looked up as for
        O(source)).
      - Needs O(source).
    type: str
  protocol:
    description:
      - Protocol of the traffic asked about (O(source), O(destination) and O(matrix)).
    type: str
    choices: [tcp, udp, icmp, gre, icmpv6]
    default: tcp
  port:
    description:
      - Destination ports asked about, each answered on its own. Required for C(tcp) and C(udp), not allowed for
        the other protocols.
    type: list
    elements: int
    aliases: [ports]
  ip_version:
    description:
      - IP version of the traffic; C(icmpv6) is always 6. A CIDR source of the other version is refused.
    type: int
    choices: [4, 6]
    default: 4
  vpc_id:
    description:
      - VPC in which names of groups and instances are looked up.
    type: str
  prefix_lists:
    description:
      - Entries of prefix lists that rules name, a list of CIDR blocks per prefix list id (C(pl-...)). A prefix-list
        rule whose entries are not given matches only traffic from that prefix list.
    type: dict
  matrix:
    description:
      - Groups or instances (ids or names; groups as any member) among which to tell who may reach whom on O(port)
        over O(protocol). The result's RV(matrix) has every answer and a Markdown table.
    type: list
    elements: str
  expect:
    description:
      - Intents that must hold. The task fails, after checking every intent, with the list of those that do not
        hold and what decided each; when all hold it passes quietly.
      - A partial answer (only part of a CIDR or Internet source gets through) holds neither V(true) nor V(false);
        the failure names the blocks that get through and the rule that lets each in.
    type: list
    elements: dict
    suboptions:
      source:
        description: Where the traffic comes from, as in O(source).
        type: str
        required: true
      destination:
        description: Where the traffic goes, as in O(destination); a group holds only when it holds for every member.
        type: str
        required: true
      port:
        description: Destination port; required for C(tcp) and C(udp).
        type: int
      protocol:
        description: Protocol of the traffic.
        type: str
        choices: [tcp, udp, icmp, gre, icmpv6]
        default: tcp
      reachable:
        description: Whether the traffic must get through (V(true)) or must not (V(false)).
        type: bool
        required: true
extends_documentation_fragment:
  - cloudwall.alicloud.auth
  - cloudwall.alicloud.attributes.info_module
"""

EXAMPLES = r"""
- name: May the first web instance reach the Redis instance on 6379, and which rule decides?
  cloudwall.alicloud.sg_reachability:
    source: i-demoweb0000000000001
    destination: i-demoredis00000000001
    port: 6379
  register: web_to_redis

- name: Who may reach the members of the VPC's default group from the Internet on SSH and HTTPS
  cloudwall.alicloud.sg_reachability:
    source: internet
    destination: default-vpc
    vpc_id: vpc-demo0000000000000001
    port: [22, 443]

- name: The intents of a deployment as a gate
  cloudwall.alicloud.sg_reachability:
    vpc_id: vpc-demo0000000000000001
    expect:
      - {source: i-demoweb0000000000002, destination: i-demoredis00000000001, port: 6379, reachable: true}
      - {source: internet, destination: i-demoredis00000000001, port: 6379, reachable: false}

- name: Who may reach whom among instances, on two ports
  cloudwall.alicloud.sg_reachability:
    matrix: [i-demoweb0000000000001, i-demoredis00000000001, internet]
    port: [22, 6379]
"""

RETURN = r"""
reachability:
  description: One answer per destination member and port of O(source) and O(destination); empty without them.
  returned: always
  type: list
  elements: dict
  contains:
    source:
      description: The source as evaluated, C(kind) (instance, eni, group, cidr, internet), C(id) and C(name).
      type: dict
      sample: {"kind": "instance", "id": "i-demoweb0000000000001", "name": "web-1"}
    destination:
      description: The destination member, like RV(reachability[].source).
      type: dict
      sample: {"kind": "instance", "id": "i-demoredis00000000001", "name": "redis-1"}
    protocol:
      description: Protocol asked about.
      type: str
      sample: tcp
    port:
      description: Port asked about; null for protocols without ports.
      type: int
      sample: 6379
    reachable:
      description:
        - Whether the source's egress and the destination's ingress both allow the traffic.
        - For a CIDR or Internet source, V(true) when every address gets through, V(false) when none does, null when
          the answer is partial.
      type: bool
      sample: true
    partial:
      description: Whether only part of a CIDR or Internet source gets through; always V(false) for other sources.
      type: bool
      sample: false
    reachable_from:
      description: The blocks of a CIDR or Internet source that get through (all of it, none, or the part of a
        partial answer), as few CIDR blocks as hold them; empty for other sources.
      type: list
      elements: str
      sample: ["203.0.113.0/24"]
    decided_by:
      description:
        - What decided the answer (the egress decision when egress denies, else the ingress decision; for a partial
          answer, the decision that lets the largest region of the source in).
        - C(by) is C(rule) or C(default); C(default) is one of C(inner_access_accept), C(inner_access_drop),
          C(ingress_default_deny), C(egress_default_allow), C(egress_default_deny), C(not_evaluated) (a group whose
          rules could not be read), or empty for a rule.
      type: dict
      sample: {"allowed": true, "direction": "ingress", "by": "rule", "default": "",
               "security_group_id": "sg-bp1fg655nh68xyz9i6n2", "security_group_name": "demo-redis",
               "rule_id": "sgr-bp1d3ng3ryd6zqq2fgcx", "policy": "accept", "priority": 1, "protocol": "tcp",
               "port_range": "6379/6379", "peer": "demo-web", "peer_id": "sg-bp1ewj4r1e2fvsr0ttnb", "nic_type": "intranet",
               "description": "Web tier reaches Redis", "reason": "accept rule of demo-redis (sg-bp1fg655nh68xyz9i6n2), priority 1"}
    ingress:
      description: The destination side's decision, shaped like RV(reachability[].decided_by).
      type: dict
      sample: {"allowed": true, "direction": "ingress", "by": "rule"}
    egress:
      description: The source side's decision, shaped like RV(reachability[].decided_by); null for a CIDR or Internet source.
      type: dict
      sample: {"allowed": true, "direction": "egress", "by": "default", "default": "egress_default_allow"}
    notes:
      description: Rules the answer could not settle (they need an address, a source port or prefix-list entries).
      type: list
      elements: str
      sample: []
intents:
  description: Each intent of O(expect) with whether it holds and the answers behind it.
  returned: when O(expect) is set
  type: list
  elements: dict
  contains:
    source:
      description: Source of the intent, as written.
      type: str
      sample: i-demoweb0000000000001
    destination:
      description: Destination of the intent, as written.
      type: str
      sample: i-demoredis00000000001
    protocol:
      description: Protocol of the intent.
      type: str
      sample: tcp
    port:
      description: Port of the intent.
      type: int
      sample: 6379
    reachable:
      description: What the intent expects.
      type: bool
      sample: true
    holds:
      description: Whether every answer of the intent matches RV(intents[].reachable) and none is partial.
      type: bool
      sample: true
    answers:
      description: The answers, shaped like RV(reachability).
      type: list
      elements: dict
      sample: []
matrix:
  description: Who may reach whom among the O(matrix) entries.
  returned: when O(matrix) is set
  type: dict
  contains:
    endpoints:
      description: The entries as evaluated (groups as any member), each with C(kind), C(id) and C(name).
      type: list
      elements: dict
      sample: [{"kind": "instance", "id": "i-demoweb0000000000001", "name": "web-1"}]
    protocol:
      description: Protocol of the matrix.
      type: str
      sample: tcp
    ports:
      description: Ports of the matrix.
      type: list
      elements: int
      sample: [22, 6379]
    table:
      description: Rows of the table, the header first; a cell lists the ports on which the row reaches the column,
        marked C((partly)) where only part of a CIDR or Internet row gets through.
      type: list
      elements: list
      sample: [["from \\ to", "web-1 (i-demoweb0000000000001)"], ["redis-1 (i-demoredis00000000001)", "-"]]
    markdown:
      description: The table in Markdown.
      type: str
      sample: "| from \\ to | web-1 (i-demoweb0000000000001) |"
    answers:
      description: Every answer of the matrix, shaped like RV(reachability).
      type: list
      elements: dict
      sample: []
"""

from ansible_collections.cloudwall.alicloud.plugins.module_utils._audit_report import markdown_table
from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ValidationError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._module import AlicloudModule
from ansible_collections.cloudwall.alicloud.plugins.module_utils._reachability_api import (
    PROTOCOL_CHOICES,
    ReachabilityLookupError,
    ReachabilityQuery,
)


class SecurityGroupReachabilityModule(AlicloudModule):
    result_key = "reachability"

    @classmethod
    def define_module(cls):
        spec = cls.base_module_spec()
        # Read-only: check mode runs exactly like a normal run.
        spec["supports_check_mode"] = True
        spec["argument_spec"].update(
            source=dict(type="str"),
            destination=dict(type="str"),
            protocol=dict(type="str", choices=list(PROTOCOL_CHOICES), default="tcp"),
            port=dict(type="list", elements="int", aliases=["ports"]),
            ip_version=dict(type="int", choices=[4, 6], default=4),
            vpc_id=dict(type="str"),
            prefix_lists=dict(type="dict"),
            matrix=dict(type="list", elements="str"),
            expect=dict(type="list", elements="dict", options=dict(
                source=dict(type="str", required=True),
                destination=dict(type="str", required=True),
                port=dict(type="int"),
                protocol=dict(type="str", choices=list(PROTOCOL_CHOICES), default="tcp"),
                reachable=dict(type="bool", required=True),
            )),
        )
        spec["required_together"] = [["source", "destination"]]
        spec["required_one_of"] = [["source", "expect", "matrix"]]
        return spec

    def __init__(self, module):
        super(SecurityGroupReachabilityModule, self).__init__(module)
        self.result_value = []

    def get_result(self):
        result = super(SecurityGroupReachabilityModule, self).get_result()
        result.pop("diff", None)  # nothing changes, so there is no diff
        return result

    def run(self):
        query = ReachabilityQuery(self.params)
        problems = query.validate()
        if problems:
            raise ValidationError("; ".join(problems))
        try:
            query.read(self.client)
        except ReachabilityLookupError as error:
            self.fail_lookup(error.option, error)
        self.result_value = query.answer_pair()
        if self.params["matrix"]:
            header, rows, answers = query.answer_matrix()
            self.extra_results["matrix"] = dict(endpoints=query.matrix_endpoints(), protocol=self.params["protocol"],
                                                ports=list(self.params["port"] or []), table=[header] + rows,
                                                markdown=markdown_table(header, rows), answers=answers)
        if self.params["expect"]:
            intents, failing = query.check_intents()
            self.extra_results["intents"] = intents
            if failing:
                self.fail("%d of %d intents do not hold: %s" % (len(failing), len(intents), "; ".join(failing)),
                          **self.partial_result())


def main():
    SecurityGroupReachabilityModule.run_module()


if __name__ == "__main__":
    main()
