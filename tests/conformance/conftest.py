# Copyright: cloudwall.alicloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Targets of the conformance suite and the table of answers printed at the end (tests/conformance/README.md).

- default: a fresh emulator with the demo seed, started for the session;
- CONFORMANCE_ENDPOINT=host:port (http) or https://host:port: an emulator you run (credentials from ALICLOUD_* or the
  demo key pair; CONFORMANCE_VPC_ID / CONFORMANCE_INSTANCE_ID, else the demo seed's);
- CONFORMANCE_REAL=1 (and CONFORMANCE_ENDPOINT unset): the real API with ALICLOUD_* credentials and region, side by
  side with a fresh emulator; every check runs on both and the table shows both answers.
"""

from __future__ import annotations

import importlib
import os
import sys

import pytest

# Shared code is imported through the collection namespace inside the fixtures and hooks: pytest loads this conftest
# before pytest-ansible (--ansible-unit-inject-only, pytest.ini) puts ANSIBLE_COLLECTIONS_PATH on the import path.
TESTS = "ansible_collections.cloudwall.alicloud.tests"


def _harness():
    return importlib.import_module(TESTS + ".lib.emulator_harness")


def _target():
    return importlib.import_module(TESTS + ".conformance.target")


def _partner():
    harness = _harness()
    return {"group_id": harness.PARTNER_GROUP, "account_id": harness.PARTNER_ACCOUNT_ID,
            "account_name": harness.PARTNER_ACCOUNT_NAME}


def _emulator_target(process, label="emulator"):
    harness = _harness()
    return _target().Target(label, process.host_port, "http", harness.DEMO_REGION, harness.DEMO_ACCESS_KEY_ID,
                            harness.DEMO_ACCESS_KEY_SECRET, vpc_id=harness.DEMO_VPC, instance_id=harness.DEMO_WEB1,
                            peer=_partner())


def _endpoint_target(endpoint):
    harness = _harness()
    scheme, _sep, host = endpoint.rpartition("://")
    return _target().Target("endpoint", host, scheme or "http", os.environ.get("ALICLOUD_REGION") or harness.DEMO_REGION,
                            os.environ.get("ALICLOUD_ACCESS_KEY") or harness.DEMO_ACCESS_KEY_ID,
                            os.environ.get("ALICLOUD_SECRET_KEY") or harness.DEMO_ACCESS_KEY_SECRET,
                            vpc_id=os.environ.get("CONFORMANCE_VPC_ID") or harness.DEMO_VPC,
                            instance_id=os.environ.get("CONFORMANCE_INSTANCE_ID") or harness.DEMO_WEB1,
                            peer=_partner() if not os.environ.get("CONFORMANCE_VPC_ID") else None,
                            verify=os.environ.get("CONFORMANCE_CA_FILE") or None)


@pytest.fixture(scope="session")
def targets(tmp_path_factory):
    """The targets every check runs on, in table order; all cleaned up at the end, even after failures."""
    made, processes = [], []
    try:
        if os.environ.get("CONFORMANCE_ENDPOINT"):
            made.append(_endpoint_target(os.environ["CONFORMANCE_ENDPOINT"]))
        else:
            if os.environ.get("CONFORMANCE_REAL") == "1":
                real = _target().real_target_from_environment()
                made.append(real)
                real.ensure_vpc()
            process = _harness().EmulatorProcess(str(tmp_path_factory.mktemp("conformance") / "ecs.sqlite3"), seed="demo").start()
            processes.append(process)
            made.append(_emulator_target(process))
        yield made
    finally:
        leftovers = []
        for target in made:
            leftovers += ["%s: %s" % (target.label, item) for item in target.cleanup()]
        for process in processes:
            process.stop()
        if leftovers:
            sys.stderr.write("conformance cleanup could not remove:\n  %s\n" % "\n  ".join(leftovers))


def pytest_terminal_summary(terminalreporter):
    target = sys.modules.get(TESTS + ".conformance.target")  # not imported: no check ran, nothing to show
    observations = target.OBSERVATIONS if target is not None else {}
    if not observations:
        return
    labels = []
    for answers in observations.values():
        labels += [label for label in answers if label not in labels]
    rows = [["check"] + labels + (["same"] if len(labels) > 1 else [])]
    for check in sorted(observations):
        answers = [observations[check].get(label, "-") for label in labels]
        rows.append([check] + answers + (["yes" if len(set(answers)) == 1 else "NO"] if len(labels) > 1 else []))
    widths = [min(60, max(len(row[column]) for row in rows)) for column in range(len(rows[0]))]
    terminalreporter.write_sep("=", "conformance: every check and each target's answer")
    for row in rows:
        terminalreporter.write_line("  ".join(cell[:60].ljust(width) for cell, width in zip(row, widths)).rstrip())
