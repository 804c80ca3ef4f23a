"""Per-container series: real processes in real cgroup v2 leaves named as
the kubelet (systemd and cgroupfs drivers), Docker and Podman name them, a
systemd-unit-shaped leaf, and a test-made node layout (the kubelet's pod log
directories and links, Docker's config.v2.json, Podman's containers.json)
that names them. sockcostd's sockcost_container_* series and `sockcost
snapshot --by cgroup` are checked against ss and /proc for those pids."""
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import uuid

import pytest

from cgroup_places import cgroup_root, place_label, placed_processes, remove_tree, start_in
from helpers import (proc_fd_count, run_sockcost, snapshot, ss_established, ss_socket_memory,
                     wait_for)
from sockcostd_helpers import Daemon, parse_metrics

FAMILIES = ("processes", "connections", "idle_connections", "open_fds", "socket_memory_bytes")


@pytest.fixture
def placed(tmp_path):
    """The places, each with a process holding its pairs; the env naming them."""
    with placed_processes(str(tmp_path)) as got:
        yield got


def series_of(samples, family, labels):
    """The one sample of sockcost_container_FAMILY whose labels are exactly labels."""
    found = [v for lab, v in samples.get(f"sockcost_container_{family}", []) if lab == labels]
    assert len(found) == 1, (f"sockcost_container_{family}{labels}: {len(found)} samples in "
                             f"{samples.get(f'sockcost_container_{family}')}")
    return found[0]


def test_container_series_against_ss_and_proc(placed):
    places, env, _ = placed
    d = Daemon("--idle-after", "1", "--top-processes", "10000", "--enable-snapshot",
               "--pod-log-dir", env["SOCKCOST_POD_LOG_DIR"],
               "--docker-dir", env["SOCKCOST_DOCKER_DIR"],
               "--podman-dir", env["SOCKCOST_PODMAN_DIR"])
    try:
        # Nobody sends: after a second every connection is idle.
        def all_idle():
            s = parse_metrics(d.metrics())
            for p in places:
                got = [v for lab, v in s.get("sockcost_container_idle_connections", [])
                       if lab == p.labels]
                if got != [2 * p.pairs]:
                    return None
            return s
        assert wait_for(all_idle, timeout=30, interval=0.5), d.metrics()
        text = d.metrics()
        s = parse_metrics(text)
        for p in places:
            pid, want = p.child.pid, 2 * p.pairs
            assert ss_established(p.port) == want
            assert series_of(s, "processes", p.labels) == 1
            assert series_of(s, "connections", p.labels) == want
            assert series_of(s, "idle_connections", p.labels) == want
            assert series_of(s, "open_fds", p.labels) == proc_fd_count(pid)
            assert series_of(s, "socket_memory_bytes", p.labels) == ss_socket_memory(p.port)
            # One process: the container's figure is its process's.
            per_proc = [v for lab, v in s["sockcost_process_memory_per_connection_bytes"]
                        if lab["pid"] == str(pid)]
            assert len(per_proc) == 1
            assert series_of(s, "memory_per_connection_bytes", p.labels) == per_proc[0]
        # Every series has the same label names; ids, pod uids and units appear once each.
        for fam in FAMILIES:
            rows = s[f"sockcost_container_{fam}"]
            assert all(set(lab) == set(places[0].labels) for lab, _ in rows)
            keys = [(lab["container_id"], lab["pod_uid"], lab["unit"]) for lab, _ in rows]
            assert len(keys) == len(set(keys))
            assert all(bool(lab["unit"]) != bool(lab["container_id"] or lab["pod_uid"])
                       for lab, _ in rows)
        # Names are looked up when a container appears, not per scrape.
        def lookups(samples):
            return samples["sockcost_exporter_container_name_lookups_total"][0][1]

        # Named: all the node can say (a container its name; a pod, no container, its pod's).
        def ids(samples, named):
            return {lab["container_id"] or lab["pod_uid"]
                    for lab, _ in samples["sockcost_container_connections"]
                    if not lab["unit"] and
                    bool(lab["container"] or lab["pod"] and not lab["container_id"]) == named}
        before, seen, unnamed = lookups(s), ids(s, True) | ids(s, False), ids(s, False)
        appeared = set()
        for _ in range(5):
            later = parse_metrics(d.metrics())
            unnamed |= ids(later, False)
            appeared |= (ids(later, True) | ids(later, False)) - seen
        # Others' containers may come meanwhile, and unnamed ones are asked again (once in 30 s).
        assert lookups(later) - before <= len(appeared) + len(unnamed)
        # /snapshot.json names as /metrics does, from the same directories.
        status, _, body = d.get("/snapshot.json")
        assert status == 200
        procs = {x["pid"]: x for x in json.loads(body)["processes"]}
        for p in places:
            for key, want in p.labels.items():
                assert procs[p.child.pid][key] == (want or None), (key, procs[p.child.pid])
        excerpt = [line for line in text.splitlines()
                   if line.startswith("sockcost_container_") and
                   any(p.labels["container_id"] and p.labels["container_id"] in line or
                       p.labels["unit"] and p.labels["unit"] in line for p in places)]
        print("\n".join(excerpt))
        # The kubelet links the pod's container now: the next retry (30 s) names it.
        b = places[1]
        links = os.path.join(os.path.dirname(env["SOCKCOST_POD_LOG_DIR"]), "containers")
        lab = b.labels
        os.symlink("/dev/null", os.path.join(
            links, f"{lab['pod']}_{lab['namespace']}_coredns-{lab['container_id']}.log"))
        lab["container"] = "coredns"

        def named_now():
            got = [v for lab_, v in parse_metrics(d.metrics()).get(
                "sockcost_container_connections", []) if lab_ == lab]
            return got == [2 * b.pairs]
        assert wait_for(named_now, timeout=45, interval=1), d.metrics()
    finally:
        d.stop()


