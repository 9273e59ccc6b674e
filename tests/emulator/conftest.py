# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the emulator suite: one emulator process per session, reset to the demo seed before each test.

The harness is imported through the collection namespace inside the fixtures: pytest loads this conftest before
pytest-ansible (--ansible-unit-inject-only, pytest.ini) puts ANSIBLE_COLLECTIONS_PATH on the import path.
"""

from __future__ import annotations

import importlib

import pytest


def _harness():
    return importlib.import_module("ansible_collections.cloudwall.alicloud.tests.lib.emulator_harness")


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("emulator")
    process = _harness().EmulatorProcess(str(state_dir / "ecs.sqlite3")).start()
    yield process
    exit_code = process.stop()
    assert exit_code == 0, "emulator exited with %s on SIGTERM; log:\n%s" % (exit_code, process.log_tail())


@pytest.fixture(scope="session")
def admin(emulator):
    return _harness().AdminClient(emulator.endpoint)


@pytest.fixture(scope="session")
def ecs(emulator):
    return _harness().EcsApi(emulator.endpoint)


@pytest.fixture(scope="session")
def raw(emulator):
    return _harness().RawEcs(emulator.endpoint)


@pytest.fixture(autouse=True)
def demo_state(admin):
    """Each test starts from the demo seed, default quotas, no faults, an empty call log."""
    admin.reset("demo")


@pytest.fixture
def world(ecs, admin):
    """The demo seed plus a second VPC, tier groups, an enterprise group and instances in odd states."""
    return _harness().World(ecs, admin).seed()
