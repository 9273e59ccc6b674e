# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: start the emulator with the demo seed, run the demo playbook twice, show the result.

The second run must report changed=0: that is the collection's idempotency, shown rather than claimed.
"""

import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.lib.ecs_reader import EcsReader  # noqa: E402
from tests.lib.emulator_process import DEMO_ACCESS_KEY, DEMO_REGION, DEMO_SECRET_KEY, EmulatorProcess  # noqa: E402

PLAYBOOK = os.environ.get('DEMO_PLAYBOOK', os.path.join(ROOT, 'playbooks', 'groups.yml'))
RECAP = re.compile(r'^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)


def run_playbook(emulator, label):
    env = dict(os.environ)
    env.update({
        'ALICLOUD_ACCESS_KEY': DEMO_ACCESS_KEY,
        'ALICLOUD_SECRET_KEY': DEMO_SECRET_KEY,
        'ALICLOUD_REGION': DEMO_REGION,
        'ALICLOUD_ECS_ENDPOINT': emulator.endpoint,
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        'ANSIBLE_LOCALHOST_WARNING': '0',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
    })
    print('\n=== %s: ansible-playbook %s' % (label, os.path.relpath(PLAYBOOK, ROOT)), flush=True)
    started = time.monotonic()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,',
                           PLAYBOOK], env=env, capture_output=True, text=True, check=False)
    print(proc.stdout[proc.stdout.find('PLAY RECAP'):].strip() if 'PLAY RECAP' in proc.stdout else proc.stdout)
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr, sep='\n')
        raise SystemExit('%s failed (rc=%d)' % (label, proc.returncode))
    match = RECAP.search(proc.stdout)
    print('(%.1f s)' % (time.monotonic() - started))
    return int(match.group(2))


def print_table(ecs):
    groups = sorted(ecs.groups(), key=lambda g: (g['VpcId'], g['SecurityGroupName']))
    print('\n%-26s %-18s %-10s %-7s %s' % ('group', 'name', 'network', 'rules', 'tags'))
    for group in groups:
        tags = ', '.join('%s=%s' % (t['TagKey'], t['TagValue']) for t in group['Tags']['Tag'])
        print('%-26s %-18s %-10s %-7s %s' % (group['SecurityGroupId'], group['SecurityGroupName'],
                                             'vpc' if group['VpcId'] else 'classic', group.get('RuleCount', ''), tags))
    instances = ecs.call('DescribeInstances', PageSize=100)['Instances']['Instance']
    print('\n%-24s %-10s %s' % ('instance', 'name', 'security groups'))
    for instance in instances:
        print('%-24s %-10s %s' % (instance['InstanceId'], instance['InstanceName'],
                                  ', '.join(instance['SecurityGroupIds']['SecurityGroupId'])))


def main():
    with tempfile.TemporaryDirectory(prefix='cloudwall-demo-') as workdir:
        emulator = EmulatorProcess(os.path.join(workdir, 'ecs.sqlite3'), seed='demo',
                                   log_path=os.path.join(workdir, 'emulator.log')).start()
        try:
            print('emulator: %s (demo seed, region %s)' % (emulator.endpoint, DEMO_REGION))
            first = run_playbook(emulator, 'first run')
            second = run_playbook(emulator, 'second run')
            print_table(EcsReader(emulator.host_port))
        finally:
            emulator.stop()
    print('\nfirst run changed %d task(s); second run changed %d' % (first, second))
    if second != 0:
        raise SystemExit('the second run changed something: not idempotent')


if __name__ == '__main__':
    main()
