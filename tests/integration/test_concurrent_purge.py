# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Two purging sg_rule runs with different rule sets, started together on one group, many times, in both
directions: each pair ends with exactly one declared set, the one of the run that wrote last, and both succeed.

One ansible-playbook runs it all: two hosts (one per access key, so the call log tells the writers apart) run each
sg_rule task at the same time (Ansible forks), and an sg_info task reads the group after each pair. Injected
latency on the writes makes the two runs read the group before either has written, which is the race."""

import json
import os
import sys

from ansible_collections.cloudwall.alicloud.tests.lib.demo_seed import DEMO_VPC
from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import fixed_id

ACTION_GROUP = 'group/cloudwall.alicloud.alicloud'
GROUP_ID = fixed_id('sg', 'racing')
ROUNDS = 12
# sg_info reads the state after each pair with its own key, so the call log shows where each round ends.
OBSERVER = ('LTAIobserverKey00000003', 'ObserverSecret-14142135623730')
RACERS = {
    'racer_a': ('LTAIracerAkey0000000001', 'RacerSecretA-31415926535897'),
    'racer_b': ('LTAIracerBkey0000000002', 'RacerSecretB-27182818284590'),
}


def declared_ports(host, round_index):
    """Round-unique port sets, different for the two runs (two rules against one)."""
    if host == 'racer_a':
        return [10000 + round_index, 11000 + round_index]
    return [20000 + round_index]


def direction_of(round_index):
    return 'ingress' if round_index % 2 == 0 else 'egress'


def build_playbook(runner, path):
    auth = runner.auth_defaults()
    hosts_play = {
        'name': 'two racers', 'hosts': 'localhost', 'gather_facts': False,
        'tasks': [{'name': 'add %s' % host, 'ansible.builtin.add_host': {
            'name': host, 'groups': 'racers', 'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
            'racer_key': key, 'racer_secret': secret}} for host, (key, secret) in RACERS.items()],
    }
    tasks = []
    for round_index in range(ROUNDS):
        direction = direction_of(round_index)
        purge = 'purge_rules' if direction == 'ingress' else 'purge_rules_egress'
        ports = {host: declared_ports(host, round_index) for host in RACERS}
        tasks.append({
            'name': 'round %d' % round_index,
            'cloudwall.alicloud.sg_rule': {
                'security_group': GROUP_ID, purge: True,
                'rules': [{'direction': direction, 'protocol': 'tcp', 'cidr': '10.0.0.0/8',
                           'ports': '{{ %s[inventory_hostname] }}' % json.dumps(ports)}]},
        })
        tasks.append({'name': 'state after round %d' % round_index, 'run_once': True,
                      'cloudwall.alicloud.sg_info': {'security_group_ids': [GROUP_ID], 'include_rules': True,
                                                     'access_key': OBSERVER[0], 'secret_key': OBSERVER[1]}})
    race_play = {
        'name': 'race', 'hosts': 'racers', 'gather_facts': False,
        'module_defaults': {ACTION_GROUP: {'endpoint': auth['endpoint'], 'region': auth['region'],
                                           'access_key': '{{ racer_key }}', 'secret_key': '{{ racer_secret }}',
                                           'retries': 15, 'retry_max_delay': 0.2}},
        'tasks': tasks,
    }
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump([hosts_play, race_play], handle, indent=1)


def ports_of(rules, direction):
    return sorted(int(rule['port_range'].split('/')[0]) for rule in rules if rule['direction'] == direction)


def last_writers(calls):
    """The access key of the last write before each sg_info read (the observer's DescribeSecurityGroups), by round."""
    writers, last = [], None
    for call in calls:
        if call['mutating']:
            last = call['params'].get('AccessKeyId')
        elif call['action'] == 'DescribeSecurityGroups' and call['params'].get('AccessKeyId') == OBSERVER[0]:
            writers.append(last)
            last = None
    return writers


def test_two_purging_runs_started_together_end_with_the_last_writers_set(runner, admin):
    admin.seed(security_groups=[{'SecurityGroupId': GROUP_ID, 'SecurityGroupName': 'racing', 'VpcId': DEMO_VPC,
                                 'Description': 'Two purging runs at once'}])
    for key, secret in list(RACERS.values()) + [OBSERVER]:
        admin.add_credentials(key, secret)
    # Writes wait before they apply, so that both runs read the group before either of them has written.
    admin.faults([{'kind': 'latency', 'rate': 1.0, 'latency_ms': 700,
                   'actions': ['AuthorizeSecurityGroup', 'AuthorizeSecurityGroupEgress']},
                  {'kind': 'latency', 'rate': 0.5, 'latency_ms': 200, 'actions': ['DescribeSecurityGroupAttribute']}],
                 random_seed=13)
    mark = admin.mark()
    path = os.path.join(runner.workdir, 'race.yml')
    build_playbook(runner, path)
    try:
        run = runner.run_playbook(path)
    finally:
        admin.clear_faults()
    calls = admin.calls(since=mark)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    failed = [entry for entry in run.results if entry['status'] == 'failed']
    assert failed == []

    # The race happened: some pair saw a rule revoked by the other run first (the old code failed there).
    assert any(call['code'] in ('InvalidParam.SecurityGroupRuleId', 'InvalidSecurityGroupRuleId.NotFound') for call in calls)
    states = {entry['task']: entry['result']['security_groups'][0]['rules'] for entry in run.results
              if entry['task'].startswith('state after round')}
    writers = last_writers(calls)
    assert len(writers) == ROUNDS
    key_to_host = {key: host for host, (key, _secret) in RACERS.items()}
    for round_index in range(ROUNDS):
        rules = states['state after round %d' % round_index]
        direction = direction_of(round_index)
        winner = key_to_host[writers[round_index]]
        # Exactly one declared set, never the union: the set of the run that wrote last.
        assert ports_of(rules, direction) == declared_ports(winner, round_index), (round_index, rules)
        # The other direction holds what its last round left (nothing before its first round).
        other = [ports_of(states['state after round %d' % earlier], direction_of(earlier))
                 for earlier in range(round_index - 1, -1, -2)][:1]
        assert ports_of(rules, 'egress' if direction == 'ingress' else 'ingress') == (other[0] if other else [])
