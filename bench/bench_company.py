#!/usr/bin/env python3
"""Benchmark of `wuyectl company report` (issue 15 §6): 50 offices of 20,000 tickets each, in
under a minute warm.

1. Builds one office of N tickets (default 20,000; bench_actions.build, the fast builder), then
   makes M bare repos of it (default 50: `git clone --bare --shared`, so the objects are shared
   and making them is instant), each given its own name by one commit on top that changes
   wuye.yaml's `name:` (written with git's plumbing). Their records are the same: the figures
   of every office are equal (and tie in rank); what is measured is fetching and reading 50
   offices of 20,000 records, which does not depend on the records differing.
2. A company file lists them by file:// URL (git's pack protocol, as against a server).
3. Times, in this process through the library (`wuyectl.app.company`): the cold run (an empty
   cache: 50 shallow fetches, checkouts and first index builds), then warm runs (nothing
   changed: a fetch each and the kept indexes and summaries); per office the fetch and the
   report's build (median, max); then warm runs of the real command (`wuyectl company report
   kpi`, a process, -o json) for each --jobs asked, and one warm run after one office got a
   new commit (one ticket changed).

    python bench/bench_company.py                          # 50 × 20,000, jobs 1 and 2
    python bench/bench_company.py --offices 5 --tickets 2000 --jobs 1,2
    python bench/bench_company.py --dir /tmp/company50 --keep   # keep it; --dir again reuses it

Nothing outside --dir is touched (git runs with GIT_CONFIG_GLOBAL=/dev/null).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_actions as office_builder  # noqa: E402  (also isolates git from the machine's config)

GIT_ID = office_builder.GIT_ID
TARGET_WARM_S = 60.0


def git(cwd: str, *args: str, input: bytes | None = None) -> str:
    proc = subprocess.run(["git", *GIT_ID, *args], cwd=cwd, input=input, capture_output=True)
    if proc.returncode:
        raise SystemExit(f"git {' '.join(args)}: {proc.stderr.decode()}")
    return proc.stdout.decode("utf-8")


def rename(bare: str, name: str) -> None:
    """One commit on top of the bare repo's branch: wuye.yaml with `name:` changed."""
    text = git(bare, "cat-file", "blob", "HEAD:wuye.yaml")
    lines = [f"name: {name}" if line.startswith("name:") else line for line in text.split("\n")]
    blob = git(bare, "hash-object", "-w", "--stdin", input="\n".join(lines).encode("utf-8")).strip()
    entries = [f"100644 blob {blob}\twuye.yaml" if line.endswith("\twuye.yaml") else line
               for line in git(bare, "ls-tree", "HEAD").splitlines()]
    tree = git(bare, "mktree", input=("\n".join(entries) + "\n").encode("utf-8")).strip()
    commit = git(bare, "commit-tree", tree, "-p", "HEAD", "-m", f"bench: this office is {name}").strip()
    git(bare, "update-ref", "HEAD", commit)


def touch_one_ticket(bare: str, work: str) -> None:
    """A new commit in one office: one ticket's description changed (a clone, a commit, a push)."""
    if not os.path.isdir(work):
        git(os.path.dirname(work), "clone", "-q", bare, work)
    git(work, "pull", "-q")
    path = sorted(os.path.join(root, f) for root, _d, files in os.walk(os.path.join(work, "tickets"))
                  for f in files if f.endswith(".yaml"))[-1]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("")
    text = open(path, encoding="utf-8").read()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace("description: ", "description: （复核）", 1))
    git(work, "commit", "-q", "--no-verify", "-am", "bench: one ticket changed")
    git(work, "push", "-q", "origin", "HEAD")


def build_offices(folder: str, offices: int, tickets: int, households: int, seed: int) -> str:
    """The company file of `offices` bare repos made from one built office (reused if there)."""
    base = os.path.join(folder, "base")
    if not os.path.isfile(os.path.join(base, "wuye.yaml")):
        os.makedirs(base, exist_ok=True)
        started = time.perf_counter()
        made = office_builder.build(base, tickets, households, seed)
        print(f"built the office: {made['tickets']} tickets, {made['households']} households "
              f"in {time.perf_counter() - started:.1f} s", flush=True)
    # (the builder's commit may have started git's auto gc in the background: let it finish, so
    # the offices' packs are what a server would have)
    deadline = time.monotonic() + 600
    while os.path.exists(os.path.join(base, ".git", "gc.pid")) and time.monotonic() < deadline:
        time.sleep(1)
    server = os.path.join(folder, "server")
    os.makedirs(server, exist_ok=True)
    lines = ["company: 基准物业", "cache: cache", "offices:"]
    for i in range(offices):
        name = f"小区{i + 1:02d}"
        bare = os.path.join(server, f"office-{i + 1:02d}.git")
        if not os.path.isdir(bare):
            git(folder, "clone", "-q", "--bare", "--shared", base, bare)
            rename(bare, name)
        lines += [f"  - name: {name}", f"    remote: file://{bare}"]
    path = os.path.join(folder, "company.yaml")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def last_month() -> str:
    from datetime import date

    today = date.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year}-{month:02d}"


