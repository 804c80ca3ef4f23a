"""sockcost's command line without BPF: help and version on stdout, usage
errors exit 2 and runtime errors exit 1, each with one line on stderr."""
import re
import subprocess

import pytest

from helpers import SOCKCOST, run_sockcost
from sockcostd_helpers import SOCKCOSTD, free_port
from unprivileged import run_unprivileged


def test_help_and_version_go_to_stdout():
    for args in (["--help"], ["snapshot", "--help"], ["-h"]):
        r = run_sockcost(*args)
        assert r.returncode == 0, args
        assert r.stdout.startswith("Usage: sockcost"), args
        assert r.stderr == ""
    r = run_sockcost("--version")
    assert r.returncode == 0
    assert r.stdout.startswith("sockcost ")


def test_cost_help():
    r = run_sockcost("cost", "--help")
    assert r.returncode == 0 and r.stdout.startswith("Usage: sockcost cost")


def test_close_help_and_listing():
    r = run_sockcost("close", "--help")
    assert r.returncode == 0 and r.stdout.startswith("Usage: sockcost close")
    assert re.search(r"^  close\s", run_sockcost("--help").stdout, re.M)


@pytest.mark.parametrize("args,needle", [
    (["close"], "without --pid, --port or --service"),
    (["close", "--yes", "--idle-after", "1"], "without --pid, --port or --service"),
    (["close", "--port", "80", "--max", "0"], "--max"),
    (["close", "--port", "80", "--method", "kill"], "--method"),
    (["close", "--port", "80", "--health", "time_wait"], "--health time_wait"),
    (["close", "--port", "80", "-b", "4"], "'-b'"),
    (["close", "--service", ""], "--service"),
    (["close", "--port", "80", "extra"], "extra"),
])
def test_close_bad_arguments_exit_2_with_one_line(args, needle):
    r = run_sockcost(*args)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1, r.stderr
    assert needle in r.stderr


@pytest.mark.parametrize("args,needle", [
    (["snapshot", "--bogus"], "--bogus"),
    (["snapshot", "--port", "0"], "--port"),
    (["snapshot", "--port", "70000"], "--port"),
    (["snapshot", "--pid", "x"], "--pid"),
    (["snapshot", "--idle-after", "-3"], "--idle-after"),
    (["snapshot", "--heartbeat-bytes", "1k"], "--heartbeat-bytes"),
    (["snapshot", "--observe"], "--observe"),
    (["snapshot", "extra"], "extra"),
    (["snapshot", "--json", "--fields", "pid,nope"], "'nope'"),
    (["snapshot", "--fields", "pid"], "add --json"),
    (["frobnicate"], "frobnicate"),
    ([], "missing command"),
])
def test_bad_arguments_exit_2_with_one_line(args, needle):
    r = run_sockcost(*args)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1, r.stderr
    assert needle in r.stderr


@pytest.mark.parametrize("args,needle", [
    (["cost", "--whatif", "x"], "--whatif"),
    (["cost", "--whatif", "1,,2"], "--whatif"),
    (["cost", "--whatif", "5,"], "--whatif"),
    (["cost", "--ram-price", "-1"], "--ram-price"),
    (["cost", "--pid", "0"], "--pid"),
    (["cost", "--bogus"], "--bogus"),
    (["cost", "extra"], "extra"),
])
def test_cost_bad_arguments_exit_2_with_one_line(args, needle):
    r = run_sockcost(*args)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1, r.stderr
    assert needle in r.stderr


@pytest.mark.parametrize("args,needle", [
    (["-d", "0"], "--delay"),
    (["-n", "x"], "--iterations"),
    (["--sort", "cpu"], "--sort"),
    (["--bogus"], "--bogus"),
])
def test_top_bad_arguments(args, needle):
    r = run_sockcost("top", *args)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and needle in r.stderr


@pytest.mark.parametrize("args", [["snapshot"], ["cost"], ["top", "-b", "-n", "1"],
                                  ["top", "--json", "-n", "1"], ["close", "--port", "80"]],
                         ids=" ".join)
def test_not_root_is_one_clear_line(args):
    r = run_unprivileged(SOCKCOST, *args)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1, r.stderr
    assert "root" in r.stderr and "CAP_BPF" in r.stderr


def _help(*cmd):
    if cmd == ("sockcostd",):
        r = subprocess.run([SOCKCOSTD, "--help"], capture_output=True, text=True, timeout=30)
    else:
        r = run_sockcost(*cmd, "--help")
    assert r.returncode == 0, cmd
    return r.stdout


def _short_options(text):
    """Letter -> long option, from the help's "  -x, --long" lines."""
    return dict(re.findall(r"^\s+-(\w), (--[\w-]+)", text, re.M))


COMMANDS = [("snapshot",), ("cost",), ("top",), ("close",), ("sockcostd",)]


def test_one_letter_for_heartbeat_bytes_in_every_command():
    """-H is --heartbeat-bytes in every command and means nothing else in
    any; -b is top's --batch (top(1)'s) and no command's heartbeat any more."""
    shorts = {cmd: _short_options(_help(*cmd)) for cmd in COMMANDS}
    for cmd, opts in shorts.items():
        assert opts.get("H") == "--heartbeat-bytes", (cmd, opts)
        assert "--heartbeat-bytes" not in [v for k, v in opts.items() if k != "H"], cmd
    assert shorts[("top",)]["b"] == "--batch"
    assert all("b" not in opts for cmd, opts in shorts.items() if cmd != ("top",))


@pytest.mark.parametrize("binary,args", [
    ("sockcost", ["snapshot", "-b", "4"]),
    ("sockcost", ["cost", "-b", "4"]),
    ("sockcostd", ["--no-pin", "-b", "4"]),
], ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_old_heartbeat_letter_still_works_with_one_deprecation_line(binary, args):
    """The old -b is accepted (the run gets as far as needing root) and the
    first line on stderr says what replaces it; -H adds no such line."""
    exe = SOCKCOST if binary == "sockcost" else SOCKCOSTD
    if binary == "sockcostd":
        args = [*args, "--listen", f"127.0.0.1:{free_port()}"]
    r = run_unprivileged(exe, *args)
    assert r.returncode == 1, r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 2, r.stderr
    assert lines[0].startswith(f"{binary}: warning: -b for --heartbeat-bytes is deprecated")
    assert "use -H" in lines[0]
    assert "root" in lines[1]
    r = run_unprivileged(exe, *[("-H" if a == "-b" else a) for a in args])
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert "deprecated" not in r.stderr


def test_observe_auto_longer_than_observe_takes_is_a_usage_error():
    for cmd in ("snapshot", "cost"):
        r = run_sockcost(cmd, "--observe", "auto", "--idle-after", "90000")
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
        assert "--observe auto" in r.stderr
