# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# This module_utils file is private to cloudwall.alicloud: other collections and playbooks must not
# import it; it may change in any release without notice.
"""Pure planning of security-group membership for instances and ENIs: no I/O.

The planner takes what was read (targets with their current groups, the groups involved), the wanted
groups and the state, and returns every change to make plus every rule a change would break. The API
refuses the same things one call at a time; checking them all up front means a run that would break
one rule changes nothing, and the user sees every problem at once.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type  # pylint: disable=invalid-name

from ansible_collections.cloudwall.alicloud.plugins.module_utils._lists import items_at, unique

import collections

INSTANCE = "instance"
NETWORK_INTERFACE = "network_interface"

PRESENT = "present"
ABSENT = "absent"
EXACT = "exact"
STATES = (PRESENT, ABSENT, EXACT)

# Only in these statuses does ECS accept a change of groups (JoinSecurityGroup, LeaveSecurityGroup,
# Modify*Attribute); anything else is IncorrectInstanceStatus.
CHANGEABLE_STATUSES = {
    INSTANCE: ("Running", "Stopped"),
    NETWORK_INTERFACE: ("Available", "InUse"),
}

JOIN = "join"
LEAVE = "leave"
REPLACE = "replace"

# ``vpc_id`` is "" for a classic instance or group.
Target = collections.namedtuple("Target", ["id", "kind", "vpc_id", "status", "group_ids"])
# ``service_managed``: a cloud service owns the group and ECS refuses to change its members.
Group = collections.namedtuple("Group", ["id", "name", "vpc_id", "type", "service_managed"], defaults=(False,))
# ``replace``: the whole set is written in one Modify*Attribute call (state exact) instead of joins and leaves.
Change = collections.namedtuple("Change", ["target_id", "kind", "before", "after", "joins", "leaves", "replace"])
Plan = collections.namedtuple("Plan", ["changes", "problems"])


def target_from_instance(raw):
    """A DescribeInstances item as a Target."""
    vpc_id = (raw.get("VpcAttributes") or {}).get("VpcId") or ""
    if raw.get("InstanceNetworkType") == "classic":
        vpc_id = ""
    return Target(id=raw.get("InstanceId"), kind=INSTANCE, vpc_id=vpc_id, status=raw.get("Status") or "",
                  group_ids=items_at(raw, "SecurityGroupIds.SecurityGroupId"))


def target_from_network_interface(raw):
    """A DescribeNetworkInterfaces item as a Target."""
    return Target(id=raw.get("NetworkInterfaceId"), kind=NETWORK_INTERFACE, vpc_id=raw.get("VpcId") or "",
                  status=raw.get("Status") or "", group_ids=items_at(raw, "SecurityGroupIds.SecurityGroupId"))


def group_from_api(raw):
    """A DescribeSecurityGroups item as a Group."""
    managed = raw.get("ServiceManaged")
    return Group(id=raw.get("SecurityGroupId"), name=raw.get("SecurityGroupName") or "", vpc_id=raw.get("VpcId") or "",
                 type=(raw.get("SecurityGroupType") or "normal").lower(),
                 service_managed=managed is True or str(managed).strip().lower() == "true")


def target_option(kind):
    """The module option that names targets of this kind."""
    return "instance_ids" if kind == INSTANCE else "network_interface_ids"


def label(kind, target_id):
    """How a target is named in messages: ``instance i-...`` or ``network interface eni-...``."""
    return "%s %s" % ("instance" if kind == INSTANCE else "network interface", target_id)


def membership_after(before, wanted, state):
    """The group ids a target ends with. ``exact`` keeps the current order when the set is already right."""
    wanted = unique(wanted)
    if state == PRESENT:
        return before + [group_id for group_id in wanted if group_id not in before]
    if state == ABSENT:
        return [group_id for group_id in before if group_id not in wanted]
    if state == EXACT:
        return list(before) if set(before) == set(wanted) else list(wanted)
    raise ValueError("state must be one of %s, got %r" % (", ".join(STATES), state))


def _network_problem(target, group):
    """Why ``target`` cannot be in ``group`` (classic vs VPC, or another VPC), or None."""
    if target.vpc_id == group.vpc_id:
        return None
    if not target.vpc_id:
        return "is in the classic network and cannot join VPC group %s (of %s)" % (group.id, group.vpc_id)
    if not group.vpc_id:
        return "is in %s and cannot join classic group %s" % (target.vpc_id, group.id)
    return "is in %s and cannot join group %s of another VPC (%s)" % (target.vpc_id, group.id, group.vpc_id)


def check_change(target, after, groups, max_groups):
    """Every rule that moving ``target`` to the ``after`` groups would break, as messages naming the target.

    ``groups`` maps group ids to Groups and must hold every id of ``after``; unknown ids are skipped.
    """
    name = label(target.kind, target.id)
    problems = []
    allowed = CHANGEABLE_STATUSES[target.kind]
    if target.status not in allowed:
        problems.append("%s: %s is %s: its security groups can change only while it is %s"
                        % (target_option(target.kind), name, target.status or "in an unknown status", " or ".join(allowed)))
    if not after:
        problems.append("security_groups: %s would be left without a security group (leaving %s); every %s needs at least one"
                        % (name, ", ".join(target.group_ids), "instance" if target.kind == INSTANCE else "network interface"))
    if len(after) > max_groups:
        problems.append("%s would be in %d security groups (%s); max_groups is %d"
                        % (name, len(after), ", ".join(after), max_groups))
    for group_id in after:
        if group_id in target.group_ids or group_id not in groups:
            continue
        why = _network_problem(target, groups[group_id])
        if why:
            problems.append("security_groups: %s %s" % (name, why))
    for group_id in [group_id for group_id in after if group_id not in target.group_ids] + \
            [group_id for group_id in target.group_ids if group_id not in after]:
        if group_id in groups and groups[group_id].service_managed:
            problems.append("security_groups: %s would %s group %s, which a cloud service manages (ServiceManaged); "
                            "ECS refuses to change its members" % (name, "join" if group_id in after else "leave", group_id))
    by_type = collections.OrderedDict()
    for group_id in after:
        if group_id in groups:
            by_type.setdefault(groups[group_id].type, []).append(group_id)
    if len(by_type) > 1:
        problems.append("security_groups: %s would mix %s; normal and enterprise groups cannot share an instance or network interface"
                        % (name, " and ".join("%s groups (%s)" % (kind, ", ".join(ids)) for kind, ids in by_type.items())))
    return problems


def plan_membership(kind, target_ids, found, wanted, groups, state, max_groups):
    """Plan every target's membership; collect every problem across targets.

    ``target_ids``: the requested ids, in order; ``found``: {id: Target} of those that exist;
    ``wanted``: the group ids of the ``security_groups`` option; ``groups``: {id: Group} covering the
    wanted groups and the targets' current groups. Returns Plan(changes, problems): one Change per
    existing target (a no-op has ``before == after``) and a list of messages. A target that needs no
    change is never a problem, whatever its status.
    """
    wanted = unique(wanted)
    changes = []
    problems = []
    for target_id in unique(target_ids):
        target = found.get(target_id)
        if target is None:
            problems.append("%s: %s was not found" % (target_option(kind), label(kind, target_id)))
            continue
        before = list(target.group_ids)
        after = membership_after(before, wanted, state)
        joins = [group_id for group_id in after if group_id not in before]
        leaves = [group_id for group_id in before if group_id not in after]
        if joins or leaves:
            problems.extend(check_change(target, after, groups, max_groups))
        changes.append(Change(target_id=target_id, kind=kind, before=before, after=after, joins=joins, leaves=leaves,
                              replace=state == EXACT))
    return Plan(changes=changes, problems=problems)


def change_calls(change):
    """The API call of one change as ``[(JOIN|LEAVE|REPLACE, value)]``: always at most one call per target.

    One join or one leave is its own call; anything more (several joins, joins and leaves, state exact) is one
    replace of the whole set. So a target is either fully changed or not at all: ECS may refuse a join that the
    planner could not foresee (an account's real group limit, below ``max_groups``), and a refused replace leaves
    the target as it was instead of half-joined. A target is never without a group, not even between two calls.
    """
    if not (change.joins or change.leaves):
        return []
    if change.replace or len(change.joins) + len(change.leaves) > 1:
        return [(REPLACE, list(change.after))]
    if change.joins:
        return [(JOIN, change.joins[0])]
    return [(LEAVE, change.leaves[0])]


def membership_after_calls(before, calls):
    """The group ids after the given calls succeeded, e.g. to report how far a failed change got."""
    groups = list(before)
    for kind, value in calls:
        if kind == JOIN and value not in groups:
            groups.append(value)
        elif kind == LEAVE:
            groups = [group_id for group_id in groups if group_id != value]
        elif kind == REPLACE:
            groups = list(value)
    return groups


def problems_message(problems):
    """One failure message for all problems found before any write."""
    return "nothing was changed: %d problem%s found before any change: %s" % (
        len(problems), "" if len(problems) == 1 else "s", "; ".join(problems))


def target_entry(change, after):
    """One item of RV(targets): a target's groups before and after (planned, or reached)."""
    return {
        "id": change.target_id,
        "type": change.kind,
        "before": list(change.before),
        "after": list(after),
        "changed": list(after) != list(change.before),
        "joined": [group_id for group_id in after if group_id not in change.before],
        "left": [group_id for group_id in change.before if group_id not in after],
    }


class Progress:
    """How far applying a plan got: the changes done, and on a failure the target that failed and the groups it
    has now. ``failure(error)`` is the failed task's message and result keys."""

    def __init__(self, changes, pending):
        self.changes = changes
        self.pending = pending
        self.done = []
        self.failed = None
        self.reached = None

    def fail_at(self, change, reached):
        self.failed, self.reached = change, list(reached)

    def after_by_id(self):
        after = dict((change.target_id, change.before) for change in self.changes)
        after.update((change.target_id, change.after) for change in self.done)
        if self.failed is not None:
            after[self.failed.target_id] = self.reached
        return after

    def changed(self):
        return bool(self.done) or (self.failed is not None and self.reached != list(self.failed.before))

    def targets(self):
        after = self.after_by_id()
        return [target_entry(change, after[change.target_id]) for change in self.changes]

    def failure(self, error):
        failed = self.failed
        position = len(self.done) + 1
        not_attempted = self.pending[position:]
        state = "was left unchanged (each target changes in one call, fully or not at all) and has" \
            if self.reached == list(failed.before) else "now has"
        msg = "%s, at %s (change %d of %d). %d target(s) were changed before; %s %s %s; %d target(s) were not attempted." % (
            error, label(failed.kind, failed.target_id), position, len(self.pending), len(self.done), failed.target_id,
            state, ", ".join(self.reached) or "no group", len(not_attempted))
        return dict(msg=msg, targets=self.targets(), done=[change.target_id for change in self.done],
                    failed_target=failed.target_id, not_attempted=[change.target_id for change in not_attempted],
                    error=error.to_dict())
