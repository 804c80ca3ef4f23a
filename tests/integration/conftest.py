"""Shared fixtures for the BPF integration tests.

These tests load the real BPF programs through the sockcost binary and drive
real loopback TCP. They need root and kernel BTF; without them they skip,
except under CI=true, where a test that cannot run is a failure.
"""
import os

import pytest

from helpers import bpf_unavailable_reason


@pytest.fixture(autouse=True)
def _bpf_available():
    reason = bpf_unavailable_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the BPF tests cannot run: {reason}")
        pytest.skip(f"BPF tests need root and BTF: {reason}")
