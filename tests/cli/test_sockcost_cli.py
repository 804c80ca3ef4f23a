"""sockcost's command line without BPF: help and version on stdout, usage
errors exit 2 and runtime errors exit 1, each with one line on stderr."""
import pytest

from helpers import SOCKCOST, run_sockcost
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
                                  ["top", "--json", "-n", "1"]], ids=" ".join)
def test_not_root_is_one_clear_line(args):
    r = run_unprivileged(SOCKCOST, *args)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1, r.stderr
    assert "root" in r.stderr and "CAP_BPF" in r.stderr
