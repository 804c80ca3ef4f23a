"""Real processes in real cgroup v2 leaves named as container runtimes name
them, and the kubelet's log layout that names their pods and containers:
shared by the tests that check sockcost's per-container series."""
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
