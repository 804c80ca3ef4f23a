"""Real processes in real cgroup v2 leaves named as container runtimes name
them, and the kubelet's log layout that names their pods and containers:
shared by the tests that check sockcost's per-container series."""
import contextlib
import json
import os
import uuid

from helpers import Child, cgroup2_mount, connect_pairs, listener, port_of, wait_for


def cgroup_root():
    mount = cgroup2_mount()
    assert mount, "no cgroup2 mount (sockcost needs cgroup v2 for container identity)"
    return mount


def hex64():
    return uuid.uuid4().hex + uuid.uuid4().hex


def kubelet_systemd_leaf(pod_uid, container_id):
    """A container's leaf under the kubelet's systemd driver (besteffort QoS):
    the dashes of the pod uid written as underscores."""
    return ("kubepods.slice/kubepods-besteffort.slice/"
            f"kubepods-besteffort-pod{pod_uid.replace('-', '_')}.slice/"
            f"cri-containerd-{container_id}.scope")


def write_kubelet_names(pods, links, namespace, pod, pod_uid, container="", container_id=""):
    """The kubelet's /var/log/pods/NAMESPACE_POD_UID/CONTAINER/0.log and its
    /var/log/containers/POD_NAMESPACE_CONTAINER-ID.log link, under pods and links."""
    pod_dir = os.path.join(pods, f"{namespace}_{pod}_{pod_uid}")
    # Another container of the pod that is not running: its name must not be taken.
    os.makedirs(os.path.join(pod_dir, "init-config"))
    if container:
        log = os.path.join(pod_dir, container, "0.log")
        os.makedirs(os.path.dirname(log))
        open(log, "w").close()
        os.symlink(log, os.path.join(links, f"{pod}_{namespace}_{container}-{container_id}.log"))


def start_in(leaf_dir, npairs, name=None):
    """A process that moves itself into leaf_dir, then listens and connects,
    and its listener's port. The listener is the child's own from the start:
    an accepted socket starts with its listener's owner, so a daemon already
    running credits the child, not this process, with both ends."""
    port_r, port_w = os.pipe()

    def setup():
        os.close(port_r)
        with open(os.path.join(leaf_dir, "cgroup.procs"), "w") as f:
            f.write("0")
        lst = listener()
        pairs = connect_pairs(lst, npairs)
        # Unread bytes: queue memory for sockcost and ss to agree on.
        for client, _ in pairs:
            client.sendall(b"x" * 1000)
        os.write(port_w, b"%d\n" % port_of(lst))
        os.close(port_w)
        return lst, pairs

    try:
        child = Child(setup, name=name)
        os.close(port_w)
        port_w = None
        with os.fdopen(port_r) as f:
            port_r = None
            return child, int(f.read())
    finally:
        for fd in (port_r, port_w):
            if fd is not None:
                os.close(fd)


def remove_tree(top):
    """rmdir every cgroup below and at top, deepest first, once their processes are gone."""
    dirs = [d for d, _, _ in os.walk(top)]

    def removed():
        for d in sorted(dirs, key=len, reverse=True):
            try:
                os.rmdir(d)
            except FileNotFoundError:
                pass
            except OSError:
                return False
        return True

    if not wait_for(removed, timeout=10):
        for d in sorted(dirs, key=len, reverse=True):
            if os.path.exists(d):
                os.rmdir(d)  # raises, with the reason


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


@contextlib.contextmanager
def placed_processes(root):
    """make_places' places, each with a process holding its pairs, under a
    new cgroup subtree; the env naming them (a node layout under root)."""
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:6]}"
    top = os.path.join(cgroup_root(), f"sockcost-k8s-{tag}")
    places = make_places(tag)
    env = write_node_layout(root, places)
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


def place_label(p):
    """The place as every sockcost command labels it: NS/POD/CONTAINER, the runtime's name, the unit."""
    lab = p.labels
    if lab["pod"]:
        return f"{lab['namespace']}/{lab['pod']}/{lab['container'] or '-'}"
    return lab["container"] or lab["unit"]