def library_run(path: str, month: str, jobs: int):
    """One run through the library: (seconds, results)."""
    from wuyectl.app import company as app
    from wuyectl.cli.commands.reports import as_of_time, resolve_period
    from wuyectl.cli.commands.company import _clock

    started = time.perf_counter()
    the_company = app.load(path)
    clock = _clock(the_company.timezone)
    ask = app.Ask("kpi", resolve_period(clock, month, None, None), as_of_time(clock, None), "zh", {})
    results = app.office_reports(the_company, ask, jobs=jobs)
    app.combine(the_company, ask, results)
    return time.perf_counter() - started, results


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s, max {max(values):.3f} s, sum {sum(values):.1f} s"


def command_run(path: str, month: str, jobs: int) -> float:
    argv, _shown = office_builder.wuyectl_command()
    started = time.perf_counter()
    proc = subprocess.run([*argv, "company", "report", "kpi", "--month", month, "--company", path, "-o", "json",
                           "--jobs", str(jobs)], capture_output=True)
    seconds = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"company report failed ({proc.returncode}): {proc.stderr.decode()}")
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offices", type=int, default=50)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--households", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--dir", default=None, help="where to build (reused when built before)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--jobs", default="1,2", help="--jobs values of the warm command runs")
    parser.add_argument("--repeat", type=int, default=3, help="warm runs of each")
    parser.add_argument("--month", default=None, help="the month of report kpi (default: the last complete one)")
    args = parser.parse_args(argv)
    folder = args.dir or tempfile.mkdtemp(prefix="wuyectl-company-bench-")
    os.makedirs(folder, exist_ok=True)
    month = args.month or last_month()
    jobs = [int(j) for j in args.jobs.split(",")]
    try:
        print(f"{args.offices} offices × {args.tickets} tickets in {folder}; report kpi --month {month}; "
              f"{os.cpu_count()} processors", flush=True)
        started = time.perf_counter()
        path = build_offices(folder, args.offices, args.tickets, args.households, args.seed)
        print(f"offices ready in {time.perf_counter() - started:.1f} s", flush=True)
        shutil.rmtree(os.path.join(folder, "cache"), ignore_errors=True)

        rows = []
        seconds, results = library_run(path, month, max(jobs))
        fetches = [r.fetched.seconds for r in results.values()]
        builds = [r.seconds for r in results.values()]
        assert all(r.counted for r in results.values()), [r.fetched.reason or r.error for r in results.values()]
        rows.append((f"cold (empty cache), jobs {max(jobs)}", seconds, spread(fetches), spread(builds)))
        print(rows[-1], flush=True)
        for j in jobs:
            for _ in range(args.repeat):
                seconds, results = library_run(path, month, j)
                rows.append((f"warm, library, jobs {j}", seconds, spread([r.fetched.seconds for r in results.values()]),
                             spread([r.seconds for r in results.values()])))
                print(rows[-1], flush=True)
        commands = []
        for j in jobs:
            for _ in range(args.repeat):
                commands.append((j, command_run(path, month, j)))
                print(f"warm, wuyectl company report kpi, jobs {j}: {commands[-1][1]:.2f} s", flush=True)
        touch_one_ticket(os.path.join(folder, "server", "office-01.git"), os.path.join(folder, "work-01"))
        changed = command_run(path, month, max(jobs))
        print(f"warm, one office with a new commit, jobs {max(jobs)}: {changed:.2f} s", flush=True)

        print()
        print(f"{'run':<34} {'total s':>8}  fetch per office                              build per office")
        for name, total, fetch, build in rows:
            print(f"{name:<34} {total:>8.2f}  {fetch:<45} {build}")
        print()
        for j in jobs:
            times = [s for k, s in commands if k == j]
            best = statistics.median(times)
            verdict = "PASS" if best < TARGET_WARM_S else "MISS"
            print(f"wuyectl company report kpi (warm, jobs {j}): median {best:.2f} s, min {min(times):.2f}, "
                  f"max {max(times):.2f}  target < {TARGET_WARM_S:.0f} s  {verdict}")
        print(f"wuyectl company report kpi (warm, one office changed, jobs {max(jobs)}): {changed:.2f} s")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
