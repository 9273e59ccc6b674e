# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start and talk to the emulator from tests, benchmarks and the demo: the process and its admin API."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO_ACCESS_KEY = 'LTAI5tEmuDemoAccessKey01'
DEMO_SECRET_KEY = 'EmuDemoSecretDoNotUseInProd000'
DEMO_REGION = 'cn-hangzhou'


class EmulatorProcess:
    """`python -m emulator` as a child process on a free loopback port."""

    def __init__(self, state_path, seed='demo', python=None, log_path=None):
        self.state_path = state_path
        self.seed = seed
        self.python = python or sys.executable
        self.log_path = log_path
        self.process = None
        self.endpoint = None

    def start(self, timeout=20):
        command = [self.python, '-m', 'emulator', '--port', '0', '--state', self.state_path]
        if self.seed:
            command += ['--seed', self.seed]
        stderr = open(self.log_path, 'ab') if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=stderr)
        deadline = time.monotonic() + timeout
        while self.endpoint is None:
            line = self.process.stdout.readline().decode('utf-8', 'replace')
            if not line:
                raise RuntimeError('emulator exited before printing its endpoint (rc=%s)' % self.process.poll())
            if line.startswith('endpoint:'):
                self.endpoint = line.split(':', 1)[1].strip()
            if time.monotonic() > deadline:
                raise RuntimeError('emulator did not print its endpoint in %ss' % timeout)
        self.admin = AdminClient(self.endpoint)
        self.admin.wait_healthy(timeout=timeout)
        return self

    @property
    def host_port(self):
        return self.endpoint.split('://', 1)[-1]

    def stop(self, kill=False):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stdout:
            self.process.stdout.close()


class AdminClient:
    """The emulator's /_emulator/ admin API (JSON, unsigned)."""

    def __init__(self, endpoint):
        self.endpoint = endpoint.rstrip('/')

    def request(self, method, path, body=None):
        data = json.dumps(body).encode('utf-8') if body is not None else None
        req = urllib.request.Request(self.endpoint + '/_emulator/' + path, data=data, method=method,
                                     headers={'Content-Type': 'application/json'})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(req, timeout=30) as response:
            return json.loads(response.read().decode('utf-8') or '{}')

    def wait_healthy(self, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.request('GET', 'health').get('status') == 'ok':
                    return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError('emulator at %s is not healthy after %ss' % (self.endpoint, timeout))
            time.sleep(0.05)

    def reset(self, seed='demo'):
        return self.request('POST', 'reset', {'seed': seed} if seed else {})

    def seed(self, **resources):
        return self.request('POST', 'seed', resources)['created']

    def add_credentials(self, access_key_id, access_key_secret, security_token=None, expiration=None):
        body = {'access_key_id': access_key_id, 'access_key_secret': access_key_secret}
        if security_token is not None:
            body['security_token'] = security_token
        if expiration is not None:
            body['expiration'] = expiration
        return self.request('POST', 'credentials', body)

    def calls(self, since=None, action=None):
        query = []
        if since is not None:
            query.append('since=%d' % since)
        if action:
            query.append('action=%s' % action)
        return self.request('GET', 'calls' + ('?' + '&'.join(query) if query else ''))['calls']

    def mark(self):
        """The id of the newest logged call: pass it as `since` to see only what comes after."""
        calls = self.calls()
        return calls[-1]['id'] if calls else 0

    def mutating_calls(self, since=None):
        return [call for call in self.calls(since=since) if call['mutating']]

    def faults(self, faults, random_seed=None):
        body = {'faults': faults}
        if random_seed is not None:
            body['random_seed'] = random_seed
        return self.request('POST', 'faults', body)

    def clear_faults(self):
        return self.request('DELETE', 'faults')

    def quotas(self, **quotas):
        return self.request('POST', 'quotas', quotas)['quotas']

    def state(self):
        return self.request('GET', 'state')
