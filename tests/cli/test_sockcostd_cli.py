"""sockcostd's command line without BPF: help and version on stdout, usage
errors exit 2 and runtime errors found before loading exit 1, each with one
line on stderr."""
import subprocess

import pytest

from sockcostd_helpers import SOCKCOSTD, free_port
from unprivileged import run_unprivileged


def sockcostd(*args):
    return subprocess.run([SOCKCOSTD, *args], capture_output=True, text=True, timeout=30)


def test_arguments():
    r = sockcostd("--listen", "localhost:80")
    assert r.returncode == 2
    assert r.stderr == "sockcostd: invalid --listen 'localhost:80': 'localhost' is not an IPv4 address\n"
    r = sockcostd("--help")
    assert r.returncode == 0 and r.stdout.startswith("Usage: sockcostd")
    r = sockcostd("-V")
    assert r.returncode == 0 and r.stdout.startswith("sockcostd ")


@pytest.mark.parametrize("args,needle", [
    (["--bogus"], "'--bogus'"),
    (["extra"], "'extra'"),
    (["--listen"], "--listen"),
    (["--listen", "1.2.3.4"], "--listen"),
    (["--listen", "127.0.0.1:0"], "--listen"),
    (["--interval", "0"], "--interval"),
    (["--reconcile-interval", "0.5"], "--reconcile-interval"),
    (["--top-processes", "x"], "--top-processes"),
    (["--idle-after", "-1"], "--idle-after"),
    (["--heartbeat-bytes", "1k"], "--heartbeat-bytes"),
    (["--events-rate", "x"], "--events-rate"),
    (["--user"], "--user"),
    (["--app-limit", "nginx"], "--app-limit"),
    (["--app-limit", "nginx=0"], "--app-limit"),
    (["--pod-log-dir", "var/log/pods"], "--pod-log-dir"),
    (["--pod-log-dir"], "--pod-log-dir"),
    (["--docker-dir", "docker"], "--docker-dir"),
    (["--podman-dir", "./storage"], "--podman-dir"),
    (["--pod-log-dir", "/" + "x" * 5000], "--pod-log-dir"),
    (["--docker-dir", "/" + "x" * 5000], "--docker-dir"),
])
def test_bad_arguments_exit_2_with_one_line(args, needle):
    r = sockcostd(*args)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith("sockcostd: ") and needle in r.stderr


def test_unknown_user_fails_before_loading():
    r = sockcostd("--no-pin", "--listen", "127.0.0.1:1", "--user", "no-such-user-sc")
    assert r.returncode == 1
    assert r.stderr.strip() == "sockcostd: error: unknown user 'no-such-user-sc'"


def test_not_root_is_one_clear_line():
    # A free port: sockcostd binds before it loads, and an unprivileged bind
    # of a port below 1024 would fail first.
    r = run_unprivileged(SOCKCOSTD, "--no-pin", "--listen", f"127.0.0.1:{free_port()}")
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith("sockcostd: error: ")
    assert "root" in r.stderr and "CAP_BPF" in r.stderr


def test_app_limits_file_errors(tmp_path):
    """A bad line is a usage error naming the file and line; a file that
    cannot be read is a runtime error. Both before anything is loaded."""
    bad = tmp_path / "limits"
    bad.write_text("# caps\nnginx=512\n\n  redis-server = 10000\n")
    r = sockcostd("--app-limits", str(bad))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1
    assert f"{bad}:4: expected COMM=N or PID=N" in r.stderr
    r = sockcostd("--app-limits", str(tmp_path / "missing"))
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "cannot read --app-limits" in r.stderr
