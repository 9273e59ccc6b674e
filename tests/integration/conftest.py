# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration harness: the real modules, run by ansible-playbook, against the emulator.

Fixtures
- ``emulator``: one emulator process per pytest worker (demo seed), with ``.endpoint`` and ``.admin``.
- ``admin``: its admin API; the state is reset to the demo seed before every test.
- ``ecs``: an independent SDK client to read state through the ECS API.
- ``run_tasks``: runs a list of tasks in one play on localhost and returns every task's result
  (tests/lib/playbook_runner.py).

Shared code is imported through the collection namespace inside the fixtures: pytest loads this conftest
before pytest-ansible (--ansible-unit-inject-only, pytest.ini) puts ANSIBLE_COLLECTIONS_PATH on the import path.
"""

import importlib
import tempfile

import pytest

LIB = 'ansible_collections.cloudwall.alicloud.tests.lib'


def _lib(name):
    return importlib.import_module('%s.%s' % (LIB, name))


@pytest.fixture(scope='session')
def emulator(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp('emulator')
    process = _lib('emulator_process').EmulatorProcess(str(state_dir / 'ecs.sqlite3'), seed='demo', log_path=str(state_dir / 'emulator.log'))
    process.start()
    yield process
    process.stop()


@pytest.fixture
def admin(emulator):
    emulator.admin.reset(seed='demo')
    return emulator.admin


@pytest.fixture
def ecs(emulator):
    return _lib('ecs_reader').EcsReader(emulator.host_port)


@pytest.fixture
def runner(emulator, admin, tmp_path):
    return _lib('playbook_runner').PlaybookRunner(emulator, str(tmp_path))


@pytest.fixture
def run_tasks(runner):
    return runner.run_tasks


@pytest.fixture
def workdir():
    with tempfile.TemporaryDirectory() as path:
        yield path
