"""Command-line behaviour with BPF: the table output. Help, version and
argument and privilege errors are in tests/cli, which needs no root."""
import os
import signal
import socket
import time

from helpers import run_sockcost


def test_table_output_names_processes_and_ports(tmp_path):
    r = run_sockcost("snapshot", "--by", "process")
    assert r.returncode == 0, r.stderr
    assert "PID" in r.stdout and "COMMAND" in r.stdout and "LISTEN PORT" in r.stdout


def test_default_table_is_by_service_when_one_has_several_processes():
    """A parent and the child it forked share a listener: one service of two
    processes, so the default table is by service. Narrowed to the parent
    (--pid), no service has two processes: the table is by process."""
    srv = socket.create_server(("127.0.0.1", 0))
    port = srv.getsockname()[1]
    child = os.fork()
    if child == 0:
        time.sleep(60)  # holds the inherited listener until killed
        os._exit(0)
    try:
        r = run_sockcost("snapshot")
        assert r.returncode == 0, r.stderr
        assert r.stdout.split("\n\n")[1].split()[0] == "SERVICE", r.stdout
        row = [line.split() for line in r.stdout.splitlines() if f":{port} " in line + " "
               and line.split()[0].endswith(f":{port}")]
        assert row and row[0][1] == "2", r.stdout
        r = run_sockcost("snapshot", "--pid", str(os.getpid()))
        assert r.stdout.split("\n\n")[1].split()[0] == "PID", r.stdout
        r = run_sockcost("snapshot", "--pid", str(os.getpid()), "--by", "service")
        assert r.stdout.split("\n\n")[1].split()[0] == "SERVICE", r.stdout
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        srv.close()
