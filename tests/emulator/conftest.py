# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the emulator suite: one emulator process per session, reset to the demo seed before each test."""

from __future__ import annotations

import sys

import pytest

from tests.lib.emulator_harness import REPO_ROOT, AdminClient, EcsApi, EmulatorProcess, RawEcs, World

# `emulator.signing` is imported by the signature tests; the suite runs from anywhere.
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("emulator")
    process = EmulatorProcess(str(state_dir / "ecs.sqlite3")).start()
    yield process
    exit_code = process.stop()
    assert exit_code == 0, "emulator exited with %s on SIGTERM; log:\n%s" % (exit_code, process.log_tail())


@pytest.fixture(scope="session")
def admin(emulator):
    return AdminClient(emulator.endpoint)


@pytest.fixture(scope="session")
def ecs(emulator):
    return EcsApi(emulator.endpoint)


@pytest.fixture(scope="session")
def raw(emulator):
    return RawEcs(emulator.endpoint)


@pytest.fixture(autouse=True)
def demo_state(admin):
    """Each test starts from the demo seed, default quotas, no faults, an empty call log."""
    admin.reset("demo")


@pytest.fixture
def world(ecs, admin):
    """The demo seed plus a second VPC, tier groups, an enterprise group and instances in odd states."""
    return World(ecs, admin).seed()
