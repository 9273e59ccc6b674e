# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""The audit report: reachability maps and matrices of the audited groups, rendered as Markdown (with Mermaid) or JSON.

Pure functions, no I/O: the module writes the text they return.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import tempfile
from functools import lru_cache
from collections import OrderedDict, namedtuple

from ansible_collections.cloudwall.alicloud.plugins.module_utils import _reachability as ra
from ansible_collections.cloudwall.alicloud.plugins.module_utils._audit import (
    CHECKS,
    MEMBER_SCOPE,
    SEVERITIES,
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
# Escaping: every value that comes from the cloud (names, descriptions, tags, rule descriptions, peer names)
# passes through one of these before it reaches Markdown or Mermaid, so that it cannot start a line, a heading,
# a table row, a code fence, a link or HTML. The JSON report carries the values exactly.

# Line breaks of any kind (CommonMark ends lines at \n and \r; Unicode adds more) and other control characters.
_BREAKS = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]+")
# ASCII punctuation with a meaning inside a line in CommonMark or GFM (emphasis, code, links, images, autolinks
# such as http: and www., HTML, entities, table cells, closing heading marks, strikethrough, math); CommonMark
# lets a backslash escape each of them. Marks that matter only at the start of a line (-, +, =, 1.) need none:
# a value never starts a line, every template puts text before it.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#.!|<>~:&@$])")


def md_text(value):
    """Inline Markdown text that renders as the value and nothing else, on one line (also safe in a table cell)."""
    return _md_escaped(str(value))


@lru_cache(maxsize=4096)
def _md_escaped(text):
    # Cached: a reachability matrix repeats a few labels ("-", "tcp 22") over up to a million cells.
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _BREAKS.sub(" ", text))


def md_code(value, in_table=False):
    """A code span: one line, no backtick to close it early (and, in a GFM table, no pipe to end the cell)."""
    text = _BREAKS.sub(" ", str(value)).replace("`", "'") if value else ""
    if in_table:
        text = text.replace("|", "\\|")
    return "`%s`" % text if text else ""


def mermaid_text(value):
    """A label inside Mermaid double quotes: letters, digits and plain punctuation as they are, every other
    character as Mermaid's ``#code;`` entity, so that no quote, bracket, backtick, HTML or entity gets through."""
    text = _BREAKS.sub(" ", str(value))
    return "".join(char if char.isalnum() or char in " ,./:=+-_()@" else "#%d;" % ord(char) for char in text)


def markdown_table(header, rows):
    """A GFM table whose cells are escaped with ``md_text``."""
    lines = ["| %s |" % " | ".join(md_text(cell) for cell in header), "|%s" % (" --- |" * len(header))]
    for row in rows:
        lines.append("| %s |" % " | ".join(md_text(cell) for cell in row))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------
# The reachability map, from the evaluation of _reachability: an edge says what the rules of a group that name
# a peer (a group, a CIDR block, a prefix list) actually let that peer use, after priorities, drops and egress.

# Past this many groups in one VPC a graph is no longer readable: the report gives the matrix table alone.
MAP_MAX_GROUPS = 25
# More CIDR peers of one kind than this in a chart are drawn as one node of that kind.
MAP_MAX_CIDR_NODES = 8


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


def _peer(group, rule, ids, by_id):
    """``(MapNode, source Endpoint, IP version)`` of the peer a rule names."""
    if rule.peer_kind == PEER_GROUP:
        audited = by_id.get(rule.peer) if not rule.peer_owner else None
        label = (audited.name if audited is not None else "") or rule.peer_name or rule.peer
        if rule.peer_owner:
            label = "%s (account %s)" % (label, rule.peer_owner)
        kind = NODE_AUDITED if audited is not None else NODE_PEER_GROUP
        source = ra.group_endpoint(audited) if audited is not None else ra.unknown_group_endpoint(rule.peer, rule.peer_name)
        return MapNode(ids.get(("group", rule.peer_owner, rule.peer), rule.peer), label, kind), source, 4
    if rule.peer_kind == PEER_CIDR:
        path = rule_reach(group, rule)
        kind = NODE_INTERNET if path == "internet" else NODE_INTRANET
        node = MapNode(ids.get(("cidr", kind, rule.peer), "cidr_" + rule.peer), rule.peer, kind)
        try:
            return node, ra.cidr_endpoint(rule.peer, path), 6 if ":" in rule.peer else 4
        except ValueError:
            return node, None, 4
    node = MapNode(ids.get(("prefix_list", rule.peer), rule.peer), rule.peer_name or rule.peer, NODE_PREFIX_LIST)
    return node, ra.prefix_list_endpoint(rule.peer, rule.peer_name), 4


def _protocols(version):
    return ("TCP", "UDP", "ICMPV6", "GRE") if version == 6 else ("TCP", "UDP", "ICMP", "GRE")


