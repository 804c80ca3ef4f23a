"""Fixtures for the install tests: `make install` into a staging DESTDIR and
the generated man pages. They need neither root nor BPF, only the built
binaries (the build directory is SOCKCOST's, as for the other suites); a
missing build skips, except under CI=true, where it fails."""
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOCKCOST = os.environ.get("SOCKCOST", os.path.join(ROOT, "build", "sockcost"))
BUILD = os.path.dirname(os.path.abspath(SOCKCOST))


@pytest.fixture(scope="session")
def build_dir():
    for binary in ("sockcost", "sockcostd"):
        if not os.access(os.path.join(BUILD, binary), os.X_OK):
            reason = f"{BUILD}/{binary} not built"
            if os.environ.get("CI") == "true":
                pytest.fail(f"CI=true but the install tests cannot run: {reason}")
            pytest.skip(reason)
    return BUILD


@pytest.fixture(scope="session")
def make(build_dir):
    """make TARGET VAR=VALUE... in the source tree on this build; returns the run."""
    # Not the calling make's jobserver or flags (this may run under `make test`).
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}

    def run(*args):
        r = subprocess.run(["make", "-C", ROOT, f"BUILD={build_dir}", *args], env=env,
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, f"make {' '.join(args)} failed:\n{r.stdout}{r.stderr}"
        return r

    return run
