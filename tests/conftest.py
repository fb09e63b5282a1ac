"""Root conftest: tiers by folder, and no path to a real AWS account.

- Every test gets the marker of its folder (unit / integration / contract / e2e), so
  ``pytest -m unit`` etc. select a tier; ``--strict-markers`` is on (pyproject.toml).
- Fake AWS credentials and region for the whole session: nothing here may reach a real account
  (pytest-socket already limits connections to loopback; see addopts).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TIERS = ("unit", "integration", "contract", "e2e", "faults")
TESTS = Path(__file__).resolve().parent

_FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "SAM_CLI_TELEMETRY": "0",
}


def pytest_configure(config: pytest.Config) -> None:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        os.environ.pop(name, None)
    os.environ.update(_FAKE_AWS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        try:
            tier = Path(str(item.path)).resolve().relative_to(TESTS).parts[0]
        except ValueError:
            continue
        if tier in TIERS and item.get_closest_marker(tier) is None:
            item.add_marker(getattr(pytest.mark, tier))


# Every log line the run wrote is scanned for unmasked phone numbers (tests/support/log_scan.py): one is
# a failure of the run, whichever library wrote it, in the functions and the local stack alike.
_UNMASKED: list[tuple[str, str]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    from tests.support.log_scan import unmasked

    if "raw_numbers_on_purpose" not in report.keywords:
        _UNMASKED.extend((report.nodeid, line[:300]) for line in unmasked(report.sections))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _UNMASKED and not hasattr(session.config, "workerinput") and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _UNMASKED and not hasattr(terminalreporter.config, "workerinput"):
        terminalreporter.section("unmasked phone numbers in log lines", red=True)
        for nodeid, line in dict.fromkeys(_UNMASKED):
            terminalreporter.write_line(f"{nodeid}: {line}")
