"""Shared fixtures for the BPF integration tests.

These tests load the real BPF programs through the sockcost binary and drive
real loopback TCP. They need root and kernel BTF; without them they skip,
except under CI=true, where a test that cannot run is a failure.
"""

import pytest

from helpers import require_bpf


@pytest.fixture(autouse=True)
def _bpf_available():
    require_bpf()
