"""Fixtures for the command-line tests: help, version, argument errors and
the one-line privilege error of sockcost and sockcostd.

They load no BPF program and need no root: `make check` runs them as any
user, `make test` runs them with everything else. They share the small
helpers of tests/integration (SOCKCOST, run_sockcost, SOCKCOSTD, free_port),
which import nothing that needs root."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

from helpers import SOCKCOST  # noqa: E402
from sockcostd_helpers import SOCKCOSTD  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _built():
    """The binaries under test must exist: a missing build fails, never skips."""
    for path in (SOCKCOST, SOCKCOSTD):
        if not os.access(path, os.X_OK):
            pytest.fail(f"{path} is not built (make all)")
