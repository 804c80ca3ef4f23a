"""Runs a binary without privileges: directly when this process is not root,
else a world-executable copy as nobody through setpriv."""
import os
import shutil
import stat
import subprocess
import tempfile

NOBODY = 65534


def run_unprivileged(binary, *args, timeout=30):
    if os.geteuid() != 0:
        return subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout)
    if shutil.which("setpriv") is None:
        raise AssertionError("setpriv is not installed (util-linux), needed to drop root")
    # Copy the binary where an unprivileged user can run it: the build
    # directory may be under a home only root can enter.
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        copy = os.path.join(tmp, os.path.basename(binary))
        shutil.copy(binary, copy)
        os.chmod(copy, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                               "--clear-groups", "--inh-caps=-all", copy, *args],
                              capture_output=True, text=True, timeout=timeout, cwd=tmp)
