# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CI-job script of emulator/README.md ("In a CI job, for your own playbooks"), run as written.

The ```bash block under that heading is extracted from the README and run with bash in a temporary directory that
stands for a team's repository: the wheel `make dist` builds in ci/, a seed in ci/estate.json, an inventory and a
site.yml using this collection. The only change made to the script's text is the port: every 8765 becomes a free
port, so the test never meets another emulator. The environment gives it this interpreter's bin directory first on
PATH (python3 with pip, ansible-playbook), ANSIBLE_COLLECTIONS_PATH at this collection, no ALICLOUD_* variables and
no proxy, as a CI job would have. The script creates its own virtualenv for the emulator (so nothing is installed into
the test's environment) and starts a fresh emulator process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from ansible_collections.cloudwall.alicloud.tests.lib.collection_path import collections_path
from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import REPO_ROOT, build_emulator_wheel, fixed_id

README = os.path.join(REPO_ROOT, "emulator", "README.md")
HEADING = "### In a CI job, for your own playbooks"
README_PORT = "8765"
VPC = fixed_id("vpc", "ciestate")
GROUP = fixed_id("sg", "ciweb")
ESTATE = {
    "vpcs": [{"VpcId": VPC, "CidrBlock": "10.20.0.0/16", "VpcName": "ci"}],
    "security_groups": [{"SecurityGroupId": GROUP, "SecurityGroupName": "ci-web", "VpcId": VPC,
                         "Permissions": [{"IpProtocol": "tcp", "PortRange": "22/22", "SourceCidrIp": "10.0.0.0/8"}]}],
}
PLAYBOOK = """
- name: The team's own playbook
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Web ports open
      cloudwall.alicloud.sg_rule:
        security_group: ci-web
        vpc_id: %s
        rules:
          - {protocol: tcp, ports: [80, 443], cidr: 0.0.0.0/0, description: public web}
""" % VPC


def readme_script():
    """The bash block under HEADING, exactly as the README shows it."""
    with open(README, encoding="utf-8") as handle:
        text = handle.read()
    section = text[text.index(HEADING):]
    match = re.search(r"^```bash\n(.*?)^```$", section, re.S | re.M)
    assert match, "no ```bash block under %r in emulator/README.md" % HEADING
    return match.group(1)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    return build_emulator_wheel(str(tmp_path_factory.mktemp("dist")))


def run_job(directory, wheel_path, estate):
    """Lay out the team's repository in `directory` and run the README's script there; (completed process, port)."""
    os.makedirs(os.path.join(directory, "ci"))
    shutil.copy(wheel_path, os.path.join(directory, "ci"))
    with open(os.path.join(directory, "ci", "estate.json"), "w", encoding="utf-8") as handle:
        json.dump(estate, handle)
    with open(os.path.join(directory, "site.yml"), "w", encoding="utf-8") as handle:
        handle.write(PLAYBOOK)
    with open(os.path.join(directory, "inventory"), "w", encoding="utf-8") as handle:
        handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    script = readme_script()
    assert README_PORT in script
    port = free_port()
    path = os.path.join(directory, "ci-job.sh")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(script.replace(README_PORT, str(port)))
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("ALICLOUD_", "ALIBABA_CLOUD_")) and name.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env.update({"PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
                "ANSIBLE_COLLECTIONS_PATH": collections_path(directory), "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_RETRY_FILES_ENABLED": "0"})
    try:
        job = subprocess.run(["bash", path], cwd=directory, env=env, capture_output=True, text=True, timeout=120, check=False)
    finally:
        _stop_leftover(directory)
    return job, port


def _stop_leftover(directory):
    """The script stops its emulator itself (and its EXIT trap on failure); if one is somehow left, end it by its pid."""
    try:
        with open(os.path.join(directory, "emulator.pid"), encoding="ascii") as handle:
            pid = int(handle.read().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    time.sleep(1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    pytest.fail("the README's script left its emulator (pid %d) running" % pid)


def test_ci_job_runs_as_written(tmp_path, wheel):
    directory = str(tmp_path / "repo")
    started = time.monotonic()
    job, port = run_job(directory, wheel, ESTATE)
    assert job.returncode == 0, "stdout:\n%s\nstderr:\n%s" % (job.stdout[-3000:], job.stderr[-3000:])
    assert time.monotonic() - started < 60
    # The emulator ran from the script's own virtualenv, on the free port, and stopped cleanly.
    with open(os.path.join(directory, "emulator.out"), encoding="utf-8") as handle:
        banner = handle.read()
    assert "endpoint: http://127.0.0.1:%d" % port in banner and banner.rstrip().splitlines()[-1].startswith("region:")
    assert os.path.exists(os.path.join(directory, ".ecs-emulator", "bin", "cloudwall-ecs-emulator"))
    # The call log it read holds the playbook's calls; the state it read holds the seed and the playbook's rules.
    with open(os.path.join(directory, "calls.json"), encoding="utf-8") as handle:
        calls = json.load(handle)["calls"]
    assert calls, "the call log the script read is empty"
    authorize = [call for call in calls if call["action"] == "AuthorizeSecurityGroup"]
    assert authorize and all(call["mutating"] and call["http_status"] == 200 for call in authorize)
    assert all(call["params"]["SecurityGroupId"] == GROUP for call in authorize)
    with open(os.path.join(directory, "state.json"), encoding="utf-8") as handle:
        state = handle.read()
    assert GROUP in state and "443/443" in state and "22/22" in state
    with open(os.path.join(directory, "emulator.log"), encoding="utf-8") as handle:
        assert "Traceback" not in handle.read()


def test_ci_job_fails_fast_when_the_emulator_exits(tmp_path, wheel):
    """A seed the emulator refuses ends it at once; the script's bounded wait notices, shows why and fails (the old
    `until grep` loop spun for ever)."""
    refused = {"security_groups": [{"SecurityGroupId": GROUP, "SecurityGroupName": "ci-web", "VpcId": fixed_id("vpc", "nowhere")}]}
    started = time.monotonic()
    job, _port = run_job(str(tmp_path / "repo"), wheel, refused)
    assert job.returncode != 0
    assert time.monotonic() - started < 30
    assert "the emulator exited" in job.stderr and fixed_id("vpc", "nowhere") in job.stderr, job.stderr[-3000:]
