"""Shared fixtures for the BPF integration tests.

These tests load the real BPF programs through the sockcost binary and drive
real loopback TCP. They need root and kernel BTF; without them they skip,
except under CI=true, where a test that cannot run is a failure.
"""

import os
import subprocess
import uuid

import pytest

from helpers import require_bpf
from sockcostd_helpers import SOCKCOSTD


@pytest.fixture(autouse=True)
def _bpf_available():
    require_bpf()


@pytest.fixture
def pin_dir():
    """A pin directory of the test's own on bpffs, unloaded and checked gone after."""
    d = f"/sys/fs/bpf/sockcost-test-{uuid.uuid4().hex[:12]}"
    yield d
    subprocess.run([SOCKCOSTD, "--unload", "--pin-dir", d], capture_output=True, timeout=60)
    assert not os.path.exists(d)
