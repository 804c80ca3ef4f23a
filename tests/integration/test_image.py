"""The image `make image` builds (deploy/image), run under podman as
deploy/kubernetes/sockcostd-daemonset.yaml runs it: podman's flags come from
the manifest field by field (pod_to_podman.py; an unknown field fails), with
a private bpffs and a made kubelet log layout standing in for the node's
/sys/fs/bpf and /var/log/{pods,containers}, and a free port for 9098. Its
/metrics must count connections this test holds as ss does, name a process
placed in a kubelet-shaped cgroup by the pod and container the made layout
says, /healthz must answer, and /proc must show the capabilities,
namespaces and mounts the manifest asks."""
import copy
import os
import re
import resource
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import urllib.request
import uuid

import pytest
import yaml

from cgroup_places import (cgroup_root, hex64, kubelet_systemd_leaf, remove_tree, start_in,
                           write_kubelet_names)
from helpers import (ROOT, SOCKCOST, Child, connect_pairs, listener, port_of, proc_fd_count,
                     ss_established, ss_states, wait_for)
from pod_to_podman import Node, Unmapped, pod_from_daemonset
from sockcostd_helpers import SOCKCOSTD, free_port, parse_metrics

MANIFEST = os.path.join(ROOT, "deploy", "kubernetes", "sockcostd-daemonset.yaml")
BUILD_SCRIPT = os.path.join(ROOT, "deploy", "image", "build.sh")
CAP_NUMBERS = {"SYS_PTRACE": 19, "SYS_ADMIN": 21, "PERFMON": 38, "BPF": 39}
HELD = 5


def require_podman():
    missing = [t for t in ("podman", "runc", "debootstrap") if not shutil.which(t)]
    if not missing:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {', '.join(missing)} not installed (make deps)")
    pytest.skip(f"{', '.join(missing)} not installed (make deps)")


def manifest():
    with open(MANIFEST) as f:
        return yaml.safe_load(f)


def version():
    out = subprocess.run([SOCKCOSTD, "--version"], capture_output=True, text=True, check=True)
    return out.stdout.split()[1]


def podman(*args, timeout=120, check=True):
    r = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)
    if check:
        assert r.returncode == 0, f"podman {' '.join(args)}: {r.stderr}"
    return r


def node_limits():
    """podman 4.3 asks for its own default limits (1048576 fds and more
    processes than it runs under itself), which setrlimit refuses without
    CAP_SYS_RESOURCE: the container gets the node's hard fd limit, as a
    runtime started on the node passes on its own, and a few thousand
    processes (sockcostd runs a handful of threads)."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    hard = -1 if hard == resource.RLIM_INFINITY else hard
    return [f"--ulimit=nofile={hard}:{hard}", "--ulimit=nproc=4096:4096"]


def manifest_image():
    return manifest()["spec"]["template"]["spec"]["containers"][0]["image"]


def test_manifest_image_is_this_version():
    assert manifest_image() == f"sockcost:{version()}", "make image tags localhost/sockcost:VERSION"


def a_node(**kw):
    return Node(host_ip="127.0.0.1", node_name="n", port=19098,
                host_paths={"/sys/fs/bpf": "/b", "/var/log/pods": "/p",
                            "/var/log/containers": "/c"},
                images={manifest_image(): "localhost/x"}, **kw)


def test_the_mapping_refuses_what_it_does_not_know():
    ds = manifest()
    pod = pod_from_daemonset(ds, a_node(), "c")
    for flag in ("--pid=host", "--network=host", "--read-only", "--cap-drop=ALL",
                 "--security-opt=no-new-privileges",
                 "--mount=type=bind,source=/p,destination=/var/log/pods,ro",
                 "--mount=type=bind,source=/c,destination=/var/log/containers,ro",
                 "--mount=type=bind,source=/b,destination=/sys/fs/bpf"):
        assert flag in pod.argv, (flag, pod.argv)
    assert pod.argv[-2:] == ["--listen", "127.0.0.1:19098"]
    changes = (
        lambda c, s: s.update(initContainers=[]),
        lambda c, s: c.update(stdin=True),
        lambda c, s: c["securityContext"].update(privileged=True),
        lambda c, s: s["volumes"].append({"name": "x", "hostPath": {"path": "/etc"}}),
        lambda c, s: c["volumeMounts"].append({"name": "x", "mountPath": "/x"})
        or s["volumes"].append({"name": "x", "hostPath": {"path": "/etc"}}),
        lambda c, s: c["env"].append({"name": "X", "valueFrom": {"fieldRef": {
            "fieldPath": "metadata.name"}}}),
        lambda c, s: c["securityContext"]["seccompProfile"].update(type="Localhost"),
        lambda c, s: c.update(image="other:1"),
        lambda c, s: s.update(hostNetwork=False),
    )
    for change in changes:
        bad = copy.deepcopy(ds)
        spec = bad["spec"]["template"]["spec"]
        change(spec["containers"][0], spec)
        with pytest.raises(Unmapped):
            pod_from_daemonset(bad, a_node(), "c")


@pytest.fixture(scope="module")
def image():
    """The manifest's image built from this build's binaries, under a tag of this run's own."""
    require_podman()
    tag = f"localhost/sockcost:{version()}-test-{uuid.uuid4().hex[:8]}"
    start = time.monotonic()
    r = subprocess.run([BUILD_SCRIPT, os.path.dirname(SOCKCOST), tag], capture_output=True,
                       text=True, timeout=1800)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    print(f"image {tag} built in {time.monotonic() - start:.1f} s")
    yield tag
    # Only the name goes: the layers stay as the next build's cache.
    podman("untag", tag, tag, check=False)


