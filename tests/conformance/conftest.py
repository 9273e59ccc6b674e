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

import os
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from tests.conformance.target import OBSERVATIONS, Target, real_target_from_environment  # noqa: E402  pylint: disable=wrong-import-position
from tests.lib.emulator_harness import (  # noqa: E402  pylint: disable=wrong-import-position
    DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_REGION, DEMO_VPC, DEMO_WEB1, PARTNER_ACCOUNT_ID, PARTNER_ACCOUNT_NAME,
    PARTNER_GROUP, EmulatorProcess,
)

PARTNER = {"group_id": PARTNER_GROUP, "account_id": PARTNER_ACCOUNT_ID, "account_name": PARTNER_ACCOUNT_NAME}


def _emulator_target(process, label="emulator"):
    return Target(label, process.host_port, "http", DEMO_REGION, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET,
                  vpc_id=DEMO_VPC, instance_id=DEMO_WEB1, peer=PARTNER)


def _endpoint_target(endpoint):
    scheme, _sep, host = endpoint.rpartition("://")
    return Target("endpoint", host, scheme or "http", os.environ.get("ALICLOUD_REGION") or DEMO_REGION,
                  os.environ.get("ALICLOUD_ACCESS_KEY") or DEMO_ACCESS_KEY_ID,
                  os.environ.get("ALICLOUD_SECRET_KEY") or DEMO_ACCESS_KEY_SECRET,
                  vpc_id=os.environ.get("CONFORMANCE_VPC_ID") or DEMO_VPC,
                  instance_id=os.environ.get("CONFORMANCE_INSTANCE_ID") or DEMO_WEB1,
                  peer=PARTNER if not os.environ.get("CONFORMANCE_VPC_ID") else None,
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
                real = real_target_from_environment()
                made.append(real)
                real.ensure_vpc()
            process = EmulatorProcess(str(tmp_path_factory.mktemp("conformance") / "ecs.sqlite3"), seed="demo").start()
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
    if not OBSERVATIONS:
        return
    labels = []
    for answers in OBSERVATIONS.values():
        labels += [label for label in answers if label not in labels]
    rows = [["check"] + labels + (["same"] if len(labels) > 1 else [])]
    for check in sorted(OBSERVATIONS):
        answers = [OBSERVATIONS[check].get(label, "-") for label in labels]
        rows.append([check] + answers + (["yes" if len(set(answers)) == 1 else "NO"] if len(labels) > 1 else []))
    widths = [min(60, max(len(row[column]) for row in rows)) for column in range(len(rows[0]))]
    terminalreporter.write_sep("=", "conformance: every check and each target's answer")
    for row in rows:
        terminalreporter.write_line("  ".join(cell[:60].ljust(width) for cell, width in zip(row, widths)).rstrip())
