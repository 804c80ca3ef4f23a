"""make install and make uninstall into a staging DESTDIR (no root, no BPF):
what lands where with which mode, the unit's ExecStart under PREFIX, and the
man pages generated from --help: their sections, every option, and that man
renders them without a warning."""
import os
import re
import shutil
import stat
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UNIT = os.path.join(ROOT, "deploy", "systemd", "sockcostd.service")
# deploy/ file: where it lands under PREFIX, as it is.
SHARED = {os.path.join(ROOT, "deploy", "prometheus", "sockcost-rules.yml"):
          "share/sockcost/prometheus/sockcost-rules.yml",
          os.path.join(ROOT, "deploy", "grafana", "sockcost.json"):
          "share/sockcost/grafana/sockcost.json"}


def commands(build_dir):
    """The commands `sockcost --help` lists."""
    out = subprocess.run([os.path.join(build_dir, "sockcost"), "--help"], capture_output=True,
                         text=True, check=True).stdout
    block = out.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in block.splitlines()]


def expected(build_dir, prefix, unit_dir=None):
    man = f"{prefix}/share/man"
    return {
        f"{prefix}/bin/sockcost": 0o755,
        f"{prefix}/sbin/sockcostd": 0o755,
        f"{unit_dir or prefix + '/lib/systemd/system'}/sockcostd.service": 0o644,
        f"{man}/man1/sockcost.1": 0o644,
        **{f"{man}/man1/sockcost-{c}.1": 0o644 for c in commands(build_dir)},
        f"{man}/man8/sockcostd.8": 0o644,
        **{f"{prefix}/{dst}": 0o644 for dst in SHARED.values()},
    }


def landed(destdir):
    """{path under DESTDIR: mode} of every file there."""
    out = {}
    for dirpath, _, files in os.walk(destdir):
        for f in files:
            path = os.path.join(dirpath, f)
            out["/" + os.path.relpath(path, destdir)] = stat.S_IMODE(os.lstat(path).st_mode)
    return out


def unit_text():
    with open(UNIT) as f:
        return f.read()


@pytest.mark.parametrize("prefix", ["/usr", None])
def test_install_and_uninstall(make, build_dir, tmp_path, prefix):
    dest = str(tmp_path / "stage")
    args = [f"DESTDIR={dest}"] + ([f"PREFIX={prefix}"] if prefix else [])
    prefix = prefix or "/usr/local"
    make("install", *args)
    files = landed(dest)
    assert files == expected(build_dir, prefix)

    for src, dst in (("sockcost", f"{prefix}/bin/sockcost"), ("sockcostd", f"{prefix}/sbin/sockcostd")):
        with open(os.path.join(build_dir, src), "rb") as a, open(dest + dst, "rb") as b:
            assert a.read() == b.read(), dst
        r = subprocess.run([dest + dst, "--version"], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0 and r.stdout.startswith(src + " "), r.stdout + r.stderr

    # The unit is deploy/'s with sockcostd's path under PREFIX, and nothing else changed.
    with open(f"{dest}{prefix}/lib/systemd/system/sockcostd.service") as f:
        unit = f.read()
    exec_start = re.findall(r"^ExecStart=(\S+)", unit, re.M)
    assert exec_start == [f"{prefix}/sbin/sockcostd"]
    assert unit == unit_text().replace("/usr/local/sbin/sockcostd", f"{prefix}/sbin/sockcostd")
    for src, dst in SHARED.items():
        with open(src, "rb") as a, open(f"{dest}{prefix}/{dst}", "rb") as b:
            assert a.read() == b.read(), dst

    make("uninstall", *args)
    assert landed(dest) == {}
    assert not os.path.exists(f"{dest}{prefix}/share/sockcost")


def test_uninstall_keeps_what_others_put_in_share(make, build_dir, tmp_path):
    dest = str(tmp_path / "stage")
    make("install", f"DESTDIR={dest}")
    mine = f"{dest}/usr/local/share/sockcost/prometheus/local-overrides.yml"
    with open(mine, "w") as f:
        f.write("groups: []\n")
    os.chmod(mine, 0o644)
    make("uninstall", f"DESTDIR={dest}")
    assert landed(dest) == {"/usr/local/share/sockcost/prometheus/local-overrides.yml": 0o644}


def test_unit_dir_override(make, build_dir, tmp_path):
    dest = str(tmp_path / "stage")
    make("install", f"DESTDIR={dest}", "PREFIX=/opt/sockcost", "SYSTEMD_UNIT_DIR=/etc/systemd/system")
    assert landed(dest) == expected(build_dir, "/opt/sockcost", "/etc/systemd/system")
    with open(f"{dest}/etc/systemd/system/sockcostd.service") as f:
        assert re.search(r"^ExecStart=/opt/sockcost/sbin/sockcostd ", f.read(), re.M)
    make("uninstall", f"DESTDIR={dest}", "PREFIX=/opt/sockcost", "SYSTEMD_UNIT_DIR=/etc/systemd/system")
    assert landed(dest) == {}


def pages(build_dir):
    """(page file, the --help it comes from as argv) for every page."""
    sockcost, sockcostd = os.path.join(build_dir, "sockcost"), os.path.join(build_dir, "sockcostd")
    return [("sockcost.1", [sockcost]), ("sockcostd.8", [sockcostd])] + \
        [(f"sockcost-{c}.1", [sockcost, c]) for c in commands(build_dir)]


def test_man_pages(make, build_dir):
    make("man")
    for page, argv in pages(build_dir):
        path = os.path.join(build_dir, "man", page)
        with open(path) as f:
            roff = f.read()
        heads = re.findall(r"^\.SH (.*)$", roff, re.M)
        for want in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS"):
            assert want in heads, f"{page}: no {want} in {heads}"
        name = page.rsplit(".", 1)[0]
        th_name = name.upper().replace("-", "\\-")
        assert f"\n.TH {th_name} {page[-1]} " in roff, page

        # Every long option of --help is an option entry of the page.
        helptext = subprocess.run([*argv, "--help"], capture_output=True, text=True, check=True).stdout
        for opt in set(re.findall(r"^ +(?:-\w, )?(--[a-z-]+)", helptext, re.M)):
            assert "\\fB" + opt.replace("-", "\\-") + "\\fR" in roff, f"{page}: {opt} missing"

        if not shutil.which("man"):
            continue
        r = subprocess.run(["man", "--warnings", "-l", path], capture_output=True, text=True,
                           env={**os.environ, "MANWIDTH": "80", "MAN_KEEP_FORMATTING": "",
                                "LC_ALL": "C.UTF-8"}, timeout=60)
        assert r.returncode == 0 and not r.stderr, f"{page}: {r.stderr}"
        text = r.stdout
        assert text.startswith(f"{name.upper()}({page[-1]})"), text[:200]
        assert f"{name} - " in text  # the NAME line
        # No roff left over: requests, font escapes.
        assert not re.search(r"^\s*\.[A-Za-z]{1,2}\b|\\f[BIR]|\\-", text, re.M), text