def test_snapshot_by_cgroup_names(placed, monkeypatch):
    places, env, _ = placed
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    r = run_sockcost("snapshot", "--no-daemon", "--by", "cgroup")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    for p in places:
        lab = p.labels
        row = [line for line in lines if line.endswith(" " + p.cgroup)]
        assert len(row) == 1, r.stdout
        # PROCS CONN IDLE IDLE% FDS SOCK-MEM (a number and a unit) CONTAINER NAME CGROUP
        fields = row[0].split()
        assert int(fields[0]) == 1 and int(fields[1]) == 2 * p.pairs
        assert int(fields[4]) == proc_fd_count(p.child.pid)
        assert fields[-3] == (lab["container_id"][:12] or "-")
        assert fields[-2] == place_label(p)
    for p in places:
        doc = snapshot("--no-daemon", "--pid", str(p.child.pid))
        proc = [x for x in doc["processes"] if x["pid"] == p.child.pid][0]
        for key, want in p.labels.items():
            assert proc[key] == (want or None), (key, proc)
        assert proc["cgroup"] == p.cgroup


def test_name_from_real_podman_state(tmp_path, monkeypatch):
    """A container podman itself created (in a storage root of the test's
    own), its id on a process's libpod scope: its name from podman's file."""
    podman = shutil.which("podman")
    assert podman, "podman is not installed (make deps installs it)"
    root = tmp_path / "storage"
    runroot = tempfile.mkdtemp(prefix="scpod-")  # podman wants it under 50 characters
    base = [podman, "--root", str(root), "--runroot", runroot, "--storage-driver", "overlay"]
    empty = tmp_path / "empty.tar"
    tarfile.open(empty, "w").close()
    name = f"sockcost-names-{uuid.uuid4().hex[:8]}"

    def run(*args):
        r = subprocess.run([*base, *args], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    top = os.path.join(cgroup_root(), f"sockcost-podman-{os.getpid()}-{uuid.uuid4().hex[:6]}")
    child = None
    try:
        run("import", str(empty), "localhost/sockcost-empty:1")
        cid = run("create", "--name", name, "localhost/sockcost-empty:1", "/none")
        assert len(cid) == 64
        leaf = os.path.join(top, f"machine.slice/libpod-{cid}.scope")
        os.makedirs(leaf)
        child, _ = start_in(leaf, 1)
        monkeypatch.setenv("SOCKCOST_PODMAN_DIR", str(root))
        doc = snapshot("--no-daemon", "--pid", str(child.pid))
        proc = [x for x in doc["processes"] if x["pid"] == child.pid][0]
        assert proc["container_runtime"] == "podman"
        assert proc["container_id"] == cid
        assert proc["container"] == name
        assert proc["unit"] is None and proc["pod"] is None
    finally:
        if child:
            child.stop()
        if os.path.isdir(top):
            remove_tree(top)
        subprocess.run([*base, "rm", "--all", "--force"], capture_output=True, timeout=120)
        subprocess.run([*base, "rmi", "--all", "--force"], capture_output=True, timeout=120)
        shutil.rmtree(runroot, ignore_errors=True)
