#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sg_audit
short_description: Audit Alibaba Cloud ECS security groups against the security-group best practices
version_added: 0.1.0
description:
  - Selects security groups like M(cloudwall.alicloud.sg_info), reads their rules and members, and checks them
    against the best practices of the Alibaba Cloud security-group guide.
  - "Checks (id, severity): C(internet_sensitive_ports) (high) the Internet at large (through a rule from
    0.0.0.0/0 or ::/0, or all of it) may reach an administrative or data port of O(sensitive_ports);
    C(intranet_cidr_too_broad) (high) an intranet rule from 0.0.0.0/0, 10.0.0.0/8 or a wider block;
    C(intranet_cidr_all_ports) (medium) an intranet rule from a CIDR allowing all ports or all protocols;
    C(classic_intranet_cidr) (medium) any CIDR intranet rule in a classic network group (use group
    authorization); C(shadowed_accept) (medium) an accept rule whose traffic drop rules of higher or equal priority
    match entirely, one alone or several together; C(group_too_many_members) (medium) more than O(max_members)
    members; C(member_at_group_limit) (medium) an instance or network interface in O(max_groups_per_instance)
    groups or more; C(redundant_rule) (low) a rule whose traffic a rule with the same policy and higher or equal
    priority matches entirely; C(group_without_members) (low) no member, a candidate for deletion;
    C(missing_description) (low); C(missing_tags) (low)."
  - Where traffic comes from. In a classic group the rule's NIC type decides (internet or intranet). In a VPC
    group every rule is C(intranet), but a rule from 0.0.0.0/0, ::/0 or any public CIDR admits the Internet
    through public IP addresses and EIPs, so there CIDRs within 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16,
    100.64.0.0/10 and fc00::/7 count as intranet and all others as Internet.
  - Coverage is exact for protocols, destination and source port ranges, CIDR containment, group and prefix-list
    peers and the destination CIDR. A rule only partly covered by another is not reported as redundant. An accept
    rule that drops shadow entirely lets nothing in, so only C(shadowed_accept) reports it. Drops shadow an accept
    together when each matches its peer kind, destination CIDR and source ports, and their port ranges (and for a
    CIDR peer, their blocks) add up to all of its traffic.
  - "C(internet_sensitive_ports) and C(shadowed_accept) agree with the evaluation of
    M(cloudwall.alicloud.sg_reachability) and of the report's map (rules ordered by priority, a drop first at equal
    priority): a port is reported only when that evaluation lets the Internet at large reach it, on the accept rule
    that lets it in."
  - "Requests: DescribeSecurityGroups (100 groups per page), one DescribeSecurityGroupAttribute per group (two for a
    classic group: one per NIC type; 1000 rules per page), and the members as O(member_scan) says."
  - Read-only, it never changes cloud state, so check mode runs the same and RV(ignore:changed) is always false.
    The only side effect is the report file of O(report_path), written in check mode too.
author:
  - cloudwall maintainers (@cloudwall)
