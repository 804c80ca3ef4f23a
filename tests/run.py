#!/usr/bin/env python3
"""Runs the test suites and prints one summary line: `total: N passed, N failed, N skipped`.

Unit tests: each build/tests/test_* cmocka binary. Command-line tests:
pytest over tests/cli (no BPF, any user). Integration and end-to-end tests:
pytest over tests/integration and tests/e2e (BPF, root; the e2e test runs a
Node.js WebSocket server) and tests/install (make install into a staging
directory; no root). By default all of them (`make test`); --check only the
unit, command-line and install tests (`make check`, no root); --unit-only only the
unit tests. With --tsan DIR, DIR's unit tests of threaded code (DIR/tests/
test_*) run, and the daemon tests (tests/integration/test_daemon*.py) once
more against DIR's sockcostd and sockcost, all built with ThreadSanitizer;
a TSan report fails the run. With --fuzz-seconds N,
each libFuzzer harness under BUILD/fuzz runs N seconds after the unit tests
(tests/fuzz/runner.py; each harness counts as one test). Under CI=true a skipped
test counts as a failure, since CI must really load and attach the BPF
programs."""
import argparse
import glob
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run_cmocka(binary, env=None, wrapper=()):
    r = subprocess.run([*wrapper, binary], capture_output=True, text=True, timeout=300, env=env)
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


def run_pytest(python, paths, args, env=None, wrapper=()):
    # --durations: the slowest tests are named in every run, so slow ones get seen.
    cmd = [*wrapper, python, "-m", "pytest", "-q", "-rfEs", "--durations=15", *paths, *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, env=env)
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


def no_aslr():
    """setarch's -R: TSan's fixed shadow layout can collide with mappings the
    kernel randomized over many bits (vm.mmap_rnd_bits 30+ makes older TSan
    abort with "unexpected memory mapping"); no randomization avoids that.
    Empty where setarch is missing or the personality is refused."""
    cmd = ["setarch", platform.machine(), "-R"]
    if shutil.which("setarch") and subprocess.run([*cmd, "true"], capture_output=True).returncode == 0:
        return cmd
    return []


def run_tsan(python, tsan_build, args):
    """The daemon tests against the ThreadSanitizer build; each report is a failure."""
    logdir = tempfile.mkdtemp(prefix="sockcost-tsan.")
    os.chmod(logdir, 0o1777)  # sockcostd --user nobody writes its report here too
    env = dict(os.environ,
               SOCKCOST=os.path.abspath(os.path.join(tsan_build, "sockcost")),
               SOCKCOSTD=os.path.abspath(os.path.join(tsan_build, "sockcostd")),
               TSAN_OPTIONS=f"halt_on_error=1 exitcode=66 second_deadlock_stack=1 "
                            f"log_path={logdir}/tsan")
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    # Unit tests of threaded code (Makefile TSAN_UNITS), then the daemon tests.
    for binary in sorted(glob.glob(os.path.join(tsan_build, "tests", "test_*"))):
        print(f"== {binary}", flush=True)
        for key, n in run_cmocka(binary, env=env, wrapper=no_aslr()).items():
            counts[key] += n
    tests = sorted(glob.glob(os.path.join(HERE, "integration", "test_daemon*.py")))
    for key, n in run_pytest(python, tests, args, env=env, wrapper=no_aslr()).items():
        counts[key] += n
    reports = sorted(glob.glob(os.path.join(logdir, "tsan*")))
    for path in reports:
        with open(path, errors="replace") as f:
            print(f"== ThreadSanitizer report {os.path.basename(path)}\n{f.read()}", flush=True)
    if reports:
        print(f"ThreadSanitizer: {len(reports)} report(s): each counts as a failure", flush=True)
        counts["failed"] += len(reports)
    shutil.rmtree(logdir, ignore_errors=True)
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", default="build")
    ap.add_argument("--python", default=sys.executable)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--unit-only", action="store_true", help="only the unit tests")
    mode.add_argument("--check", action="store_true",
                      help="the unit and command-line tests: no BPF, no root")
    mode.add_argument("--tsan-only", action="store_true", help="only the --tsan pass")
    ap.add_argument("--tsan", metavar="DIR", help="also run the daemon tests against DIR's TSan build")
    mode.add_argument("--no-unit", action="store_true",
                      help="only the integration and e2e suites (a qemu guest runs the kernel-facing ones)")
    ap.add_argument("--fuzz-seconds", type=int, metavar="N",
                    help="also run each fuzz harness (BUILD/fuzz/fuzz_*) for N seconds")
    ap.add_argument("--fuzz-jobs", type=int, default=2, help="harnesses fuzzing at once")
    ap.add_argument("pytest_args", nargs="*")
    args = ap.parse_args()

    total = {"passed": 0, "failed": 0, "skipped": 0}

    def add(counts):
        for k, v in counts.items():
            total[k] += v

    if not args.tsan_only and not args.no_unit:
        binaries = sorted(glob.glob(os.path.join(args.build, "tests", "test_*")))
        binaries = [b for b in binaries if os.access(b, os.X_OK) and not b.endswith((".o", ".d"))]
        if not binaries:
            print(f"no unit test binaries under {args.build}/tests", file=sys.stderr)
            total["failed"] += 1
        for b in binaries:
            print(f"== {os.path.basename(b)}", flush=True)
            add(run_cmocka(b))
    if args.fuzz_seconds and not args.tsan_only and not args.no_unit:
        sys.path.insert(0, os.path.join(HERE, "fuzz"))
        import runner as fuzz_runner  # tests/fuzz/runner.py
        harnesses = sorted(b for b in glob.glob(os.path.join(args.build, "fuzz", "fuzz_*"))
                           if os.access(b, os.X_OK) and not b.endswith(".d"))
        print(f"== fuzz harnesses, {args.fuzz_seconds} s each, {args.fuzz_jobs} at once", flush=True)
        add(fuzz_runner.run_all(harnesses, args.fuzz_seconds, args.fuzz_jobs))
    if not args.unit_only and not args.tsan_only:
        dirs = (["cli", "install", "rules"] if args.check else ["integration", "e2e"]
                if args.no_unit else ["cli", "integration", "e2e", "install", "rules"])
        print(f"== {', '.join(dirs)} (pytest)", flush=True)
        env_sockcost = os.path.join(args.build, "sockcost")
        os.environ.setdefault("SOCKCOST", os.path.abspath(env_sockcost))
        add(run_pytest(args.python, [os.path.join(HERE, d) for d in dirs], args.pytest_args))
    if args.tsan and not args.unit_only and not args.check:
        print(f"== daemon tests under ThreadSanitizer ({args.tsan}, pytest)", flush=True)
        add(run_tsan(args.python, args.tsan, args.pytest_args))

    if os.environ.get("CI") == "true" and total["skipped"]:
        print(f"CI=true: {total['skipped']} skipped test(s) count as failures", flush=True)
        total["failed"] += total["skipped"]
        total["skipped"] = 0
    print(f"total: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    return 1 if total["failed"] or not total["passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
