"""Command-line behaviour: help, version, argument errors, privilege errors."""
import os
import shutil
import stat
import subprocess
import tempfile

import pytest

from helpers import SOCKCOST, run_sockcost


def test_help_and_version_go_to_stdout():
    for args in (["--help"], ["snapshot", "--help"], ["-h"]):
        r = run_sockcost(*args)
        assert r.returncode == 0, args
        assert r.stdout.startswith("Usage: sockcost"), args
        assert r.stderr == ""
    r = run_sockcost("--version")
    assert r.returncode == 0
    assert r.stdout.startswith("sockcost ")


@pytest.mark.parametrize("args,needle", [
    (["snapshot", "--bogus"], "--bogus"),
    (["snapshot", "--port", "0"], "--port"),
    (["snapshot", "--port", "70000"], "--port"),
    (["snapshot", "--pid", "x"], "--pid"),
    (["snapshot", "--idle-after", "-3"], "--idle-after"),
    (["snapshot", "--heartbeat-bytes", "1k"], "--heartbeat-bytes"),
    (["snapshot", "--observe"], "--observe"),
    (["snapshot", "extra"], "extra"),
    (["frobnicate"], "frobnicate"),
    ([], "missing command"),
])
def test_bad_arguments_exit_2_with_one_line(args, needle):
    r = run_sockcost(*args)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1, r.stderr
    assert needle in r.stderr


def test_not_root_is_one_clear_line():
    # Copy the binary where an unprivileged user can run it.
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        binary = os.path.join(tmp, "sockcost")
        shutil.copy(SOCKCOST, binary)
        os.chmod(binary, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            "--inh-caps=-all", binary, "snapshot"],
                           capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1, r.stderr
    assert "root" in r.stderr and "CAP_BPF" in r.stderr


def test_table_output_names_processes_and_ports(tmp_path):
    r = run_sockcost("snapshot")
    assert r.returncode == 0, r.stderr
    assert "PID" in r.stdout and "COMMAND" in r.stdout and "LISTEN PORT" in r.stdout
