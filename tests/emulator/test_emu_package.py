# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator as its own distribution: the wheel `make dist` builds installs into a fresh virtualenv, with nothing
else, and its `cloudwall-ecs-emulator` command serves the SDK."""

from __future__ import annotations

import os
import subprocess
import sys

from aliyunsdkecs.request.v20140526.DescribeSecurityGroupsRequest import DescribeSecurityGroupsRequest

from ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness import EcsApi, EmulatorProcess
from ansible_collections.cloudwall.alicloud.tests.lib.emulator_process import build_emulator_wheel


def test_wheel_installs_and_its_command_serves(tmp_path):
    wheel = build_emulator_wheel(str(tmp_path / "dist"))
    venv = tmp_path / "venv"
    # --without-pip: the wheel is installed by this (the test's) pip into the new environment, offline and fast.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    # --no-index --no-deps: the standard library is all it needs.
    subprocess.run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-index", "--no-deps", wheel],
                   check=True, timeout=120)
    where = subprocess.run([python, "-c", "import emulator; print(emulator.__file__)"], cwd=str(tmp_path),
                           check=True, capture_output=True, text=True).stdout
    assert str(venv) in where, where  # imported from the install, not from the checkout
    help_text = subprocess.run([str(venv / "bin" / "cloudwall-ecs-emulator"), "--help"], check=True, capture_output=True, text=True).stdout
    for option in ("--seed-file", "--tls", "--state", "--host", "--admin-token"):
        assert option in help_text
    process = EmulatorProcess(str(tmp_path / "ecs.sqlite3"), command=[str(venv / "bin" / "cloudwall-ecs-emulator")],
                              env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}).start()
    try:
        groups = EcsApi(process.endpoint).call(DescribeSecurityGroupsRequest)["SecurityGroups"]["SecurityGroup"]
        assert {group["SecurityGroupId"] for group in groups} == {"sg-demovpcdefault000001", "sg-democlassic000000001"}
    finally:
        assert process.stop() == 0, process.log_tail()
