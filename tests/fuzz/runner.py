#!/usr/bin/env python3
"""Runs libFuzzer harnesses: `runner.py --seconds N --jobs J BIN...`.

For each harness fuzz_NAME: first replays tests/fuzz/regressions/NAME/ (inputs
that once crashed) and the seeds in tests/fuzz/corpus/NAME/ without fuzzing,
then fuzzes for N seconds on a copy of the seeds (the committed corpus is
never written). Any crash, leak, UB report or hang fails the harness; its
input is kept under the harness's build directory (artifacts/NAME/) to
become a regression. Prints one line per harness with executions, exec/s
and coverage, and returns counts (passed, failed) for tests/run.py."""
import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# A hang (one input running this long) is a failure too; a leak is reported at exit.
FLAGS = ["-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1"]


def inputs(d):
    return sorted(p for p in glob.glob(os.path.join(d, "*")) if os.path.isfile(p))


def replay(binary, files):
    """Runs files through the harness once each; (ok, output)."""
    if not files:
        return True, ""
    r = subprocess.run([binary, *FLAGS, "-runs=1", *files], capture_output=True, text=True,
                       errors="replace", timeout=600)
    return r.returncode == 0, r.stdout + r.stderr


def fuzz_one(binary, seconds):
    """Returns (ok, report line, log on failure)."""
    name = os.path.basename(binary)[len("fuzz_"):]
    seeds = inputs(os.path.join(HERE, "corpus", name))
    if not seeds:
        return False, f"fuzz_{name}: no seed corpus in tests/fuzz/corpus/{name}/", ""
    for kind, files in (("regressions", inputs(os.path.join(HERE, "regressions", name))),
                        ("seeds", seeds)):
        ok, out = replay(binary, files)
        if not ok:
            return False, f"fuzz_{name}: replaying its {kind} failed", out
    artifacts = os.path.join(os.path.dirname(os.path.abspath(binary)), "artifacts", name)
    os.makedirs(artifacts, exist_ok=True)
    work = tempfile.mkdtemp(prefix=f"sockcost-fuzz-{name}.")
    try:
        corpus = os.path.join(work, "corpus")
        shutil.copytree(os.path.join(HERE, "corpus", name), corpus)
        r = subprocess.run([binary, *FLAGS, f"-max_total_time={seconds}",
                            f"-artifact_prefix={artifacts}/", corpus],
                           capture_output=True, text=True, errors="replace",
                           timeout=seconds + 300)
        out = r.stdout + r.stderr
        ncorpus = len(inputs(corpus))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    stats = dict(re.findall(r"stat::(\w+):\s+(\d+)", out))
    cov = re.findall(r"cov: (\d+) ft: (\d+)", out)
    line = (f"fuzz_{name}: {seconds} s, {stats.get('number_of_executed_units', '?')} runs, "
            f"{stats.get('average_exec_per_sec', '?')} exec/s, "
            f"cov {cov[-1][0] if cov else '?'} ft {cov[-1][1] if cov else '?'}, "
            f"corpus {ncorpus}")
    if r.returncode != 0:
        kept = ", ".join(os.path.basename(p) for p in inputs(artifacts)) or "none"
        return False, f"{line}: FAILED (exit {r.returncode}; inputs kept in {artifacts}: {kept})", out
    return True, f"{line}: ok", ""


def run_all(binaries, seconds, jobs):
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    if not binaries:
        print("no fuzz harnesses built", flush=True)
        counts["failed"] += 1
        return counts
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for ok, line, log in pool.map(lambda b: fuzz_one(b, seconds), binaries):
            if log:
                sys.stdout.write(log[-20000:])
            print(line, flush=True)
            counts["passed" if ok else "failed"] += 1
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=int, default=300)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("binaries", nargs="+")
    args = ap.parse_args()
    counts = run_all(args.binaries, args.seconds, args.jobs)
    print(f"fuzz: {counts['passed']} passed, {counts['failed']} failed")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