options:
  disabled_checks:
    description:
      - Checks not to run.
    type: list
    elements: str
    default: []
    choices: [internet_sensitive_ports, intranet_cidr_too_broad, intranet_cidr_all_ports, classic_intranet_cidr,
              shadowed_accept, group_too_many_members, member_at_group_limit, redundant_rule, group_without_members,
              missing_description, missing_tags]
  sensitive_ports:
    description:
      - Administrative and data ports that must not be open to the whole Internet
        (FTP, SSH, Telnet, Windows RPC, NetBIOS, SMB, SQL Server, Oracle, Docker, etcd, MySQL, RDP, PostgreSQL,
        Kibana, CouchDB, Redis, Elasticsearch, Memcached, MongoDB by default).
      - The list replaces the default; TCP and UDP rules are checked, and C(all) protocol rules open every port.
    type: list
    elements: int
    default: [20, 21, 22, 23, 135, 139, 445, 1433, 1521, 2375, 2376, 2379, 3306, 3389, 5432, 5601, 5984, 6379,
              9200, 9300, 11211, 27017]
  max_members:
    description:
      - A group with more members (instances, and network interfaces other than an instance's primary one)
        than this is reported by C(group_too_many_members).
    type: int
    default: 100
  max_groups_per_instance:
    description:
      - An instance or network interface in this many groups or more is reported by C(member_at_group_limit).
      - The ECS quota is 5 groups per instance or network interface; set it to your raised quota.
    type: int
    default: 5
  member_scan:
    description:
      - How members are read.
      - C(region) reads every instance of the audited scope with one paged DescribeInstances (100 per request)
        and the secondary network interfaces with one paged DescribeNetworkInterfaces (500 per request). The
        scope is the VPC when every audited group is in one VPC, the classic network when all are classic (no
        interface read then), else the whole region.
      - C(group) reads DescribeInstances and DescribeNetworkInterfaces per group (two or more requests per group).
      - C(auto) is C(group) when one group is audited and C(region) otherwise.
    type: str
    choices: [auto, region, group]
    default: auto
  fail_on:
    description:
      - Fail the task when a finding of this severity or higher exists, after reading everything and writing
        the report. The failed result still holds RV(findings) and RV(summary).
      - C(none) never fails on findings.
    type: str
    choices: [none, low, medium, high]
    default: none
  allow_empty:
    description:
      - With O(fail_on) other than C(none), a selection that matches no group fails the task, since an audit
        that checks nothing must not pass a gate; the message lists the filters. Set this to let an empty
        selection pass.
      - In check mode an empty selection only warns, because the groups may be ones an earlier task of the play
        would create.
    type: bool
    default: false
  report_path:
    description:
      - Write a report to this file on the host the module runs on; its directory must exist.
      - Markdown with a summary table, the findings by group and a Mermaid reachability map (a C(flowchart LR) of
        which groups and CIDRs may reach which groups on which ports); JSON when the path ends in C(.json).
      - Written in check mode too, since it changes no cloud state.
    type: path
extends_documentation_fragment:
  - cloudwall.alicloud.selection
  - cloudwall.alicloud.auth
  - cloudwall.alicloud.attributes.info_module
notes:
  - The report file is replaced atomically; RV(ignore:changed) stays false even when it is written.
seealso:
  - module: cloudwall.alicloud.sg_info
"""

EXAMPLES = r"""
- name: Audit every group of the demo VPC and write a Markdown report
  cloudwall.alicloud.sg_audit:
    vpc_id: vpc-demo0000000000000001
    report_path: /tmp/sg-audit.md
  register: audit

- name: Show the summary
  ansible.builtin.debug:
    var: audit.summary

- name: Fail on high-severity findings, checking a custom port list, without the tag checks
  cloudwall.alicloud.sg_audit:
    vpc_id: vpc-demo0000000000000001
    sensitive_ports: [22, 3389, 6379, 8080]
    disabled_checks: [missing_tags]
    fail_on: high
    report_path: /tmp/sg-audit.json
"""

RETURN = r"""
findings:
  description: Every finding, group by group in the order the API lists the groups; member findings last.
  returned: always
  type: list
  elements: dict
  contains:
    check:
      description: Id of the check.
      type: str
      sample: internet_sensitive_ports
    severity:
      description: C(low), C(medium) or C(high).
      type: str
      sample: high
    security_group_id:
      description: The group; empty for a finding about an instance or network interface.
      type: str
      sample: sg-demovpcdefault000001
    security_group_name:
      description: Name of the group; empty for a finding about an instance or network interface.
      type: str
      sample: default-vpc
    rule_id:
      description: The rule the finding is about; empty for a finding about a group or member.
      type: str
      sample: sgr-2ze3a9k1l0m2n3o4p5q6
    member_id:
      description: The instance or network interface the finding is about; empty otherwise.
      type: str
      sample: ""
    message:
      description: What was found, starting with the rule in readable form for a rule finding.
      type: str
      sample: "ingress accept tcp 22/22 from 0.0.0.0/0 (intranet) priority 1: the whole Internet (0.0.0.0/0) may
        reach administrative or data ports 22 (SSH) (tcp 22)"
    recommendation:
      description: What to do, from the best-practice guide.
      type: str
      sample: Allow these ports only from the addresses that need them.
summary:
  description: Counts of the findings.
  returned: always
  type: dict
  contains:
    groups_audited:
      description: Number of groups audited.
      type: int
      sample: 2
    findings:
      description: Number of findings.
      type: int
      sample: 3
    by_severity:
      description: Findings per severity (every severity, zeros included).
      type: dict
      sample: {"high": 1, "medium": 0, "low": 2}
    by_check:
      description: Findings per check (every check that ran, zeros included).
      type: dict
      sample: {"internet_sensitive_ports": 1, "missing_tags": 2}
    disabled_checks:
      description: The checks that did not run.
      type: list
      elements: str
      sample: []
    service_managed_groups:
      description: Audited groups that a cloud service manages. ECS refuses every change to them, so no finding
        about them is reported; they still appear in the reachability map.
      type: list
      elements: str
      sample: []
report_path:
  description: Absolute path of the report written.
  returned: when O(report_path) is set
  type: str
  sample: /tmp/sg-audit.md
"""

import os

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.cloudwall.alicloud.plugins.module_utils._audit import (
    CHECK_IDS,
    DEFAULT_MAX_GROUPS_PER_INSTANCE,
    DEFAULT_MAX_MEMBERS,
    DEFAULT_SENSITIVE_PORTS,
    FAIL_ON_CHOICES,
    actionable_findings,
    audit_groups,
    default_settings,
    findings_at_or_above,
    members_from_api,
    new_audit_group,
    summarize,
    validate_settings,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._audit_report import (
    finding_to_dict,
    render_report,
    write_report_file,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._errors import ValidationError
from ansible_collections.cloudwall.alicloud.plugins.module_utils._groups import (
    describe_members,
    describe_rules,
    describe_scope_members,
    group_label,
    is_service_managed,
    snake_group,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import rule_from_permission
from ansible_collections.cloudwall.alicloud.plugins.module_utils._selection import (
    SelectionModule,
    describe_selection,
    selection,
    selection_problems,
)


class SecurityGroupAuditModule(SelectionModule):
    result_key = "findings"

    @classmethod
    def define_module(cls):
        spec = cls.base_module_spec()
        spec["argument_spec"].update(
            disabled_checks=dict(type="list", elements="str", default=[], choices=list(CHECK_IDS)),
            sensitive_ports=dict(type="list", elements="int", default=list(DEFAULT_SENSITIVE_PORTS)),
            max_members=dict(type="int", default=DEFAULT_MAX_MEMBERS),
            max_groups_per_instance=dict(type="int", default=DEFAULT_MAX_GROUPS_PER_INSTANCE),
            member_scan=dict(type="str", choices=["auto", "region", "group"], default="auto"),
            fail_on=dict(type="str", choices=list(FAIL_ON_CHOICES), default="none"),
            allow_empty=dict(type="bool", default=False),
            report_path=dict(type="path"),
        )
        return spec

    def __init__(self, module):
        super(SecurityGroupAuditModule, self).__init__(module)
        self.result_value = []
        self.settings = None

    # -- validation -------------------------------------------------------------------------------------

    def validate(self):
        params = self.params
        self.settings = default_settings(
            disabled_checks=frozenset(params["disabled_checks"] or []),
            sensitive_ports=tuple(params["sensitive_ports"] or []),
            max_members=params["max_members"],
            max_groups_per_instance=params["max_groups_per_instance"],
        )
        problems = validate_settings(self.settings) + selection_problems(params)
        report_dir = self.report_directory()
        if report_dir is not None and not os.path.isdir(report_dir):
            problems.append("report_path is %s but its directory %s does not exist; allowed: a file in an existing "
                            "directory" % (params["report_path"], report_dir))
        if problems:
            raise ValidationError("; ".join(problems))

    def report_directory(self):
        if not self.params["report_path"]:
            return None
        return os.path.dirname(os.path.abspath(self.params["report_path"])) or "."

    # -- reading ----------------------------------------------------------------------------------------

    def scan_by_group(self, group_count):
        scan = self.params["member_scan"]
        return scan == "group" or (scan == "auto" and group_count == 1)

    def read_one(self, task):
        """One read of the audit: a group's rules, a group's members, or the members of the whole scope."""
        kind, value = task
        if kind == "rules":
            attributes, permissions = describe_rules(self.client, value["SecurityGroupId"])
            group = snake_group(value, attributes)
            return group, [rule_from_permission(permission, group["network_type"] == "vpc") for permission in permissions]
        if kind == "members":
            return describe_members(self.client, value)
        return describe_scope_members(self.client, value)

    def read(self, raw_groups):
        """``(audit groups, members)`` read with at most ``max_workers`` requests in flight."""
        if self.scan_by_group(len(raw_groups)):
            member_tasks = [("members", raw["SecurityGroupId"]) for raw in raw_groups]
        else:
            member_tasks = [("scope", raw_groups)]
        answers = self.read_concurrently(self.read_one, member_tasks + [("rules", raw) for raw in raw_groups])
        member_pages, groups_and_rules = answers[:len(member_tasks)], answers[len(member_tasks):]
        instances = [item for page in member_pages for item in page["instances"]]
        interfaces = [item for page in member_pages for item in page["network_interfaces"]]
        group_ids = [group["security_group_id"] for group, _rules in groups_and_rules]
        members_by_group, members = members_from_api(instances, interfaces, group_ids)
        groups = [new_audit_group(
            group_id=group["security_group_id"],
            name=group["security_group_name"] or "",
            description=group["description"] or "",
            vpc_id=group["vpc_id"],
            group_type=group["security_group_type"],
            inner_access_policy=group["inner_access_policy"],
            tags=group["tags"],
            rules=rules,
            member_ids=members_by_group[group["security_group_id"]],
        ) for group, rules in groups_and_rules]
        return groups, members

    def empty_selection(self):
        """An audit gate that checks nothing must not pass: with ``fail_on`` set, no group selected fails, unless
        ``allow_empty``. In check mode the groups may be ones an earlier task would create, so it only warns."""
        if self.params["fail_on"] == "none" or self.params["allow_empty"]:
            return
        chosen = selection(self.params)[0]
        message = ("no security group matches the selection (%s), so the audit checked nothing and cannot pass fail_on=%s; "
                   "fix the filters, or set allow_empty=true to let an empty selection pass"
                   % (describe_selection(chosen), self.params["fail_on"]))
        if self.check_mode:
            self.module.warn(message + " (check mode: the groups may be created earlier in the play)")
            return
        self.fail(message, findings=[], summary=summarize([], 0, self.settings))

    # -- report -----------------------------------------------------------------------------------------

    def write_report(self, text):
        path = os.path.abspath(self.params["report_path"])
        try:
            write_report_file(path, text)
        except (IOError, OSError) as error:
            self.fail("report_path %s could not be written: %s" % (path, to_native(error)), **self.partial_result())
        return path

    # -- run --------------------------------------------------------------------------------------------

    def run(self):
        self.validate()
        raw_groups = self.select()
        if not raw_groups:
            self.empty_selection()
        groups, members = self.read(raw_groups) if raw_groups else ([], [])
        managed = sorted(raw["SecurityGroupId"] for raw in raw_groups if is_service_managed(raw))
        findings = actionable_findings(audit_groups(groups, members, self.settings), managed)
        summary = summarize(findings, len(groups), self.settings)
        summary["service_managed_groups"] = managed
        self.result_value = [finding_to_dict(finding) for finding in findings]
        self.extra_results["summary"] = summary
        if self.params["report_path"]:
            text = render_report(self.params["report_path"], groups, findings, summary, self.client.region)
            self.extra_results["report_path"] = self.write_report(text)
        failing = findings_at_or_above(findings, self.params["fail_on"])
        if failing:
            shown = ["%s on %s" % (finding.check, " ".join(part for part in (
                group_label(finding.security_group_id, finding.security_group_name) if finding.security_group_id else finding.member_id,
                finding.rule_id) if part)) for finding in failing[:10]]
            more = "; and %d more" % (len(failing) - 10) if len(failing) > 10 else ""
            self.fail("%d of %d findings are of severity %s or higher (fail_on=%s): %s%s" % (
                len(failing), len(findings), self.params["fail_on"], self.params["fail_on"], "; ".join(shown), more),
                **self.partial_result())


def main():
    SecurityGroupAuditModule.run_module()


if __name__ == "__main__":
    main()
