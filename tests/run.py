#!/usr/bin/env python3
"""Runs every test suite and prints one summary line: `total: N passed, N failed, N skipped`.

Unit tests: each build/tests/test_* cmocka binary. Integration and end-to-end
tests: pytest over tests/integration and tests/e2e (BPF, root; the e2e test
runs a Node.js WebSocket server). Under CI=true a skipped test counts as a
failure, since CI must really load and attach the BPF programs."""
import argparse
import glob
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_cmocka(binary):
    r = subprocess.run([binary], capture_output=True, text=True, timeout=300)
    out = r.stdout + r.stderr
    sys.stdout.write(out)
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for key, pat in (("passed", r"\[  PASSED  \] (\d+) test"),
                     ("failed", r"\[  FAILED  \] (\d+) test"),
                     ("skipped", r"\[  SKIPPED \] (\d+) test")):
        m = re.search(pat, out)
        if m:
            counts[key] = int(m.group(1))
    if r.returncode != 0 and counts["failed"] == 0:
        counts["failed"] = 1  # crashed or printed no summary
    return counts


def run_pytest(python, args):
    cmd = [python, "-m", "pytest", "-q", "-rfEs", os.path.join(HERE, "integration"),
           os.path.join(HERE, "e2e"), *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    sys.stdout.write(r.stdout + r.stderr)
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    last = [line for line in r.stdout.splitlines() if re.search(r"\d+ (passed|failed|skipped|error)", line)]
    if last:
        for n, word in re.findall(r"(\d+) (passed|failed|skipped|errors?)", last[-1]):
            key = "failed" if word.startswith("error") else word
            counts[key] += int(n)
    if r.returncode not in (0, 5) and counts["failed"] == 0:
        counts["failed"] = 1
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", default="build")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--unit-only", action="store_true")
    ap.add_argument("--no-unit", action="store_true",
                    help="skip the unit binaries (a qemu guest runs only the kernel-facing suites)")
    ap.add_argument("pytest_args", nargs="*")
    args = ap.parse_args()

    total = {"passed": 0, "failed": 0, "skipped": 0}
    binaries = [] if args.no_unit else sorted(glob.glob(os.path.join(args.build, "tests", "test_*")))
    binaries = [b for b in binaries if os.access(b, os.X_OK) and not b.endswith((".o", ".d"))]
    if not binaries and not args.no_unit:
        print(f"no unit test binaries under {args.build}/tests", file=sys.stderr)
        total["failed"] += 1
    for b in binaries:
        print(f"== {os.path.basename(b)}", flush=True)
        for k, v in run_cmocka(b).items():
            total[k] += v
    if not args.unit_only:
        print("== integration and e2e (pytest)", flush=True)
        env_sockcost = os.path.join(args.build, "sockcost")
        os.environ.setdefault("SOCKCOST", os.path.abspath(env_sockcost))
        for k, v in run_pytest(args.python, args.pytest_args).items():
            total[k] += v

    if os.environ.get("CI") == "true" and total["skipped"]:
        print(f"CI=true: {total['skipped']} skipped test(s) count as failures", flush=True)
        total["failed"] += total["skipped"]
        total["skipped"] = 0
    print(f"total: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    return 1 if total["failed"] or not total["passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
