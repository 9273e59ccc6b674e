# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""The audit report: a reachability map of the audited groups, rendered as Markdown (with Mermaid) or JSON.

Pure functions, no I/O: the module writes the text they return.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import tempfile
from collections import OrderedDict, namedtuple

from ansible_collections.cloudwall.alicloud.plugins.module_utils._audit import (
    CHECKS,
    MEMBER_SCOPE,
    SEVERITIES,
    describe_access,
    rule_reach,
)
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import INGRESS, PEER_CIDR, PEER_GROUP

# Mermaid refuses to draw a flowchart with more edges than this (its default maxEdges); bigger maps are
# split into one chart per batch of target groups.
MERMAID_MAX_EDGES = 500

NODE_AUDITED = "audited_group"
NODE_PEER_GROUP = "other_group"
NODE_INTERNET = "internet_cidr"
NODE_INTRANET = "intranet_cidr"
NODE_PREFIX_LIST = "prefix_list"

MapNode = namedtuple("MapNode", ["node_id", "label", "kind"])
MapEdge = namedtuple("MapEdge", ["source", "target", "label", "inner"])


# ---------------------------------------------------------------------------------------------------------
# The reachability map


class _NodeIds:
    """Stable Mermaid node ids (letters, digits, underscores) made from resource ids or CIDRs."""

    def __init__(self):
        self.by_key = OrderedDict()
        self.used = set()

    def get(self, key, readable):
        """The id of ``key`` (unique per node), made from ``readable`` (a resource id or a CIDR)."""
        if key not in self.by_key:
            base = re.sub(r"[^0-9A-Za-z]", "_", readable)
            node_id, counter = base, 1
            while node_id in self.used:
                counter += 1
                node_id = "%s_%d" % (base, counter)
            self.used.add(node_id)
            self.by_key[key] = node_id
        return self.by_key[key]


def _peer_node(group, rule, ids, names):
    if rule.peer_kind == PEER_GROUP:
        label = names.get(rule.peer) or rule.peer_name or rule.peer
        if rule.peer_owner:
            label = "%s (account %s)" % (label, rule.peer_owner)
        kind = NODE_AUDITED if rule.peer in names and not rule.peer_owner else NODE_PEER_GROUP
        return MapNode(ids.get(("group", rule.peer_owner, rule.peer), rule.peer), label, kind)
    if rule.peer_kind == PEER_CIDR:
        kind = NODE_INTERNET if rule_reach(group, rule) == "internet" else NODE_INTRANET
        return MapNode(ids.get(("cidr", kind, rule.peer), "cidr_" + rule.peer), rule.peer, kind)
    return MapNode(ids.get(("prefix_list", rule.peer), rule.peer), rule.peer_name or rule.peer, NODE_PREFIX_LIST)


def reachability(groups):
    """``(nodes, edges)``: who may reach each audited group, from its accept ingress rules.

    An edge runs from a peer (a CIDR, a group by name, a prefix list) to the group, labelled with the
    protocols and ports of every rule between the two, in rule order. Accept rules that a drop shadows grant nothing and
    draw no edge. A group whose inner access policy is accept gets a self edge: its members reach each other.
    """
    ids = _NodeIds()
    names = dict((group.group_id, group.name or group.group_id) for group in groups)
    nodes = OrderedDict()
    labels = OrderedDict()
    inner = []
    for group in groups:
        target = MapNode(ids.get(("group", "", group.group_id), group.group_id), names[group.group_id], NODE_AUDITED)
        nodes[target.node_id] = target
    for group in groups:
        target_id = ids.get(("group", "", group.group_id), group.group_id)
        if group.inner_access_policy == "accept":
            inner.append(MapEdge(target_id, target_id, "all (members reach each other)", True))
        for rule, drop in zip(group.rules, group.shadowed_by):
            if rule.direction != INGRESS or rule.policy != "accept" or drop is not None:
                continue
            source = _peer_node(group, rule, ids, names)
            nodes.setdefault(source.node_id, source)
            access = labels.setdefault((source.node_id, target_id), [])
            text = describe_access(rule)
            if text not in access:
                access.append(text)
    edges = [MapEdge(source, target, ", ".join(access), False) for (source, target), access in labels.items()]
    return list(nodes.values()), edges + inner


