# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: the guide's web and Redis scenario on the emulator, run twice, then shown as a table.

Starts the emulator with its demo seed, runs playbooks/web_redis.yml, runs it again (the second run must
report changed=0: idempotency shown rather than claimed), prints the groups with their rules and members as the
ECS API reports them, shows the guide's intent (web reaches Redis, nothing else does) as sg_reachability evaluated
it, and stops the emulator.
"""

import os
import re
import subprocess
import sys
import tempfile
import time

# The shared test code is imported through the collection namespace from the build tree (make demo puts it on
# PYTHONPATH), as the tests and benchmarks do.
from ansible_collections.cloudwall.alicloud.tests.lib.collection_path import collections_path
from ansible_collections.cloudwall.alicloud.tests.lib.ecs_reader import EcsReader
from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import DEMO_ACCESS_KEY, DEMO_REGION, DEMO_SECRET_KEY, EmulatorProcess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PLAYBOOK = os.environ.get('DEMO_PLAYBOOK', os.path.join(ROOT, 'playbooks', 'web_redis.yml'))
AUDIT_REPORT = os.path.join(ROOT, 'build', 'demo', 'web_redis_audit.md')
RECAP = re.compile(r'^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)
# The playbook's last task prints each intent of the guide as sg_reachability evaluated it.
INTENT = re.compile(r'"msg": "intent: (.*)"$', re.M)


def run_playbook(emulator, collections, label):
    env = dict(os.environ)
    env.update({
        'ALICLOUD_ACCESS_KEY': DEMO_ACCESS_KEY,
        'ALICLOUD_SECRET_KEY': DEMO_SECRET_KEY,
        'ALICLOUD_REGION': DEMO_REGION,
        'ALICLOUD_ECS_ENDPOINT': emulator.endpoint,
        'ANSIBLE_COLLECTIONS_PATH': collections,
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        'ANSIBLE_LOCALHOST_WARNING': '0',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
    })
    print('\n=== %s: ansible-playbook %s' % (label, os.path.relpath(PLAYBOOK, ROOT)), flush=True)
    started = time.monotonic()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,',
                           '-c', 'local', PLAYBOOK, '-e', 'web_redis_audit_report=%s' % AUDIT_REPORT],
                          env=env, capture_output=True, text=True, check=False)
    match = RECAP.search(proc.stdout)
    if proc.returncode != 0 or not match:
        print(proc.stdout, proc.stderr, sep='\n')
        raise SystemExit('%s failed (rc=%d)' % (label, proc.returncode))
    print('%s  (%.1f s)' % (match.group(0), time.monotonic() - started))
    return int(match.group(2)), INTENT.findall(proc.stdout)


def rule_line(rule):
    """One rule as a sentence: `ingress accept tcp 6379/6379 from demo-web (intranet) priority 1 "why"`."""
    if rule['Direction'] == 'ingress':
        preposition = 'from'
        peer = (rule['SourceGroupName'] or rule['SourceGroupId'] or rule['SourceCidrIp'] or rule['Ipv6SourceCidrIp']
                or rule['SourcePrefixListId'])
    else:
        preposition = 'to'
        peer = (rule['DestGroupName'] or rule['DestGroupId'] or rule['DestCidrIp'] or rule['Ipv6DestCidrIp']
                or rule['DestPrefixListId'])
    line = '%s %s %s %s %s %s (%s) priority %s' % (rule['Direction'], rule['Policy'].lower(), rule['IpProtocol'].lower(),
                                                   rule['PortRange'], preposition, peer, rule['NicType'], rule['Priority'])
    return line + (' "%s"' % rule['Description'] if rule['Description'] else '')


def group_rules(ecs, group):
    """Every rule of a group; a classic group keeps separate rules per NIC."""
    nic_types = ['intranet'] if group['VpcId'] else ['intranet', 'internet']
    rules = []
    for nic_type in nic_types:
        page = ecs.call('DescribeSecurityGroupAttribute', SecurityGroupId=group['SecurityGroupId'], Direction='all',
                        NicType=nic_type, MaxResults=1000)
        rules.extend(page['Permissions']['Permission'])
    return sorted(rules, key=lambda rule: (rule['Direction'], int(rule['Priority']), rule['PortRange'], rule_line(rule)))


def members_by_group(ecs):
    """Group id -> the instances in it, as "name (id)"."""
    members = {}
    page_number = 1
    while True:
        page = ecs.call('DescribeInstances', PageSize=100, PageNumber=page_number)
        for instance in page['Instances']['Instance']:
            for group_id in instance['SecurityGroupIds']['SecurityGroupId']:
                members.setdefault(group_id, []).append('%s (%s)' % (instance['InstanceName'], instance['InstanceId']))
        if page_number * 100 >= int(page['TotalCount']):
            return members
        page_number += 1


def print_table(ecs):
    members = members_by_group(ecs)
    groups = sorted(ecs.groups(), key=lambda g: (g['VpcId'] == '', g['VpcId'], g['SecurityGroupName']))
    for group in groups:
        tags = ', '.join('%s=%s' % (t['TagKey'], t['TagValue']) for t in group['Tags']['Tag']) or '-'
        print('\n%s  %s  (%s)' % (group['SecurityGroupName'], group['SecurityGroupId'],
                                  'VPC ' + group['VpcId'] if group['VpcId'] else 'classic network'))
        print('  %-12s %s' % ('description', group['Description'] or '-'))
        print('  %-12s %s' % ('tags', tags))
        rules = group_rules(ecs, group)
        print('  %-12s %s' % ('rules', rule_line(rules[0]) if rules else '-'))
        for rule in rules[1:]:
            print('  %-12s %s' % ('', rule_line(rule)))
        print('  %-12s %s' % ('members', ', '.join(sorted(members.get(group['SecurityGroupId'], []))) or '-'))


def main():
    with tempfile.TemporaryDirectory(prefix='cloudwall-demo-') as workdir:
        started = time.monotonic()
        collections = collections_path(workdir)
        emulator = EmulatorProcess(os.path.join(workdir, 'ecs.sqlite3'), seed='demo',
                                   log_path=os.path.join(workdir, 'emulator.log')).start()
        try:
            print('emulator: %s (demo seed, region %s)' % (emulator.endpoint, DEMO_REGION))
            first, _intents = run_playbook(emulator, collections, 'first run')
            second, intents = run_playbook(emulator, collections, 'second run')
            print('\n=== the groups, their rules and members, as the ECS API reports them')
            print_table(EcsReader(emulator.host_port))
            print('\n=== the guide\'s intent, checked by cloudwall.alicloud.sg_reachability (the play fails if it breaks)')
            for line in intents:
                print('  ' + line.replace('\\"', '"'))
            if not intents:
                raise SystemExit('the playbook showed no intent: was web_redis_intent turned off?')
        finally:
            emulator.stop()
    print('\naudit report: %s' % os.path.relpath(AUDIT_REPORT, ROOT))
    print('first run changed %d task(s); second run changed %d; %.0f s in all'
          % (first, second, time.monotonic() - started))
    if second != 0:
        raise SystemExit('the second run changed something: not idempotent')


if __name__ == '__main__':
    main()
