# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start the emulator and talk to its admin API: used by the tests, the benchmarks and `make demo`.

It knows the emulator only through its documented contract (emulator/README.md).
"""

from __future__ import annotations

import glob
import json
import os
import queue
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DEMO_ACCESS_KEY = "LTAI5tEmuDemoAccessKey01"
DEMO_SECRET_KEY = "EmuDemoSecretDoNotUseInProd000"
DEMO_REGION = "cn-hangzhou"

# urllib honours HTTP_PROXY even for loopback; the emulator is always local.
NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

STARTUP_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
ADMIN_TOKEN_HEADER = "X-Emulator-Admin-Token"


def fixed_id(prefix, name):
    """A readable resource id in the real form: prefix, dash, exactly 20 lowercase alphanumerics."""
    if len(name) > 20:
        raise ValueError("id body longer than 20 characters: %r" % name)
    return "%s-%s%s" % (prefix, name, "0" * (20 - len(name)))


def build_emulator_wheel(directory):
    """The emulator's wheel, built as `make dist` builds it (from a copy of pyproject.toml and emulator/ only, with
    this interpreter's setuptools, offline) into `directory`; returns its path."""
    source = os.path.join(directory, "src")
    os.makedirs(source)
    shutil.copy(os.path.join(REPO_ROOT, "pyproject.toml"), source)
    shutil.copytree(os.path.join(REPO_ROOT, "emulator"), os.path.join(source, "emulator"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    wheels = os.path.join(directory, "wheels")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", wheels, source],
                   check=True, capture_output=True, timeout=300)
    (wheel,) = glob.glob(os.path.join(wheels, "cloudwall_ecs_emulator-*.whl"))
    return wheel


class EmulatorProcess:
    """One `python -m emulator` subprocess on a free port with its own state file."""

    def __init__(self, state_path, seed="demo", log_path=None, extra_args=(), command=None, env=None):
        """`extra_args` are more options (--host, --tls, --seed-file, --log-level ...); `command` replaces
        `python -m emulator` (e.g. an installed cloudwall-ecs-emulator)."""
        self.state_path = state_path
        self.seed = seed
        self.log_path = log_path or state_path + ".log"
        self.extra_args = list(extra_args)
        self.command = list(command) if command else [sys.executable, "-m", "emulator"]
        self.env = env
        self.process = None
        self.endpoint = None
        self.admin = None
        self.admin_token = None
        self.ca_cert = None
        self._stdout_lines = queue.Queue()
        self.printed = []  # stdout lines read so far

    @property
    def host_port(self):
        return self.endpoint.split("://", 1)[1]

    def start(self):
        command = self.command + ["--port", "0", "--state", self.state_path]
        if self.seed:
            command += ["--seed", self.seed]
        command += self.extra_args
        # The emulator is run from the repository root, as a user would; stderr goes to a file so a
        # chatty server can never block on a full pipe.
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1, env=self.env,
            )
        threading.Thread(target=self._drain_stdout, daemon=True).start()
        self.endpoint = self._wait_for_endpoint()
        # The optional admin_token and ca_cert lines come before the region line (emulator/README.md).
        printed = self.banner(keys=("region",))
        self.admin_token = printed.get("admin_token")
        self.ca_cert = printed.get("ca_cert")
        self.admin = AdminClient(self.endpoint, token=self.admin_token, cafile=self.ca_cert)
        self._wait_for_health()
        return self

    def _drain_stdout(self):
        for line in self.process.stdout:
            self._stdout_lines.put(line.rstrip("\n"))
        self._stdout_lines.put(None)

    def _wait_for_endpoint(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                line = self._stdout_lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.printed.append(line)
            if line.startswith("endpoint:"):
                return line.split(":", 1)[1].strip()
        self.kill()
        raise RuntimeError("emulator printed no endpoint line; log:\n%s" % self.log_tail())

    def _wait_for_health(self):
        admin = self.admin
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        last_error = None
        while time.monotonic() < deadline:
            try:
                if admin.health().get("status") == "ok":
                    return
            except OSError as error:
                last_error = error
            time.sleep(0.05)
        self.kill()
        raise RuntimeError("emulator never became healthy (%s); log:\n%s" % (last_error, self.log_tail()))

    def banner(self, keys=("endpoint", "access_key_id", "access_key_secret", "region"), timeout=5.0):
        """The `key: value` lines printed at start, waiting up to `timeout` for all of `keys`."""
        deadline = time.monotonic() + timeout
        while True:
            found = dict(line.split(": ", 1) for line in self.printed if ": " in line)
            if all(key in found for key in keys) or time.monotonic() >= deadline:
                return found
            try:
                line = self._stdout_lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                continue
            if line is None:
                return found
            self.printed.append(line)

    def stop(self, signal_number=signal.SIGTERM):
        """Signal (SIGTERM by default) and wait; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal_number)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            raise RuntimeError("emulator ignored SIGTERM for %.0f s" % STOP_TIMEOUT_S)

    def kill(self):
        """SIGKILL: no chance to flush or close anything."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)

    def log_tail(self, size=4000):
        try:
            with open(self.log_path, "rb") as log:
                return log.read()[-size:].decode("utf-8", "replace")
        except OSError:
            return "(no log)"


class AdminError(Exception):
    def __init__(self, status, body):
        super().__init__("admin API answered %s: %s" % (status, body))
        self.status = status
        self.body = body


def no_proxy_opener(cafile=None):
    """A urllib opener that ignores HTTP(S)_PROXY (the emulator is local) and, for HTTPS, trusts `cafile`."""
    handlers = [urllib.request.ProxyHandler({})]
    if cafile:
        handlers.append(urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=cafile)))
    return urllib.request.build_opener(*handlers)


