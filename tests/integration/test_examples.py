# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every YAML example users read runs as written: README.md, each module's EXAMPLES (from `ansible-doc --json`,
what users see), each role's README, and the cloudwall side of docs/migrating.md (each block on its own: the
blocks show alternatives, not steps). Modules and roles are found in the tree, so a new one cannot be left out.

Each document's examples run in order from the emulator's demo seed, then again; the second run changes nothing.
All of it is one ansible-playbook run: a play resets the emulator before each document. Credentials, region and
endpoint come from the environment, as the documents say.
"""

import json
import os
import re
import subprocess

import yaml

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import DEMO_ACCESS_KEY, DEMO_REGION, DEMO_SECRET_KEY

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(REPO_ROOT, 'plugins', 'modules'))
                 if name.endswith('.py') and not name.startswith('_'))
ROLES = sorted(name for name in os.listdir(os.path.join(REPO_ROOT, 'roles')) if os.path.isdir(os.path.join(REPO_ROOT, 'roles', name)))
OUR_MODULE = re.compile(r'^cloudwall\.alicloud\.')
MARKER = 'example-runner: %s, run %d'
YAML_BLOCK = re.compile(r'^```yaml\n(.*?)^```', re.M | re.S)


def markdown_blocks(path):
    with open(path, encoding='utf-8') as handle:
        return [yaml.safe_load(block) for block in YAML_BLOCK.findall(handle.read())]


def module_examples(runner):
    """EXAMPLES as ansible-doc shows them."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=runner.collections)
    names = ['cloudwall.alicloud.%s' % name for name in MODULES]
    proc = subprocess.run([os.path.join(runner.bin_dir, 'ansible-doc'), '--json', '-t', 'module'] + names, env=env,
                          capture_output=True, text=True, timeout=300, check=True)
    docs = json.loads(proc.stdout)
    return [(name, yaml.safe_load(docs[name]['examples'])) for name in names]


def as_plays(source, block):
    """A block is either plays (items with hosts) or tasks, which run in a localhost play."""
    if all(isinstance(item, dict) and 'hosts' in item for item in block):
        return block
    return [{'name': source, 'hosts': 'localhost', 'gather_facts': False, 'tasks': block}]


def sources(runner):
    found = [('README.md', [play for block in markdown_blocks(os.path.join(REPO_ROOT, 'README.md'))
                            for play in as_plays('README.md', block)])]
    found += [(name, as_plays(name, tasks)) for name, tasks in module_examples(runner)]
    for role in ROLES:
        path = os.path.join(REPO_ROOT, 'roles', role, 'README.md')
        found.append(('roles/%s/README.md' % role, [play for block in markdown_blocks(path) for play in as_plays(role, block)]))
    # docs/migrating.md: the blocks written with this collection's modules (the others show alibaba.alicloud and
    # amazon.aws tasks, which are not installed here).
    for number, block in enumerate(markdown_blocks(os.path.join(REPO_ROOT, 'docs', 'migrating.md')), 1):
        if all(any(OUR_MODULE.match(key) for key in task) for task in block):
            source = 'docs/migrating.md block %d' % number
            found.append((source, as_plays(source, block)))
    return found


def control_play(emulator, source, run):
    tasks = [{'name': MARKER % (source, run), 'ansible.builtin.debug': {'msg': source}}]
    if run == 1:
        tasks.insert(0, {'name': 'Reset the emulator to its demo seed', 'changed_when': False, 'ansible.builtin.uri': {
            'url': emulator.endpoint + '/_emulator/reset', 'method': 'POST', 'body_format': 'json', 'body': {'seed': 'demo'},
            'use_proxy': False}})
    return {'name': MARKER % (source, run), 'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}


def test_every_example_runs_as_written_and_a_second_run_changes_nothing(runner, emulator):
    documents = sources(runner)
    playbook = []
    for source, plays in documents:
        for run in (1, 2):
            playbook += [control_play(emulator, source, run)] + plays
    path = os.path.join(runner.workdir, 'examples.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(playbook, handle, indent=1)

    env = {'ALICLOUD_ACCESS_KEY': DEMO_ACCESS_KEY, 'ALICLOUD_SECRET_KEY': DEMO_SECRET_KEY, 'ALICLOUD_REGION': DEMO_REGION,
           'ALICLOUD_ECS_ENDPOINT': emulator.endpoint}
    result = runner.run_playbook(path, env=env, timeout=1200)
    assert result.rc == 0, result.stdout[-6000:] + result.stderr[-2000:]

    current, ran = None, {}
    for entry in result.results:
        match = re.match(r'^example-runner: (.*), run (\d)$', entry['task'])
        if match:
            current = (match.group(1), int(match.group(2)))
            continue
        if entry['task'] == 'Reset the emulator to its demo seed':
            continue
        ran.setdefault(current, []).append(entry)
    # Every document ran examples, twice, and none failed: all modules, all roles, both migration examples.
    assert len(MODULES) >= 7 and len(ROLES) >= 4
    assert len([source for source, _plays in documents if source.startswith('docs/migrating.md')]) == 2
    for source, _plays in documents:
        assert ran.get((source, 1)) and ran.get((source, 2)), source
    assert [(key, entry['task']) for key, entries in ran.items() for entry in entries if entry['status'] == 'failed'] == []
    # The first runs changed the cloud; the second runs changed nothing.
    assert any(entry['result'].get('changed') for entry in ran[('README.md', 1)])
    changed_again = [(source, entry['task']) for (source, run), entries in ran.items() if run == 2
                     for entry in entries if entry['result'].get('changed')]
    assert changed_again == []
    print('examples run: %s' % ', '.join('%s (%d tasks)' % (source, len(ran[(source, 1)])) for source, _plays in documents))