def _mermaid_text(text):
    """A label inside Mermaid double quotes: quotes and pipes become entity codes."""
    return str(text).replace('"', "#quot;").replace("|", "#124;")


_NODE_SHAPES = {
    NODE_AUDITED: '%s["%s"]',
    NODE_PEER_GROUP: '%s["%s"]',
    NODE_INTERNET: '%s(["%s"])',
    NODE_INTRANET: '%s(["%s"])',
    NODE_PREFIX_LIST: '%s[/"%s"/]',
}

_CLASS_DEFS = (
    "classDef audited_group fill:#e8f4ea,stroke:#2e7d32",
    "classDef other_group fill:#f3f3f3,stroke:#757575,stroke-dasharray:4 2",
    "classDef internet_cidr fill:#fdecea,stroke:#c62828",
    "classDef intranet_cidr fill:#fff8e1,stroke:#f9a825",
    "classDef prefix_list fill:#e3f2fd,stroke:#1565c0",
)


def _edge_batches(edges):
    """Edges split so that no chart has more than MERMAID_MAX_EDGES, keeping each target's edges together."""
    by_target = OrderedDict()
    for edge in edges:
        by_target.setdefault(edge.target, []).append(edge)
    batches, current = [], []
    for target_edges in by_target.values():
        if current and len(current) + len(target_edges) > MERMAID_MAX_EDGES:
            batches.append(current)
            current = []
        current.extend(target_edges)
    if current or not batches:
        batches.append(current)
    return batches


def mermaid_charts(nodes, edges):
    """One or more ``flowchart LR`` texts; several only when the map has more edges than Mermaid draws."""
    by_id = dict((node.node_id, node) for node in nodes)
    charts = []
    batches = _edge_batches(edges)
    for batch in batches:
        used = OrderedDict()
        for edge in batch:
            used[edge.source] = True
            used[edge.target] = True
        if len(batches) == 1:
            # One chart shows every node, so groups nobody may reach appear too.
            used = OrderedDict((node.node_id, True) for node in nodes)
        lines = ["flowchart LR"]
        for node_id in used:
            node = by_id[node_id]
            lines.append("  " + _NODE_SHAPES[node.kind] % (node.node_id, _mermaid_text(node.label)))
        for edge in batch:
            arrow = "-.->" if edge.inner else "-->"
            lines.append('  %s %s|"%s"| %s' % (edge.source, arrow, _mermaid_text(edge.label), edge.target))
        lines.extend("  " + line for line in _CLASS_DEFS)
        for kind in (NODE_AUDITED, NODE_PEER_GROUP, NODE_INTERNET, NODE_INTRANET, NODE_PREFIX_LIST):
            members = [node_id for node_id in used if by_id[node_id].kind == kind]
            if members:
                lines.append("  class %s %s" % (",".join(members), kind))
        charts.append("\n".join(lines) + "\n")
    return charts


# ---------------------------------------------------------------------------------------------------------
# Markdown


