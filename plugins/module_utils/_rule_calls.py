# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""Pure glue between declared rules, a rule plan and the API: which peers to look up, how names resolve, the
calls that apply a plan and the rules it leaves. No I/O: ``sg_rule`` reads, calls these, then writes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.cloudwall.alicloud.plugins.module_utils._groups import GROUP_ID_PATTERN, describe_candidate
from ansible_collections.cloudwall.alicloud.plugins.module_utils._rules import (
    EGRESS,
    INGRESS,
    RULE_ALIASES,
    ParsedRules,
    RuleContext,
    RuleError,
    parse_rules,
    render_rule,
    rule_to_result,
    snake_rule,
)

MODIFY_ACTIONS = {INGRESS: "ModifySecurityGroupRule", EGRESS: "ModifySecurityGroupEgressRule"}

# One API call of a plan: ``lines`` are the rendered changes it makes, for progress and failure reports.
Call = namedtuple("Call", ["action", "params", "lines"])


# Where a rule may name its peer group and the group's owner: the options and their anchor-collection keys.
GROUP_KEYS = ("group",) + tuple(RULE_ALIASES["group"]) + ("source_group_id", "dest_group_id")
OWNER_KEYS = ("group_owner_account", "group_owner_id") + tuple(RULE_ALIASES["group_owner_account"] + RULE_ALIASES["group_owner_id"])


def _has_owner(declared, own_account=""):
    """Whether the rule names an owner of its peer group other than ``own_account`` (our own, when known)."""
    return any(declared.get(key) and str(declared.get(key)).strip() != own_account for key in OWNER_KEYS)


def _group_ref(declared):
    return next((declared[key] for key in GROUP_KEYS if declared.get(key)), None)


def has_owner(declared_rules):
    """Whether any rule names the owner of its peer group."""
    return any(isinstance(declared, dict) and _has_owner(declared) for declared in declared_rules)


def peer_group_refs(declared_rules, own_account=""):
    """Group peers, as written, that must be looked up in our account (other accounts' groups cannot be)."""
    refs = []
    for declared in declared_rules:
        if not isinstance(declared, dict) or _has_owner(declared, own_account):
            continue
        ref = _group_ref(declared)
        if isinstance(ref, str) and ref.strip() and ref.strip() not in refs:
            refs.append(ref.strip())
    return refs


def needs_group_type(declared_rules):
    """Whether validation depends on the group type: enterprise groups refuse drop rules and group peers."""
    for declared in declared_rules:
        if not isinstance(declared, dict):
            continue
        if str(declared.get("policy") or "").strip().lower() == "drop" or _group_ref(declared):
            return True
    return False


def parse_declared(declared, context):
    """``parse_rules()`` of several options at once (``[(option, raw rules)]``): every problem of all of them in one
    RuleError, the rules and warnings concatenated."""
    rules, warnings, problems = [], [], []
    for option, raw_rules in declared:
        try:
            parsed = parse_rules(raw_rules, context, option)
        except RuleError as error:
            problems.extend(error.problems)
            continue
        rules.extend(parsed.rules)
        warnings.extend(parsed.warnings)
    if problems:
        raise RuleError(problems)
    return ParsedRules(rules, warnings)


def syntax_context():
    """A context for checking rules before any call: every group reference is taken as given (names stay
    distinct), and nothing depends on the group, so only problems that hold for any group are found."""
    return RuleContext(resolve_group=lambda ref: ref)


def parsed_once(declared_rules, context):
    """Whether parsing under ``context`` gives exactly what syntax_context() gave, so the first parse can be kept:
    a normal VPC group (the syntax context's defaults) and no group peer (names, self-reference and owners need the
    group). Most rule sets are CIDR rules of VPC groups; parsing them twice would double the module's own work."""
    if not context.is_vpc or context.group_type != "normal":
        return False
    return not any(isinstance(declared, dict) and _group_ref(declared) for declared in declared_rules)


def resolver(groups, where, missing=None):
    """``resolve(ref) -> group id`` over ``groups`` (raw DescribeSecurityGroups items): an id first, then an exact
    name that must be unique. Raises LookupError naming the candidates. ``missing(name) -> group id``, when given,
    answers for a name (not an id) that matches no group (check mode's planned groups)."""
    def resolve(ref):
        for group in groups:
            if group.get("SecurityGroupId") == ref:
                return ref
        matches = [group for group in groups if group.get("SecurityGroupName") == ref]
        if len(matches) == 1:
            return matches[0]["SecurityGroupId"]
        if not matches and missing is not None and not GROUP_ID_PATTERN.match(ref):
            return missing(ref)
        if not matches:
            raise LookupError("no security group with id or name %s in %s" % (ref, where))
        raise LookupError("%d groups are named %s in %s: %s; give the id"
                          % (len(matches), ref, where, ", ".join(sorted(describe_candidate(group) for group in matches))))
    return resolve


def _quoted(text):
    return '"%s"' % (text or "")


def plan_calls(plan, group_id, group_names=None):
    """The API calls that apply ``plan``, in order: its Authorize/Revoke batches, then one Modify per description."""
    calls = []
    for batch in plan.batches():
        verb = "authorize" if batch.action.startswith("Authorize") else "revoke"
        params = {"SecurityGroupId": group_id}
        if verb == "authorize":
            params["Permissions"] = batch.permissions
        else:
            params["SecurityGroupRuleId"] = batch.rule_ids
        calls.append(Call(batch.action, params, ["%s %s" % (verb, render_rule(rule, group_names)) for rule in batch.rules]))
    for change in plan.modify:
        rule = change.rule
        params = {"SecurityGroupId": group_id, "SecurityGroupRuleId": rule.rule_id, "Description": change.description}
        line = "modify %s: description %s" % (render_rule(rule, group_names, with_description=False),
                                              _quoted(rule.description) + " -> " + _quoted(change.description))
        calls.append(Call(MODIFY_ACTIONS[rule.direction], params, [line]))
    return calls


def rules_after(plan, permissions):
    """RV(rules) as the plan will leave them: kept rules as described (new descriptions applied), then added ones."""
    removed = set(rule.rule_id for rules in plan.remove.values() for rule in rules)
    descriptions = dict((change.rule.rule_id, change.description) for change in plan.modify)
    after = []
    for permission in permissions:
        result = snake_rule(permission)
        rule_id = result["security_group_rule_id"]
        if rule_id in removed:
            continue
        if rule_id in descriptions:
            result["description"] = descriptions[rule_id]
        after.append(result)
    return after + [rule_to_result(rule) for rules in plan.add.values() for rule in rules]