def reachability(groups):
    """``(nodes, edges)``: who may reach each audited group, and on what.

    For every peer an accept ingress rule of a group names, the evaluation (_reachability) says which of the
    protocols and ports those rules grant actually get through: after higher-priority drops, drops of equal
    priority, the peer's own egress rules when it is an audited group. An edge runs from the peer to the group,
    labelled with them; a peer that gets nothing draws no edge, and a CIDR peer that gets in only in part (rules for
    blocks inside it drop the rest) draws its edge. A group whose inner access policy lets its members
    reach each other gets a dotted self edge with what they reach each other on.
    """
    ids = _NodeIds()
    by_id = OrderedDict((group.group_id, group) for group in groups)
    cache = {}  # one for every evaluation over these groups: each group's rules are ordered once
    nodes = OrderedDict()
    edges = []
    inner = []
    for group in groups:
        target = MapNode(ids.get(("group", "", group.group_id), group.group_id), group.name or group.group_id, NODE_AUDITED)
        nodes[target.node_id] = target
    for group in groups:
        target_id = ids.get(("group", "", group.group_id), group.group_id)
        destination = ra.group_endpoint(group)
        if group.inner_access_policy == "accept" and group.group_type != "enterprise":
            access = ra.describe_reach(destination, destination, by_id, cache=cache)
            if access:
                label = "all (members reach each other)" if access == ["all protocols"] else ", ".join(access)
                inner.append(MapEdge(target_id, target_id, label, True))
        peers = OrderedDict()
        for rule in group.rules:
            if rule.direction != INGRESS or rule.policy != "accept":
                continue
            node, source, version = _peer(group, rule, ids, by_id)
            if source is None:
                continue
            peers.setdefault(node.node_id, (node, source, version, []))[3].append(rule)
        for node_id, (node, source, version, rules) in peers.items():
            access = ra.describe_reach(source, destination, by_id, protocols=_protocols(version), ip_version=version,
                                       within=rules, cache=cache)
            if access:
                nodes.setdefault(node_id, node)
                edges.append(MapEdge(node_id, target_id, ", ".join(access), False))
    used = set(edge.source for edge in edges) | set(edge.target for edge in edges)
    kept = [node for node in nodes.values() if node.kind == NODE_AUDITED or node.node_id in used]
    return kept, edges + inner


def _merge_cidr_nodes(nodes, edges):
    """At most MAP_MAX_CIDR_NODES CIDR nodes of a kind; more become one node of that kind, edges merged per
    (node, target) with their ports."""
    merged_nodes, renamed = [], {}
    for kind, title in ((NODE_INTERNET, "Internet CIDRs"), (NODE_INTRANET, "intranet CIDRs")):
        of_kind = [node for node in nodes if node.kind == kind]
        if len(of_kind) <= MAP_MAX_CIDR_NODES:
            continue
        shown = ", ".join(node.label for node in of_kind[:6])
        more = " and %d more" % (len(of_kind) - 6) if len(of_kind) > 6 else ""
        merged = MapNode("cidrs_" + kind, "%s: %s%s" % (title, shown, more), kind)
        merged_nodes.append(merged)
        for node in of_kind:
            renamed[node.node_id] = merged.node_id
    if not renamed:
        return nodes, edges
    kept = [node for node in nodes if node.node_id not in renamed] + merged_nodes
    labels = OrderedDict()
    for edge in edges:
        key = (renamed.get(edge.source, edge.source), edge.target, edge.inner)
        labels.setdefault(key, []).append(edge.label)
    merged_edges = [MapEdge(source, target, ", ".join(ra.merge_port_labels(parts)), inner)
                    for (source, target, inner), parts in labels.items()]
    return kept, merged_edges


def vpc_maps(groups):
    """One map per VPC (the classic network is one too): ``[(vpc_id, groups, nodes, edges)]``, CIDR nodes merged
    by kind past MAP_MAX_CIDR_NODES. Peers outside a VPC's groups are drawn in the charts of the groups they reach."""
    nodes, edges = reachability(groups)
    by_node = dict((node.node_id, node) for node in nodes)
    node_of_group = dict((group.group_id, node.node_id) for group, node in
                         zip(groups, [node for node in nodes if node.kind == NODE_AUDITED]))
    by_vpc = OrderedDict()
    for group in groups:
        by_vpc.setdefault(group.vpc_id or "", []).append(group)
    maps = []
    for vpc_id, vpc_groups in by_vpc.items():
        targets = set(node_of_group[group.group_id] for group in vpc_groups)
        vpc_edges = [edge for edge in edges if edge.target in targets]
        used = OrderedDict((node_id, True) for node_id in [node_of_group[group.group_id] for group in vpc_groups])
        for edge in vpc_edges:
            used.setdefault(edge.source, True)
        vpc_nodes, vpc_edges = _merge_cidr_nodes([by_node[node_id] for node_id in used], vpc_edges)
        maps.append((vpc_id, vpc_groups, vpc_nodes, vpc_edges))
    return maps


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
            lines.append("  " + _NODE_SHAPES[node.kind] % (node.node_id, mermaid_text(node.label)))
        for edge in batch:
            arrow = "-.->" if edge.inner else "-->"
            lines.append('  %s %s|"%s"| %s' % (edge.source, arrow, mermaid_text(edge.label), edge.target))
        lines.extend("  " + line for line in _CLASS_DEFS)
        for kind in (NODE_AUDITED, NODE_PEER_GROUP, NODE_INTERNET, NODE_INTRANET, NODE_PREFIX_LIST):
            members = [node_id for node_id in used if by_id[node_id].kind == kind]
            if members:
                lines.append("  class %s %s" % (",".join(members), kind))
        charts.append("\n".join(lines) + "\n")
    return charts


