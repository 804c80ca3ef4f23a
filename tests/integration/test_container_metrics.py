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

from cgroup_places import (cgroup_root, hex64, kubelet_systemd_leaf, remove_tree, start_in,
                           write_kubelet_names)
from helpers import (proc_fd_count, run_sockcost, snapshot, ss_established, ss_socket_memory,
                     wait_for)
from sockcostd_helpers import Daemon, parse_metrics

FAMILIES = ("processes", "connections", "idle_connections", "open_fds", "socket_memory_bytes")


class Place:
    """A cgroup leaf (path relative to the test's root), what sockcostd should
    label it with, and the connection pairs its process holds."""

    def __init__(self, leaf, pairs, container_id="", pod_uid="", namespace="", pod="",
                 container="", unit=""):
        self.leaf, self.pairs = leaf, pairs
        self.labels = {"container_id": container_id, "pod_uid": pod_uid,
                       "namespace": namespace, "pod": pod, "container": container,
                       "unit": unit}
        self.child = self.port = None


def make_places(tag):
    a_uid, b_uid = str(uuid.uuid4()), str(uuid.uuid4())
    a_id, b_id, c_id, d_id, e_id, f_id = (hex64() for _ in range(6))
    # A static (mirror) pod's UID is a hash: 32 hex digits, no dashes.
    e_uid = uuid.uuid4().hex
    unit = f"sockcost-test-{tag}.service"
    # A user no other run of this test shares: its units must hold this run's processes only.
    user = 100000 + uuid.uuid4().int % 800000
    return [
        # The kubelet's systemd driver.
        Place(kubelet_systemd_leaf(a_uid, a_id), 3, container_id=a_id, pod_uid=a_uid,
              namespace="team-a", pod="web-7d4b9c-x2k.v2", container="app-server"),
        # The cgroupfs driver; the pod has a log directory but no container link yet.
        Place(f"kubepods/burstable/pod{b_uid}/{b_id}", 5, container_id=b_id, pod_uid=b_uid,
              namespace="kube-system", pod="coredns-5d78c9869d-q8r2t"),
        Place(f"system.slice/docker-{c_id}.scope", 2, container_id=c_id,
              container="redis-cache_1"),
        Place(f"machine.slice/libpod-{d_id}.scope", 4, container_id=d_id, container="pg-main"),
        Place(f"system.slice/{unit}", 6, unit=unit),
        Place(kubelet_systemd_leaf(e_uid, e_id), 2, container_id=e_id, pod_uid=e_uid,
              namespace="kube-system", pod="etcd-node-1", container="etcd"),
        # A container whose path gives no pod UID: the kubelet's link still names it.
        Place(f"system.slice/cri-containerd-{f_id}.scope", 1, container_id=f_id,
              namespace="team-f", pod="batch-0", container="worker"),
        # Everything a user's service manager runs is that manager ...
        Place(f"user.slice/user-{user}.slice/user@{user}.service/app.slice/dbus.service", 2,
              unit=f"user@{user}.service"),
        # ... and a login session its user's slice.
        Place(f"user.slice/user-{user}.slice/session-{user % 1000}.scope", 1,
              unit=f"user-{user}.slice"),
    ]


def write_node_layout(root, places):
    """The kubelet's /var/log/{pods,containers}, Docker's and Podman's state, under root."""
    a, b, c, d, _, e, f = places[:7]
    pods, links = os.path.join(root, "log/pods"), os.path.join(root, "log/containers")
    os.makedirs(links)
    for p in (a, b, e, f):
        lab = p.labels
        write_kubelet_names(pods, links, lab["namespace"], lab["pod"],
                            lab["pod_uid"] or str(uuid.uuid4()), lab["container"],
                            lab["container_id"])
    docker = os.path.join(root, "docker/containers", c.labels["container_id"])
    os.makedirs(docker)
    with open(os.path.join(docker, "config.v2.json"), "w") as f:
        json.dump({"State": {"Running": True, "Pid": 1}, "ID": c.labels["container_id"],
                   "MountPoints": {"/data": {"Name": "a-volume"}},
                   "Name": "/" + c.labels["container"], "Driver": "overlay2"}, f)
    storage = os.path.join(root, "storage/overlay-containers")
    os.makedirs(storage)
    with open(os.path.join(storage, "containers.json"), "w") as f:
        json.dump([{"id": hex64(), "names": ["other"], "image": "x", "layer": "y"},
                   {"id": d.labels["container_id"], "names": [d.labels["container"]],
                    "image": "x", "layer": "z",
                    "metadata": json.dumps({"name": d.labels["container"]})}], f)
    return {"SOCKCOST_POD_LOG_DIR": pods, "SOCKCOST_DOCKER_DIR": os.path.join(root, "docker"),
            "SOCKCOST_PODMAN_DIR": os.path.join(root, "storage")}


@pytest.fixture
def placed(tmp_path):
    """The places, each with a process holding its pairs; the env naming them."""
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:6]}"
    top = os.path.join(cgroup_root(), f"sockcost-k8s-{tag}")
    places = make_places(tag)
    env = write_node_layout(str(tmp_path), places)
    try:
        for p in places:
            leaf = os.path.join(top, p.leaf)
            os.makedirs(leaf)
            p.child, p.port = start_in(leaf, p.pairs)
            p.cgroup = "/" + os.path.relpath(leaf, cgroup_root())
        for p in places:
            with open(f"/proc/{p.child.pid}/cgroup") as f:
                assert f"0::{p.cgroup}\n" in f.read()
        yield places, env, top
    finally:
        for p in places:
            if p.child:
                p.child.stop()
        if os.path.isdir(top):
            remove_tree(top)


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
        who = (f"{lab['namespace']}/{lab['pod']}/{lab['container'] or '-'}" if lab["pod"]
               else lab["container"] or lab["unit"])
        assert fields[-2] == who
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