def _cell(text):
    """Text safe inside a Markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _code(text):
    return "`%s`" % str(text).replace("`", "'") if text else ""


def _group_heading(group):
    name = group.name or group.group_id
    return "%s (`%s`)" % (_cell(name), group.group_id)


def _group_facts(group):
    network = "VPC `%s`" % group.vpc_id if group.vpc_id else "classic network"
    tags = ", ".join("`%s=%s`" % (key, value) for key, value in sorted(group.tags.items())) if group.tags else "none"
    return "%s, %s group; rules: %d; members: %d; tags: %s" % (
        network, group.group_type or "normal", len(group.rules), len(group.member_ids), tags)


def _findings_table(findings, with_member=False):
    lines = ["| Severity | Check | %s | Finding |" % ("Member" if with_member else "Rule"), "| --- | --- | --- | --- |"]
    for finding in findings:
        where = finding.member_id if with_member else finding.rule_id
        lines.append("| %s | %s | %s | %s |" % (finding.severity, _code(finding.check), _code(where), _cell(finding.message)))
    return lines


def render_markdown(groups, findings, summary, region=None):
    """The whole report as Markdown: summary, findings by group, then the reachability map."""
    lines = ["# Security group audit", ""]
    scope = "Region `%s`. " % region if region else ""
    lines.append("%sGroups audited: %d. Findings: %d (%s)." % (
        scope, summary["groups_audited"], summary["findings"],
        ", ".join("%d %s" % (summary["by_severity"][severity], severity) for severity in reversed(SEVERITIES))))
    lines += ["", "## Summary", "", "| Severity | Findings |", "| --- | --- |"]
    for severity in reversed(SEVERITIES):
        lines.append("| %s | %d |" % (severity, summary["by_severity"][severity]))
    lines += ["", "| Check | Severity | Findings | What it means | What to do |", "| --- | --- | --- | --- | --- |"]
    for check_id, count in summary["by_check"].items():
        check = CHECKS[check_id]
        lines.append("| %s | %s | %d | %s | %s |" % (_code(check_id), check.severity, count, _cell(check.title),
                                                     _cell(check.recommendation)))
    if summary["disabled_checks"]:
        lines += ["", "Disabled checks: %s." % ", ".join(_code(check) for check in summary["disabled_checks"])]

    lines += ["", "## Findings by group", ""]
    by_group = OrderedDict((group.group_id, []) for group in groups)
    member_findings = []
    for finding in findings:
        if CHECKS[finding.check].scope == MEMBER_SCOPE:
            member_findings.append(finding)
        else:
            by_group.setdefault(finding.security_group_id, []).append(finding)
    for group in groups:
        lines += ["### %s" % _group_heading(group), "", _group_facts(group) + ".", ""]
        group_findings = by_group[group.group_id]
        if group_findings:
            lines += _findings_table(group_findings) + [""]
        else:
            lines += ["No findings.", ""]
    if not groups:
        lines += ["No group matched the selection.", ""]
    if member_findings:
        lines += ["## Instances and network interfaces", ""] + _findings_table(member_findings, with_member=True) + [""]

    nodes, edges = reachability(groups)
    lines += ["## Reachability map", "",
              "Who may reach which group on which ports, from the accept ingress rules (accept rules shadowed by a "
              "drop are left out). Red: Internet CIDRs; yellow: intranet CIDRs; green: audited groups; grey, dashed: "
              "groups outside the audit; blue: prefix lists. A dotted self edge means the group's inner access "
              "policy lets its members reach each other.", ""]
    charts = mermaid_charts(nodes, edges)
    if len(charts) > 1:
        lines += ["The map has %d edges, more than Mermaid draws in one chart (%d), so it is split in %d charts." % (
            len(edges), MERMAID_MAX_EDGES, len(charts)), ""]
    for chart in charts:
        lines += ["```mermaid", chart.rstrip("\n"), "```", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------
# JSON


def finding_to_dict(finding):
    return dict(finding._asdict())


def render_json(groups, findings, summary, region=None):
    """The same content as the Markdown report, as JSON (the map as nodes and edges)."""
    nodes, edges = reachability(groups)
    document = OrderedDict([
        ("region", region or ""),
        ("summary", summary),
        ("findings", [finding_to_dict(finding) for finding in findings]),
        ("groups", [OrderedDict([
            ("security_group_id", group.group_id), ("security_group_name", group.name), ("vpc_id", group.vpc_id),
            ("security_group_type", group.group_type), ("inner_access_policy", group.inner_access_policy),
            ("rules", len(group.rules)), ("members", len(group.member_ids)), ("tags", group.tags),
        ]) for group in groups]),
        ("reachability", OrderedDict([
            ("nodes", [dict(node._asdict()) for node in nodes]),
            ("edges", [dict(edge._asdict()) for edge in edges]),
        ])),
    ])
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def render_report(path, groups, findings, summary, region=None):
    """JSON when ``path`` ends in ``.json`` (any case), else Markdown."""
    if path.lower().endswith(".json"):
        return render_json(groups, findings, summary, region)
    return render_markdown(groups, findings, summary, region)


def write_report_file(path, text):
    """Replace the report at ``path`` atomically: a reader never sees half a report. Raises OSError."""
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=".sg_audit-", dir=os.path.dirname(path))
        with os.fdopen(handle, "w", encoding="utf-8") as report:
            report.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except (IOError, OSError):
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
        raise
