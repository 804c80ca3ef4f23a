"""Command-line behaviour with BPF: the table output. Help, version and
argument and privilege errors are in tests/cli, which needs no root."""
import json

from helpers import run_sockcost


def test_table_output_names_processes_and_ports(tmp_path):
    r = run_sockcost("snapshot", "--by", "process")
    assert r.returncode == 0, r.stderr
    assert "PID" in r.stdout and "COMMAND" in r.stdout and "LISTEN PORT" in r.stdout


def test_default_table_is_by_service_exactly_when_one_has_several_processes():
    """The default grouping follows the host: services when some service has
    several processes (per the JSON taken just before), else processes."""
    grouped = any(s["processes"] > 1 for s in snapshot_json()["services"])
    r = run_sockcost("snapshot")
    assert r.returncode == 0, r.stderr
    first = r.stdout.split("\n\n")[1].split()[0]
    assert first == ("SERVICE" if grouped else "PID"), r.stdout
    r = run_sockcost("snapshot", "--by", "service")
    assert r.stdout.split("\n\n")[1].split()[0] == "SERVICE"


def snapshot_json():
    r = run_sockcost("snapshot", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)
