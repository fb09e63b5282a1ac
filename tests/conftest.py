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

TIERS = ("unit", "integration", "contract", "e2e")
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
