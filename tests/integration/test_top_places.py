"""`sockcost top`'s CONTAINER column: processes in test-made kubelet-,
Docker-, Podman- and unit-shaped cgroup v2 leaves, named by a test-made node
layout, show the place sockcostd labels them with; a process in this test's
own cgroup shows its unit or host, as /proc/PID/cgroup says."""
import json
import re

import pytest

from cgroup_places import place_label, placed_processes
from helpers import hold_pairs, run_sockcost


@pytest.fixture
def placed(tmp_path, monkeypatch):
    with placed_processes(str(tmp_path)) as got:
        for k, v in got[1].items():
            monkeypatch.setenv(k, v)
        yield got


@pytest.fixture
def host_child():
    child, _ = hold_pairs(2, b"sc-top-host")
    yield child
    child.stop()


def unit_from_proc(pid):
    """pid's unit as sockcost names it: the outermost .service or .scope of its
    cgroup v2 path (a login session-N.scope right under user-UID.slice is
    that slice), else host."""
    with open(f"/proc/{pid}/cgroup") as f:
        path = next(line[3:].strip() for line in f if line.startswith("0::"))
    parts = [c for c in path.split("/") if c]
    for i, c in enumerate(parts):
        if c.startswith("session-") and c.endswith(".scope") and i and \
                re.fullmatch(r"user-\d+\.slice", parts[i - 1]):
            return parts[i - 1]
        if (c.endswith(".service") and len(c) > 8) or (c.endswith(".scope") and len(c) > 6):
            return c
    return "host"


def batch_rows(out):
    """pid -> the process row's cells, from one text frame."""
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.split()[:2] == ["PID", "COMMAND"])
    assert lines[head].split()[-1] == "CONTAINER", lines[head]
    rows = {}
    for line in lines[head + 1:]:
        if not line.strip():
            break
        rows[int(line.split()[0])] = line.split()
    return rows


def test_batch_shows_each_process_place(placed, host_child):
    places, _, _ = placed
    pids = [p.child.pid for p in places] + [host_child.pid]
    pid_args = [a for pid in pids for a in ("-p", str(pid))]
    r = run_sockcost("top", "-b", "-n", "1", *pid_args)
    assert r.returncode == 0, r.stderr
    rows = batch_rows(r.stdout)
    for p in places:
        assert rows[p.child.pid][-1] == place_label(p), r.stdout
    assert rows[host_child.pid][-1] == unit_from_proc(host_child.pid), r.stdout

    r = run_sockcost("top", "--json", "-n", "1", *pid_args)
    assert r.returncode == 0, r.stderr
    procs = {x["pid"]: x for x in json.loads(r.stdout.splitlines()[0])["processes"]}
    for p in places:
        assert procs[p.child.pid]["container"] == place_label(p)
    assert procs[host_child.pid]["container"] == unit_from_proc(host_child.pid)