def map_matrix(nodes, edges):
    """``(header, rows)``: who may reach whom, the same edges as the chart. Columns are the audited groups,
    rows every node with an edge (and every audited group); a cell is the edge's label, ``-`` when none."""
    targets = [node for node in nodes if node.kind == NODE_AUDITED]
    labels = dict(((edge.source, edge.target), edge.label) for edge in edges)
    sources = targets + [node for node in nodes if node.kind != NODE_AUDITED]
    header = ["from \\ to"] + [node.label for node in targets]
    rows = [[node.label] + [labels.get((node.node_id, target.node_id), "-") for target in targets] for node in sources]
    return header, rows


# ---------------------------------------------------------------------------------------------------------
# Markdown


def _cell(text):
    """Text safe inside a Markdown table cell (and anywhere in a line)."""
    return md_text(text)


def _code(text):
    """A code span inside a table cell."""
    return md_code(text, in_table=True)


def _group_heading(group):
    name = group.name or group.group_id
    return "%s (%s)" % (md_text(name), md_code(group.group_id))


def _group_facts(group):
    network = "VPC %s" % md_code(group.vpc_id) if group.vpc_id else "classic network"
    tags = ", ".join(md_code("%s=%s" % (key, value)) for key, value in sorted(group.tags.items())) if group.tags else "none"
    return "%s, %s group; rules: %d; members: %d; tags: %s" % (
        network, md_text(group.group_type or "normal"), len(group.rules), len(group.member_ids), tags)


def _findings_table(findings, with_member=False):
    lines = ["| Severity | Check | %s | Finding |" % ("Member" if with_member else "Rule"), "| --- | --- | --- | --- |"]
    for finding in findings:
        where = finding.member_id if with_member else finding.rule_id
        lines.append("| %s | %s | %s | %s |" % (finding.severity, _code(finding.check), _code(where), _cell(finding.message)))
    return lines


def _map_section(groups):
    lines = ["## Reachability map", "",
             "Who may reach which group on which ports: for each peer that a group's accept ingress rules name, what "
             "those rules let it use after priorities, drops and the peer's own egress rules (the evaluation of "
             "cloudwall.alicloud.sg_reachability). One map per VPC; past %d groups a VPC gets the table alone. Red: "
             "Internet CIDRs; yellow: intranet CIDRs; green: audited groups; grey, dashed: groups outside the audit; "
             "blue: prefix lists. A dotted self edge means the group's inner access policy lets its members reach each "
             "other." % MAP_MAX_GROUPS, ""]
    if not groups:
        return lines + ["No group, no map.", ""]
    for vpc_id, vpc_groups, nodes, edges in vpc_maps(groups):
        title = "VPC %s" % md_code(vpc_id) if vpc_id else "Classic network"
        lines += ["### %s" % title, ""]
        if len(vpc_groups) <= MAP_MAX_GROUPS:
            charts = mermaid_charts(nodes, edges)
            if len(charts) > 1:
                lines += ["The map has %d edges, more than Mermaid draws in one chart (%d), so it is split in %d charts." % (
                    len(edges), MERMAID_MAX_EDGES, len(charts)), ""]
            for chart in charts:
                lines += ["```mermaid", chart.rstrip("\n"), "```", ""]
        else:
            lines += ["%d groups are more than a map can show readably (%d): who may reach whom is in the table." % (
                len(vpc_groups), MAP_MAX_GROUPS), ""]
        header, rows = map_matrix(nodes, edges)
        lines += ["Who may reach whom (rows reach columns):", "", markdown_table(header, rows)]
    return lines


def render_markdown(groups, findings, summary, region=None):
    """The whole report as Markdown: summary, findings by group, then the reachability maps and matrices."""
    lines = ["# Security group audit", ""]
    scope = "Region %s. " % md_code(region) if region else ""
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
        lines += ["", "Disabled checks: %s." % ", ".join(md_code(check) for check in summary["disabled_checks"])]

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

    lines += _map_section(groups)
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
