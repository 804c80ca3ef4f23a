"""Processes are identified by their cgroup: a process moved into a cgroup
shaped like a docker container's is reported with that container's id."""
import os

from helpers import Child, cgroup2_mount, connect_pairs, listener, process, snapshot, wait_for

CONTAINER_ID = "5e" * 32


def test_process_in_a_container_cgroup():
    mount = cgroup2_mount()
    assert mount, "no cgroup2 mount (sockcost needs cgroup v2 for container identity)"
    parent = os.path.join(mount, f"sockcost-test-{os.getpid()}")
    scope = os.path.join(parent, f"docker-{CONTAINER_ID}.scope")
    os.makedirs(scope)
    child = None
    try:
        def setup():
            lst = listener()
            return lst, connect_pairs(lst, 2)

        child = Child(setup)
        with open(os.path.join(scope, "cgroup.procs"), "w") as f:
            f.write(str(child.pid))
        doc = snapshot("--pid", str(child.pid))
        p = process(doc, child.pid)
        assert p["cgroup"] == f"/sockcost-test-{os.getpid()}/docker-{CONTAINER_ID}.scope"
        assert p["container_runtime"] == "docker"
        assert p["container_id"] == CONTAINER_ID
        assert p["pod_uid"] is None
        assert p["connections"] == 4
    finally:
        if child:
            child.stop()
        # A cgroup can be removed once its processes are gone.
        def removed():
            try:
                os.rmdir(scope)
                return True
            except OSError:
                return False

        if not wait_for(removed, timeout=5):
            os.rmdir(scope)  # raises, with the reason
        os.rmdir(parent)
