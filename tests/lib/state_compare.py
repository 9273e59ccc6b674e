# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Normalise the emulator's state dump (GET /_emulator/state) so that two runs of the same work compare equal.

What differs between two correct runs, and is therefore taken out:
- generated security group ids: replaced everywhere (rule peers, memberships) by ``<sg:NAME>``, so a rule that
  names a group created in this run reads the same in both runs;
- rule ids, rule and resource creation times;
- list order (members' group lists, rules, groups).

Nothing else is dropped: a duplicated or lost group, rule, tag or membership still shows.
"""

import json

# Keys whose values are identities or times of this run only.
VOLATILE_KEYS = frozenset(('SecurityGroupRuleId', 'CreateTime', 'CreationTime'))


def group_aliases(state):
    """``{group_id: '<sg:NAME>'}`` for every group of the dump."""
    return {group['SecurityGroupId']: '<sg:%s>' % group['SecurityGroupName'] for group in state['security_groups']}


def _canonical(value, aliases):
    if isinstance(value, dict):
        return {key: _canonical(item, aliases) for key, item in value.items() if key not in VOLATILE_KEYS}
    if isinstance(value, list):
        items = [_canonical(item, aliases) for item in value]
        # Sorted by content: the order of rules, groups and memberships is not part of the state compared.
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, str):
        return aliases.get(value, value)
    return value


def normalise(state):
    """The dump with generated ids named, volatile keys dropped and every list sorted."""
    return _canonical(state, group_aliases(state))


def differences(expected, actual, limit=20):
    """Readable lines saying where two normalised dumps differ (for assertion messages)."""
    lines = []

    def walk(left, right, path):
        if len(lines) >= limit:
            return
        if isinstance(left, dict) and isinstance(right, dict):
            for key in sorted(set(left) | set(right)):
                walk(left.get(key, '<missing>'), right.get(key, '<missing>'), '%s.%s' % (path, key))
        elif isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
            for index, (left_item, right_item) in enumerate(zip(left, right)):
                walk(left_item, right_item, '%s[%d]' % (path, index))
        elif isinstance(left, list) and isinstance(right, list):
            left_items = [json.dumps(item, sort_keys=True) for item in left]
            right_items = [json.dumps(item, sort_keys=True) for item in right]
            for item in left_items:
                if item not in right_items or left_items.count(item) > right_items.count(item):
                    lines.append('%s: only expected has %s' % (path, item[:300]))
            for item in right_items:
                if item not in left_items or right_items.count(item) > left_items.count(item):
                    lines.append('%s: only actual has %s' % (path, item[:300]))
        elif left != right:
            lines.append('%s: expected %r, actual %r' % (path, left, right))

    walk(expected, actual, 'state')
    return lines[:limit]
