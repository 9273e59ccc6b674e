# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run playbooks and task lists with ansible-playbook against an emulator; every task's result recorded.

Used by the integration suite (tests/integration/conftest.py). The recorder callback lives in
tests/integration/callback_plugins.
"""

import json
import os
import subprocess
import sys

from .collection_path import REPO_ROOT, collections_path
from .emulator_process import DEMO_ACCESS_KEY, DEMO_REGION, DEMO_SECRET_KEY

CALLBACK_DIR = os.path.join(REPO_ROOT, 'tests', 'integration', 'callback_plugins')
ACTION_GROUP = 'group/cloudwall.alicloud.alicloud'


class RunResult:
    def __init__(self, rc, results, stdout, stderr):
        self.rc = rc
        self.results = results
        self.stdout = stdout
        self.stderr = stderr

    @property
    def last(self):
        return self.results[-1]

    def __repr__(self):
        return 'RunResult(rc=%s, results=%r, stderr=%r)' % (self.rc, self.results, self.stderr[-2000:])


class PlaybookRunner:
    def __init__(self, emulator, workdir):
        self.emulator = emulator
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.collections = collections_path(workdir)
        self.counter = 0
        self.bin_dir = os.path.dirname(sys.executable)

    def auth_defaults(self, **overrides):
        defaults = {'endpoint': self.emulator.endpoint, 'access_key': DEMO_ACCESS_KEY,
                    'secret_key': DEMO_SECRET_KEY, 'region': DEMO_REGION}
        defaults.update(overrides)
        return {key: value for key, value in defaults.items() if value is not None}

    def run_playbook(self, playbook_path, check=False, diff=False, env=None, verbosity=0, extra_vars=None,
                     timeout=600, inventory='localhost,', forks=None, cwd=None, as_user=False):
        """Run a playbook; ``as_user``: as a user types it in ``cwd`` (no ``-c local``, no interpreter setting: the
        playbook must choose both itself)."""
        self.counter += 1
        record = os.path.join(self.workdir, 'results-%d.jsonl' % self.counter)
        run_env = dict(os.environ)
        run_env.update({
            'ANSIBLE_COLLECTIONS_PATH': self.collections,
            'ANSIBLE_CALLBACK_PLUGINS': CALLBACK_DIR,
            'ANSIBLE_CALLBACKS_ENABLED': 'result_recorder',
            'RESULT_RECORDER_FILE': record,
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_RETRY_FILES_ENABLED': '0',
            'ANSIBLE_LOCALHOST_WARNING': '0',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0',
            'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        })
        if as_user:
            del run_env['ANSIBLE_PYTHON_INTERPRETER']
        if cwd:
            run_env['PWD'] = cwd  # as a shell sets it
        for name in [n for n in run_env if n.startswith(('ALICLOUD_', 'ALIBABA_CLOUD_'))]:
            del run_env[name]
        run_env.update(env or {})
        command = [os.path.join(self.bin_dir, 'ansible-playbook'), '-i', inventory] + ([] if as_user else ['-c', 'local'])
        command.append(playbook_path)
        if forks:
            command += ['--forks', str(forks)]
        if check:
            command.append('--check')
        if diff:
            command.append('--diff')
        if verbosity:
            command.append('-' + 'v' * verbosity)
        if extra_vars:
            command += ['-e', json.dumps(extra_vars)]
        proc = subprocess.run(command, env=run_env, capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd)
        results = []
        if os.path.exists(record):
            with open(record, encoding='utf-8') as handle:
                results = [json.loads(line) for line in handle if line.strip()]
        return RunResult(proc.returncode, results, proc.stdout, proc.stderr)

    def run_tasks(self, tasks, check=False, diff=False, env=None, verbosity=0, auth=None, extra_vars=None):
        """Run tasks in one play; `auth` overrides the module_defaults (None values drop an option)."""
        play = {
            'name': 'integration',
            'hosts': 'localhost',
            'gather_facts': False,
            'module_defaults': {ACTION_GROUP: self.auth_defaults(**(auth or {}))},
            'tasks': tasks,
        }
        path = os.path.join(self.workdir, 'play-%d.yml' % (self.counter + 1))
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump([play], handle, indent=1)
        run = self.run_playbook(path, check=check, diff=diff, env=env, verbosity=verbosity, extra_vars=extra_vars)
        run.results = [entry['result'] | {'_status': entry['status'], '_task': entry['task']} for entry in run.results]
        return run
