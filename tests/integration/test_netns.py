"""Sockets in a network namespace sockcost does not run in."""
import os
import subprocess

from helpers import netns_process, process, rows, snapshot

HOLDER = r"""
import socket, sys
lst = socket.socket(); lst.bind(("127.0.0.1", 7070)); lst.listen(16)
pairs = []
for _ in range(3):
    c = socket.create_connection(("127.0.0.1", 7070)); s, _ = lst.accept(); pairs.append((c, s))
pairs[0][0].sendall(b"n" * 321); pairs[0][1].recv(321, socket.MSG_WAITALL)
print("ready", flush=True)
sys.stdin.read()  # hold until the test closes stdin
"""


def test_sockets_in_another_namespace_are_attributed():
    with netns_process("sockcost-test", HOLDER) as (holder, name):
        ns_inode = os.stat(f"/run/netns/{name}").st_ino
        assert ns_inode != os.stat("/proc/self/ns/net").st_ino

        doc = snapshot()
        assert doc["host"]["netns_walked"] >= 2
        p = process(doc, holder.pid)
        assert p["connections"] == 6 and p["netns"] == ns_inode
        mine = rows(doc, pid=holder.pid)
        assert len(mine) == 7
        assert all(s["netns"] == ns_inode for s in mine)
        listen = [s for s in mine if s["state"] == "LISTEN"]
        assert len(listen) == 1 and listen[0]["lport"] == 7070
        port = [x for x in doc["ports"] if x["port"] == 7070 and x["netns"] == ns_inode]
        assert len(port) == 1 and port[0]["connections"] == 3
        sender = [s for s in mine if s["tx_bytes"] == 321]
        assert len(sender) == 1


def test_socket_namespace_differs_from_its_holders():
    """A process makes sockets in a new namespace, then returns to the host's:
    its sockets live in a namespace no process is in."""
    import ctypes
    import socket

    from helpers import Child, connect_pairs, listener

    libc = ctypes.CDLL(None, use_errno=True)
    CLONE_NEWNET = 0x40000000
    r, w = os.pipe()

    def setup():
        home = os.open("/proc/self/ns/net", os.O_RDONLY)
        if libc.unshare(CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "unshare")
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        inode = os.stat("/proc/self/ns/net").st_ino
        lst = listener()
        pairs = connect_pairs(lst, 2)
        if libc.setns(home, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")
        os.write(w, str(inode).encode())
        return lst, pairs

    child = Child(setup)
    os.close(w)
    try:
        inode = int(os.read(r, 32))
        assert os.stat(f"/proc/{child.pid}/ns/net").st_ino != inode
        doc = snapshot("--pid", str(child.pid))
        mine = rows(doc, pid=child.pid)
        assert len(mine) == 5
        assert all(s["netns"] == inode for s in mine)
        assert process(doc, child.pid)["connections"] == 4
        assert doc["host"]["netns_missed"] == 0
    finally:
        os.close(r)
        child.stop()