@pytest.fixture(scope="module")
def private_bpffs():
    """A bpffs instance of the test's own: the daemon pins at its default
    /sys/fs/bpf/sockcost inside the container without touching the node's."""
    d = tempfile.mkdtemp(prefix="sockcost-image-bpffs.")
    subprocess.run(["mount", "-t", "bpf", "bpf", d], check=True)
    yield d
    pins = os.path.join(d, "sockcost")
    if os.path.exists(pins):
        subprocess.run([SOCKCOSTD, "--unload", "--pin-dir", pins], capture_output=True, timeout=60)
    subprocess.run(["umount", d], check=True)
    os.rmdir(d)


class KubeletLogs:
    """The kubelet's /var/log/{pods,containers}, made here: the stand-ins the
    container mounts where the manifest mounts the node's."""

    def __init__(self, root):
        self.pods, self.links = os.path.join(root, "pods"), os.path.join(root, "containers")
        os.makedirs(self.pods)
        os.makedirs(self.links)

    def host_paths(self):
        return {"/var/log/pods": self.pods, "/var/log/containers": self.links}


@pytest.fixture(scope="module")
def kubelet_logs():
    d = tempfile.mkdtemp(prefix="sockcost-image-logs.")
    logs = KubeletLogs(d)
    # sockcostd's own pod, as the DaemonSet's would be named.
    write_kubelet_names(logs.pods, logs.links, "monitoring", "sockcostd-x", str(uuid.uuid4()),
                        "sockcostd", hex64())
    yield logs
    shutil.rmtree(d)


class Running:
    def __init__(self, pod, name, pid):
        self.pod, self.name, self.pid = pod, name, pid

    def get(self, path):
        url = f"http://127.0.0.1:{self.pod.probe_port}{path}"
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read().decode()

    def logs(self):
        r = podman("logs", self.name, check=False)
        return r.stdout + r.stderr


