"""Fixtures for the end-to-end tests: sockcost against a real WebSocket
server (Node.js, the `ws` package) and our own load generator.

Same rule as tests/integration: the tests need root and kernel BTF; without
them they skip, except under CI=true, where a test that cannot run is a
failure. They also need node and npm: `ws` is installed here from the
committed package-lock.json (`npm ci`) when node_modules/ws is missing, and
a missing node or npm is a failure, not a skip.
"""
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

from helpers import require_bpf  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _bpf_available():
    require_bpf()


@pytest.fixture(scope="session")
def node(_bpf_available):
    """Path of the node binary, with `ws` installed under tests/e2e."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed (Node.js 18+ is needed for tests/e2e)")
    if not os.path.isdir(os.path.join(HERE, "node_modules", "ws")):
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("tests/e2e/node_modules/ws is missing and npm is not installed "
                        "to install it (run `npm ci` in tests/e2e)")
        try:
            r = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE,
                               capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            pytest.fail("`npm ci` in tests/e2e did not finish within 300 s")
        if r.returncode != 0 or not os.path.isdir(os.path.join(HERE, "node_modules", "ws")):
            pytest.fail(f"`npm ci` in tests/e2e failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return node