# urllib honours HTTP_PROXY even for loopback; the emulator is always local.
NO_PROXY_OPENER = no_proxy_opener()


class AdminClient:
    """The emulator's unsigned JSON admin API under /_emulator/ (with its token when the emulator printed one)."""

    def __init__(self, endpoint, token=None, cafile=None):
        self.endpoint = endpoint.rstrip("/")
        self.token = token
        self.opener = no_proxy_opener(cafile)

    def _headers(self):
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers[ADMIN_TOKEN_HEADER] = self.token
        return headers

    def request(self, method, path, body=None, query=None):
        url = "%s/_emulator/%s" % (self.endpoint, path)
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method, headers=self._headers())
        try:
            with self.opener.open(request, timeout=10) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise AdminError(error.code, error.read().decode("utf-8", "replace")) from None
        return json.loads(raw) if raw else {}

    def health(self):
        return self.request("GET", "health")

    def reset(self, seed="demo"):
        return self.request("POST", "reset", {"seed": seed} if seed else {})

    def seed(self, **resources):
        return self.request("POST", "seed", resources)["created"]

    def add_credentials(self, access_key_id, access_key_secret, security_token=None, expiration=None):
        body = {"access_key_id": access_key_id, "access_key_secret": access_key_secret}
        if security_token is not None:
            body["security_token"] = security_token
        if expiration is not None:
            body["expiration"] = expiration
        return self.request("POST", "credentials", body)

    def calls(self, since=None, action=None):
        query = {}
        if since is not None:
            query["since"] = since
        if action is not None:
            query["action"] = action
        return self.request("GET", "calls", query=query)["calls"]

    def calls_raw(self):
        """The call log exactly as served, for grepping."""
        request = urllib.request.Request(self.endpoint + "/_emulator/calls", method="GET", headers=self._headers())
        with self.opener.open(request, timeout=10) as response:
            return response.read()

    def mark(self):
        """The id of the newest logged call: pass it as `since` to see only what comes after."""
        calls = self.calls()
        return calls[-1]["id"] if calls else 0

    def mutating_calls(self, since=None):
        return [call for call in self.calls(since=since) if call["mutating"]]

    def clear_calls(self):
        return self.request("DELETE", "calls")

    def faults(self, faults, random_seed=None):
        """Replace the fault set (see emulator/README.md)."""
        body = {"faults": faults}
        if random_seed is not None:
            body["random_seed"] = random_seed
        return self.request("POST", "faults", body)

    def current_faults(self):
        return self.request("GET", "faults")

    def clear_faults(self):
        return self.request("DELETE", "faults")

    def quotas(self, **quotas):
        return self.request("POST", "quotas", quotas)["quotas"]

    def state(self):
        return self.request("GET", "state")