@pytest.fixture(scope="module")
def container(image, private_bpffs, kubelet_logs):
    name = f"sockcostd-test-{uuid.uuid4().hex[:8]}"
    ds = manifest()
    last = ""
    for _ in range(3):  # another test may take the port between probe and bind
        node = Node(host_ip="127.0.0.1", node_name=socket.gethostname(), port=free_port(),
                    host_paths={"/sys/fs/bpf": private_bpffs, **kubelet_logs.host_paths()},
                    images={manifest_image(): image})
        pod = pod_from_daemonset(ds, node, name)
        argv = ["podman", "run", "--detach", *node_limits(), *pod.argv]
        print(" ".join(argv))
        podman("run", "--detach", *node_limits(), *pod.argv, timeout=300)
        running = Running(pod, name, 0)

        def healthy():
            state = podman("inspect", "--format", "{{.State.Running}}", name).stdout.strip()
            if state != "true":
                return "exited"
            try:
                return running.get(pod.probe_path)[0] == 200
            except OSError:
                return False

        up = wait_for(healthy, timeout=120, interval=0.2)
        if up is True:
            running.pid = int(podman("inspect", "--format", "{{.State.Pid}}", name).stdout)
            break
        last = running.logs()
        podman("rm", "--force", name, check=False)
        if "Address already in use" not in last:
            break
    else:
        raise AssertionError(f"the container did not start: {last}")
    assert up is True, f"the container did not start: {last}"
    yield running
    try:
        podman("stop", "--time", "30", name, timeout=60)
        code = podman("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()
        assert code == "0", f"sockcostd exited {code} on SIGTERM: {running.logs()}"
    finally:
        podman("rm", "--force", name, check=False)


def proc_status(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f)


def mounts(pid):
    """mount point -> (options, fs type), from the process's own mountinfo."""
    out = {}
    with open(f"/proc/{pid}/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ")
            fields = left.split()
            out[fields[4]] = (fields[5].split(","), right.split()[0])
    return out


def memory_limit(pid):
    """The memory limit of pid's cgroup (v1 memory controller or v2), or None."""
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if "memory" in controllers.split(","):
                with open(f"/sys/fs/cgroup/memory{path}/memory.limit_in_bytes") as lim:
                    return int(lim.read())
    with open("/proc/self/mounts") as f:
        v2 = next((ln.split()[1] for ln in f if ln.split()[2] == "cgroup2"), None)
    with open(f"/proc/{pid}/cgroup") as f:
        path = next(ln.rstrip("\n").split(":", 2)[2] for ln in f if ln.startswith("0::"))
    with open(f"{v2}{path}/memory.max") as lim:
        return int(lim.read())


def test_the_container_runs_as_the_manifest_says(container, private_bpffs):
    pid, pod = container.pid, container.pod
    st = proc_status(pid)
    asked = sum(1 << CAP_NUMBERS[c] for c in pod.capabilities)
    assert int(st["CapBnd"], 16) == asked, st["CapBnd"]
    # Loaded, it keeps at most the namespace walkers.
    walkers = (1 << CAP_NUMBERS["SYS_ADMIN"]) | (1 << CAP_NUMBERS["SYS_PTRACE"])
    assert int(st["CapEff"], 16) & ~walkers == 0, st["CapEff"]
    assert st["NoNewPrivs"] == "1"
    assert st["Seccomp"] == "2", "RuntimeDefault: the runtime's seccomp filter"
    for ns in ("pid", "net"):
        assert os.readlink(f"/proc/{pid}/ns/{ns}") == os.readlink(f"/proc/self/ns/{ns}"), ns
    assert os.readlink(f"/proc/{pid}/ns/mnt") != os.readlink("/proc/self/ns/mnt")
    m = mounts(pid)
    assert "ro" in m["/"][0]
    assert m["/sys/fs/bpf"][1] == "bpf" and "rw" in m["/sys/fs/bpf"][0]
    assert m["/var/log/pods"][0][0] == "ro"
    assert m["/var/log/containers"][0][0] == "ro"
    assert m["/run/sockcost"][1] == "tmpfs"
    # The table `kubectl exec ... sockcost snapshot` asks for, on the manifest's emptyDir.
    assert stat.S_ISSOCK(os.stat(f"/proc/{pid}/root/run/sockcost/sockcostd.sock").st_mode)
    assert "/run" not in m and "/tmp" not in m, "no writable tmpfs beyond the manifest's"
    want = next(a for a in pod.argv if a.startswith("--memory="))
    assert memory_limit(pid) == int(want[len("--memory="):-1])
    # Pinned where the manifest's mount puts it: in the private bpffs.
    assert os.path.isdir(os.path.join(private_bpffs, "sockcost"))
    assert os.listdir(os.path.join(private_bpffs, "sockcost"))


def test_the_container_counts_a_connection_held_on_the_host(container):
    r, w = os.pipe()

    def setup():
        lst = listener()
        os.write(w, b"%d\n" % port_of(lst))
        return lst, connect_pairs(lst, HELD)

    child = Child(setup, name=b"sc-image-hold")
    os.close(w)
    port = int(os.read(r, 16))
    os.close(r)
    try:
        established = [s for s in ss_states(port) if s[0] == "ESTAB" and s[1] == port]
        assert len(established) == HELD, established
        since = time.time()

        def fresh():
            status, text = container.get("/metrics")
            assert status == 200
            m = re.search(r"^sockcost_exporter_last_refresh_timestamp_seconds (\S+)$", text, re.M)
            return text if m and float(m.group(1)) >= since else None

        text = wait_for(fresh, timeout=60, interval=0.3)
        assert text, "no refresh within 60 s"
        port_line = re.search(rf'^sockcost_port_connections\{{port="{port}"\}} (\S+)$', text, re.M)
        assert port_line and float(port_line.group(1)) == len(established), text[:2000]
        # hostPID: the daemon names the holder by the host's pid and comm.
        proc_line = re.search(
            rf'^sockcost_process_connections\{{[^}}]*pid="{child.pid}"[^}}]*\}} (\S+)$', text, re.M)
        assert proc_line and float(proc_line.group(1)) == 2 * HELD, text[:2000]
        assert 'comm="sc-image-hold"' in proc_line.group(0)
        assert "sockcost_exporter_collect_success 1" in text
        print("\n".join(ln for ln in text.splitlines() if str(port) in ln
                        or str(child.pid) in ln or ln.startswith("sockcost_exporter")))
    finally:
        child.stop()
    status, body = container.get(container.pod.probe_path)
    assert status == 200, body


def test_the_image_holds_the_cli(container):
    """`kubectl exec ... sockcost`: the CLI and its libraries are in the image."""
    r = podman("exec", container.name, "/usr/local/bin/sockcost", "--version")
    assert r.stdout.split()[:2] == ["sockcost", version()], r.stdout


def container_lines(text, container_id):
    return [ln for ln in text.splitlines()
            if ln.startswith("sockcost_container_") and container_id in ln]


def test_the_container_names_a_pod_container_on_the_node(container, kubelet_logs, request):
    """A process in a kubelet-shaped cgroup leaf (systemd driver, containerd)
    whose pod and container the made log layout names: the containerized
    daemon must label its series with them, and count as ss and /proc do."""
    pod_uid, container_id = str(uuid.uuid4()), hex64()
    labels = {"container_id": container_id, "pod_uid": pod_uid, "namespace": "team-a",
              "pod": "web-7d4b9c-x2k", "container": "app-server", "unit": ""}
    # Named before the container appears: names are looked up when it does.
    write_kubelet_names(kubelet_logs.pods, kubelet_logs.links, labels["namespace"],
                        labels["pod"], pod_uid, labels["container"], container_id)
    top = os.path.join(cgroup_root(), f"sockcost-image-{os.getpid()}-{uuid.uuid4().hex[:6]}")
    leaf = os.path.join(top, kubelet_systemd_leaf(pod_uid, container_id))
    child = None
    try:
        os.makedirs(leaf)
        child, port = start_in(leaf, HELD, name=b"sc-image-pod")
        pid = child.pid
        with open(f"/proc/{pid}/cgroup") as f:
            assert f"0::/{os.path.relpath(leaf, cgroup_root())}\n" in f.read()
        want = 2 * HELD
        since = time.time()

        def named():
            status, text = container.get("/metrics")
            assert status == 200
            m = re.search(r"^sockcost_exporter_last_refresh_timestamp_seconds (\S+)$", text, re.M)
            if not m or float(m.group(1)) < since:
                return None
            s = parse_metrics(text)
            got = [v for lab, v in s.get("sockcost_container_connections", []) if lab == labels]
            return (text, s) if got == [want] else None

        found = wait_for(named, timeout=60, interval=0.3)
        if not found:
            raise AssertionError("no sockcost_container_connections == %d for %s within 60 s:\n%s"
                                 % (want, labels, "\n".join(
                                     container_lines(container.get("/metrics")[1], container_id))))
        text, s = found
        assert ss_established(port) == want
        assert [v for lab, v in s["sockcost_container_processes"] if lab == labels] == [1]
        fds = [v for lab, v in s["sockcost_container_open_fds"] if lab == labels]
        assert fds == [proc_fd_count(pid)], (fds, proc_fd_count(pid))
        lines = container_lines(text, container_id)
        print("\n".join(lines))
        # Kept after the run, to quote: the build's own directory, not the tree.
        with open(os.path.join(os.path.dirname(SOCKCOST), "test_image.log"), "a") as f:
            f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {request.node.name}\n")
            f.write("\n".join(lines) + "\n")
    finally:
        if child:
            child.stop()
        if os.path.isdir(top):
            remove_tree(top)
