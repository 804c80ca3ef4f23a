"""Command-line behaviour with BPF: the table output. Help, version and
argument and privilege errors are in tests/cli, which needs no root."""
from helpers import run_sockcost


def test_table_output_names_processes_and_ports(tmp_path):
    r = run_sockcost("snapshot")
    assert r.returncode == 0, r.stderr
    assert "PID" in r.stdout and "COMMAND" in r.stdout and "LISTEN PORT" in r.stdout
