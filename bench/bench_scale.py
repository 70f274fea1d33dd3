#!/usr/bin/env python3
"""Benchmark of wuyectl at the size of issue 5: 100,000 tickets over three years.

1. Builds an office repo of N tickets (default 100,000) received over the last three years
   (monthly folders `tickets/YYYY-MM/`), 5,000 households, callback visits, a full roster,
   with bench_actions.py's builder: the record files are written in the shape the tool
   writes them (a sample is checked byte for byte), then one git commit.
2. Times whole processes and takes the peak memory of each (max RSS by /usr/bin/time, and
   for runs that start worker processes the sampled sum over the process tree):
   `wuyectl --help`, `open ticket`, `assign`, `show`, `get tickets --where status=assigned`,
   `report kpi --month M` and `validate`, the last three both cold (index deleted before
   the run) and warm; beside them, in the same run, the floors: a bare `git commit` of one
   file, `git ls-files -s | wc -l` and `grep -rl 'status: assigned' tickets/`.
3. Prints a table (operation, median, min, max, peak MB, target, PASS/MISS) with the
   targets of issue 5, the machine's load average, and with `--profile` a cProfile of each
   operation that missed (and GIT_TRACE_PERFORMANCE of the git commands of the warm ones).

    python bench/bench_scale.py                              # 100,000 tickets, 5 rounds
    python bench/bench_scale.py --tickets 20000 --repeat 3
    python bench/bench_scale.py --dir /tmp/office100k --keep --profile
    python bench/bench_scale.py --reuse /tmp/office100k      # measure a repo built before

Nothing outside the repo it builds is touched (git runs with GIT_CONFIG_GLOBAL=/dev/null).
"""
from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_actions as office_builder  # noqa: E402  (also isolates git from the machine's config)

GIT_ID = office_builder.GIT_ID
SCRATCH = office_builder.SCRATCH
BENCH_CLERK = office_builder.BENCH_CLERK
BENCH_TECH = office_builder.BENCH_TECH
INDEX = os.path.join(".git", "wuyectl", "index.sqlite")

# Targets of issue 5 ("Benchmarks"), on the 2-core machine.
HELP_S = 0.15
ACTION_S = 0.30
WARM_S = 1.0
COLD_S = 30.0
PEAK_MB = 500.0


# --------------------------------------------------------------------------------------
# Running one process: wall time, max RSS (wait4) and the process tree's sampled peak
# --------------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(x) for x in fh.read().split()]
        except OSError:
            pass
    return out


def _tree(pid: int) -> list[int]:
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += _children(p)
    return seen


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages (a forked worker's copy-on-write pages, libraries)
    counted once over the processes that share them, so a sum over a tree is honest."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Every `interval` s, the summed PSS of the process tree under `pid` (without the
    launcher `/usr/bin/time` itself), when it has more than one process: one process alone is
    measured exactly by its max RSS."""

    def __init__(self, pid: int, launcher: bool, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.launcher, self.interval = pid, launcher, interval
        self.peak_kb = 0
        self.most = 1
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            tree = _tree(self.pid)[1:] if self.launcher else _tree(self.pid)
            if len(tree) > 1:
                self.most = max(self.most, len(tree))
                self.peak_kb = max(self.peak_kb, sum(_pss_kb(p) for p in tree))


class Run:
    def __init__(self, seconds, returncode, stdout, stderr, maxrss_kb, tree_kb, procs):
        self.seconds, self.returncode, self.stdout, self.stderr = seconds, returncode, stdout, stderr
        self.maxrss_kb, self.tree_kb, self.procs = maxrss_kb, tree_kb, procs


# The max RSS of a process started straight from this one is useless: Linux carries the
# high-water mark of the parent's memory (this benchmark's, hundreds of MB after a build)
# over the fork or vfork and the exec. GNU time is small, forks the command itself and
# reports the command's own max RSS (and its waited-for children's) from wait4.
TIME = shutil.which("time", path="/usr/bin:/bin")


def run_measured(argv, cwd: str, shell: bool = False) -> Run:
    """Wall time of the process (with /usr/bin/time's ~1 ms of start-up), its max RSS, and
    the sampled peak of its process tree. Output goes to temporary files (no pipe to drain;
    not a terminal: no progress bar)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(prefix="wuyectl-bench-rss-") as rss:
        if TIME:
            command = [TIME, "-f", "%M", "-o", rss.name] + (["sh", "-c", argv] if shell else list(argv))
        else:
            command = ["sh", "-c", argv] if shell else list(argv)
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        sampler = TreeSampler(proc.pid, launcher=bool(TIME), interval=0.05)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        sampler.stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        maxrss = usage.ru_maxrss
        if TIME:
            lines = rss.read().decode("utf-8", "replace").split()
            maxrss = int(lines[-1]) if lines and lines[-1].isdigit() else 0
        out.seek(0)
        err.seek(0)
        return Run(seconds, proc.returncode, out.read(), err.read(), maxrss, sampler.peak_kb, sampler.most)


# --------------------------------------------------------------------------------------
# The code measured: a snapshot of the wuyectl package, compiled once
# --------------------------------------------------------------------------------------
def snapshot_package(folder: str) -> tuple[list[str], str]:
    """Copy the wuyectl package (and its schemas) into `folder`, compile it, and give the
    command that runs it like the installed `wuyectl` script. The figures then belong to one
    version of the code even if the source tree is edited while the benchmark runs."""
    import wuyectl

    source = os.path.dirname(os.path.abspath(wuyectl.__file__))
    target = os.path.join(folder, "wuyectl")
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if not os.path.isdir(os.path.join(target, "schemas")):
        schemas = os.path.join(os.path.dirname(source), "schemas")
        if os.path.isdir(schemas):
            shutil.copytree(schemas, os.path.join(target, "schemas"))
    compileall.compile_dir(target, quiet=1)
    script = os.path.join(folder, "wuyectl-bench")
    with open(script, "w", encoding="utf-8") as fh:
        fh.write("import sys\nfrom wuyectl.cli.main import main\nif __name__ == '__main__':\n    sys.exit(main())\n")
    return [sys.executable, script], source


def source_state(source: str) -> str:
    """The git commit of the measured source and whether wuyectl/ had uncommitted changes."""
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=source, capture_output=True, text=True)
    if top.returncode != 0:
        return "not in a git checkout"
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=source, capture_output=True,
                          text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "."], cwd=source, capture_output=True,
                           text=True).stdout.splitlines()
    return f"{head}" + (f" + {len(dirty)} uncommitted file(s) in {os.path.basename(source)}/" if dirty else " (clean)")


WARM_IMPORTS = r"""
import pkgutil, wuyectl
for m in pkgutil.walk_packages(wuyectl.__path__, 'wuyectl.'):
    if not m.name.endswith('__main__'):
        __import__(m.name)
import concurrent.futures.process, multiprocessing.pool, sqlite3, jsonschema
"""


# --------------------------------------------------------------------------------------
# The repo: built here, or an earlier one
# --------------------------------------------------------------------------------------
def git_lines(repo: str, args: list[str]) -> list[str]:
    out = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line]


def discover(repo: str) -> dict:
    """What the timed operations need from the repo as it is now: received tickets (newest,
    repairs first) for `assign`, closed repairs for `show`, the month folders."""
    def ids(paths):
        return sorted((os.path.basename(p)[:-5] for p in paths), reverse=True)

    received = ids(git_lines(repo, ["grep", "-l", "-e", "^status: received$", "--", "tickets/"]))
    repairs = set(ids(git_lines(repo, ["grep", "-l", "-e", "^category: repair$", "--", "tickets/"])))
    received = [t for t in received if t in repairs] + [t for t in received if t not in repairs]
    closed = ids(git_lines(repo, ["grep", "-l", "--all-match", "-e", "^status: closed$", "-e",
                                  "^category: repair$", "-e", "^unit: ", "--", "tickets/"]))
    months = sorted(d for d in os.listdir(os.path.join(repo, "tickets")) if len(d) == 7 and d[4] == "-")
    return {"received_ids": received, "closed_ids": closed, "months": months}


def repo_summary(repo: str) -> str:
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=repo, capture_output=True, check=True).stdout
    files = listing.count(b"\0")
    kinds: dict[str, int] = {}
    for name in listing.split(b"\0"):
        if name.endswith(b".yaml"):
            top = name.split(b"/", 1)[0].decode()
            kinds[top] = kinds.get(top, 0) + 1
    git_bytes = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(repo, ".git"))
                    for f in fs)
    tree_bytes = sum(os.path.getsize(os.path.join(d, f)) for top in ("tickets", "owners", "visits")
                     for d, _, fs in os.walk(os.path.join(repo, top)) for f in fs)
    parts = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
    return (f"{files} files in git ({parts}); record files {tree_bytes / 1e6:.0f} MB, "
            f".git {git_bytes / 1e6:.0f} MB")


def drop_index(repo: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(os.path.join(repo, INDEX + suffix))
        except FileNotFoundError:
            pass


# --------------------------------------------------------------------------------------
# Operations and targets
# --------------------------------------------------------------------------------------
class Op:
    """A timed operation. `make(i)` gives argv (or a shell line) of run i; `before(i)` runs
    untimed first. kind: floor | info | help | action | warm | cold | other."""

    def __init__(self, name, make, kind, before=None, shell=False, ok=(0,), profile=None):
        self.name, self.make, self.kind, self.before, self.shell, self.ok = name, make, kind, before, shell, ok
        self.profile = profile      # argv (without the command) for a cProfile run, or None
        self.runs: list[Run] = []

    @property
    def times(self):
        return [r.seconds for r in self.runs]

    @property
    def peak_mb(self) -> float:
        return max(max(r.maxrss_kb, r.tree_kb) for r in self.runs) / 1024

    @property
    def rss_mb(self) -> float:
        return max(r.maxrss_kb for r in self.runs) / 1024

    @property
    def tree(self) -> tuple[float, int]:
        return max(r.tree_kb for r in self.runs) / 1024, max(r.procs for r in self.runs)


def run_op(op: Op, i: int, repo: str) -> Run:
    if op.before:
        op.before(i)
    argv = op.make(i)
    run = run_measured(argv, repo, shell=op.shell)
    if run.returncode not in op.ok:
        message = (run.stderr or run.stdout).decode("utf-8", "replace").strip()[-2000:]
        shown = argv if isinstance(argv, str) else " ".join(argv)
        raise SystemExit(f"bench: {op.name} failed (exit {run.returncode}): {message}\n  {shown}")
    return run


def target_of(op: Op, grep_median: float | None) -> tuple[str, bool | None]:
    """(the target as text, met?) for an operation; None: no target (a floor, for context)."""
    median = statistics.median(op.times)
    memory_ok = op.peak_mb < PEAK_MB
    if op.kind == "help":
        return f"<{HELP_S} s, <{PEAK_MB:.0f} MB", median < HELP_S and memory_ok
    if op.kind == "action":
        return f"<{ACTION_S} s, <{PEAK_MB:.0f} MB", median < ACTION_S and memory_ok
    if op.kind == "warm":
        fast = median < WARM_S and (grep_median is None or median <= grep_median)
        return f"<{WARM_S:.0f} s & <=grep, <{PEAK_MB:.0f} MB", fast and memory_ok
    if op.kind == "cold":
        return f"<{COLD_S:.0f} s, <{PEAK_MB:.0f} MB", median < COLD_S and memory_ok
    if op.kind == "other":
        return f"<{PEAK_MB:.0f} MB (no time target)", memory_ok
    return "(floor)" if op.kind == "floor" else "(context)", None


def table(ops: list[Op], grep_median: float | None) -> str:
    head = (f"{'operation':<50} {'median s':>9} {'min s':>8} {'max s':>8} {'runs':>4} {'peak MB':>8}  "
            f"{'target':<28} result")
    lines = [head, "-" * len(head)]
    for op in ops:
        if not op.runs:
            continue
        target, met = target_of(op, grep_median)
        result = "" if met is None else ("PASS" if met else "MISS")
        tree_mb, procs = op.tree
        peak = f"{op.peak_mb:8.0f}" + ("*" if tree_mb > op.rss_mb else " ")
        lines.append(f"{op.name:<50} {statistics.median(op.times):>9.3f} {min(op.times):>8.3f} "
                     f"{max(op.times):>8.3f} {len(op.runs):>4} {peak} {target:<28} {result}")
    return "\n".join(lines)


def misses(ops: list[Op], grep_median: float | None) -> list[Op]:
    return [op for op in ops if op.runs and target_of(op, grep_median)[1] is False]


# --------------------------------------------------------------------------------------
# Profiles of misses
# --------------------------------------------------------------------------------------
def profile_op(op: Op, program: list[str], repo: str, cold: bool, top: int = 14) -> list[str]:
    """cProfile of one run of `op` in its own process; gives the arguments it ran with."""
    folder = tempfile.mkdtemp(prefix="wuyectl-bench-prof-")
    try:
        return _profile(op, program, repo, cold, top, os.path.join(folder, "op.prof"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _profile(op: Op, program: list[str], repo: str, cold: bool, top: int, out: str) -> list[str]:
    import pstats

    args = op.profile() if callable(op.profile) else op.profile
    argv = [sys.executable, "-m", "cProfile", "-o", out, *program, *args]
    if cold:
        drop_index(repo)
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=repo, capture_output=True)
    wall = time.perf_counter() - start
    if not os.path.exists(out):
        print(f"  (profile of {op.name} failed: {proc.stderr.decode('utf-8', 'replace')[-500:]})")
        return args
    stats = pstats.Stats(out)
    print(f"\n-- cProfile of one `wuyectl {' '.join(args)}`{' (index deleted first)' if cold else ''}: "
          f"{wall:.2f} s wall under the profiler, {stats.total_tt:.2f} s profiled in the main process --")

    def where(key):
        f, line, fn = key
        if f == "~":
            return fn
        parts = f.replace(os.sep, "/").split("/")
        if "wuyectl" in parts:
            f = "/".join(parts[parts.index("wuyectl"):])
        else:
            f = "/".join(parts[-2:])
        return f"{f}:{line}({fn})"

    rows = stats.stats.items()
    ours = sorted(((k, v) for k, v in rows if "wuyectl" in k[0].replace(os.sep, "/").split("/")),
                  key=lambda kv: -kv[1][3])
    print("  wuyectl functions by cumulative time:")
    for key, v in ours[:top]:
        print(f"    {v[3]:8.3f} s cum {v[2]:8.3f} s own {v[1]:>8} calls  {where(key)}")
    print("  all functions by own time:")
    for key, v in sorted(rows, key=lambda kv: -kv[1][2])[:top]:
        print(f"    {v[2]:8.3f} s own {v[3]:8.3f} s cum {v[1]:>8} calls  {where(key)}")
    return args


def git_trace(repo: str, argv: list[str]) -> None:
    """GIT_TRACE_PERFORMANCE of the git commands a run makes (one line per git process)."""
    # To a file: the tool captures the stderr of the git commands it runs.
    with tempfile.NamedTemporaryFile(prefix="wuyectl-bench-trace-", suffix=".txt") as trace:
        env = dict(os.environ, GIT_TRACE_PERFORMANCE=trace.name)
        subprocess.run(argv, cwd=repo, capture_output=True, env=env)
        lines = [line for line in trace.read().decode("utf-8", "replace").splitlines() if "performance:" in line]
    top_level = [line for line in lines if "git command:" in line]
    print(f"  GIT_TRACE_PERFORMANCE: {len(top_level)} git process(es)")
    for line in top_level[:12]:
        print("    " + line.split("performance:", 1)[1].strip()[:150])


# --------------------------------------------------------------------------------------
def office_parser(doc: str, *, built: str, repeat: str) -> argparse.ArgumentParser:
    """The options every office benchmark takes: what to build (--tickets, --households,
    --years), where (--dir, --keep, --reuse: `built` names what is built) and --repeat."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000, help="tickets to build (default 100000)")
    parser.add_argument("--households", type=int, default=5_000, help="households to build (default 5000)")
    parser.add_argument("--years", type=float, default=3, help="tickets spread over this many years (default 3)")
    parser.add_argument("--dir", default=None, help=f"build {built} here (must not exist or be empty); "
                                                     "default: a temporary folder, removed afterwards")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--reuse", metavar="DIR", default=None,
                        help=f"measure {built} built before (with --dir/--keep) instead of building it")
    parser.add_argument("--repeat", type=int, default=5, help=repeat)
    return parser


def main(argv=None) -> int:
    parser = office_parser(__doc__, built="the office", repeat="timed rounds of the warm operations (default 5)")
    parser.add_argument("--cold-repeat", type=int, default=3,
                        help="cold runs per cold operation at most (default 3)")
    parser.add_argument("--cold-budget", type=float, default=120,
                        help="stop repeating a cold operation once its runs took this many seconds (default 120)")
    parser.add_argument("--month", default=None, metavar="YYYY-MM",
                        help="the month of `report kpi` (default: the last complete month in the data)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generated office")
    parser.add_argument("--profile", action="store_true",
                        help="afterwards, cProfile one in-process run of every wuyectl operation that missed "
                             "its target, and trace the git commands it makes")
    parser.add_argument("--no-snapshot", action="store_true",
                        help="run the wuyectl on PATH as it is (default: a compiled snapshot of the package, "
                             "so edits during the run do not mix versions)")
    args = parser.parse_args(argv)
    if args.tickets < 1 or args.households < 1 or args.repeat < 1 or args.cold_repeat < 1:
        parser.error("--tickets, --households, --repeat and --cold-repeat must be at least 1")

    cleanup = False
    if args.reuse:
        repo = os.path.abspath(args.reuse)
        if not os.path.isfile(os.path.join(repo, "wuye.yaml")):
            parser.error(f"--reuse {repo}: no wuye.yaml there")
    elif args.dir:
        repo = os.path.abspath(args.dir)
        if os.path.exists(repo) and os.listdir(repo):
            parser.error(f"--dir {repo} exists and is not empty")
    else:
        repo = tempfile.mkdtemp(prefix="wuyectl-scale-")
        cleanup = not args.keep

    loads = [("start", os.getloadavg())]
    workdir = tempfile.mkdtemp(prefix="wuyectl-scale-code-")
    try:
        if args.no_snapshot:
            wuy, _ = office_builder.wuyectl_command()
            import wuyectl

            source = os.path.dirname(os.path.abspath(wuyectl.__file__))
        else:
            wuy, source = snapshot_package(workdir)
            sys.path.insert(0, workdir)        # the builder's init_office uses the same code
            for name in [m for m in sys.modules if m == "wuyectl" or m.startswith("wuyectl.")]:
                del sys.modules[name]
        print(f"wuyectl: {source} at {source_state(source)}"
              + ("" if args.no_snapshot else f"; measured from a compiled snapshot ({workdir})"))
        print(f"machine: {os.cpu_count()} CPUs, load average {'/'.join(f'{x:.2f}' for x in os.getloadavg())} "
              f"(1/5/15 min); python {sys.version.split()[0]}; git "
              + subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.split()[-1])

        if args.reuse:
            print(f"reusing the office in {repo}: {repo_summary(repo)}", flush=True)
            build_info = None
        else:
            days = int(round(args.years * 365.25))
            print(f"building an office of {args.tickets} tickets over {days} days, {args.households} households "
                  f"in {repo} …", flush=True)
            build_info = office_builder.build(repo, args.tickets, args.households, args.seed, days=days)
            print(f"built in {build_info['seconds']:.1f} s (init + staff {build_info['init']:.1f}, generate "
                  f"{build_info['generate']:.1f}, write {build_info['write']:.1f}, git add + commit "
                  f"{build_info['git']:.1f})")
            print(f"repo: {repo_summary(repo)}")
            print("ticket states: " + ", ".join(f"{k} {v}" for k, v in sorted(build_info["statuses"].items(),
                                                                           key=lambda kv: -kv[1])))
            bad = office_builder.check_shape(repo, 300, args.seed)
            if bad:
                raise SystemExit(f"bench: {len(bad)} sampled file(s) differ from what the tool writes, e.g. {bad[0]}")
            print("shape: 300 sampled files are byte-for-byte what the tool writes")
        loads.append(("after build", os.getloadavg()))

        found = discover(repo)
        months = found["months"]
        month = args.month or (months[-2] if len(months) >= 2 else months[-1])
        old_month = months[1] if len(months) >= 3 else months[0]
        need = args.repeat + 2
        received = found["received_ids"]
        if len(received) < need:
            raise SystemExit(f"bench: only {len(received)} received tickets for {need} assign runs")
        shown = found["closed_ids"]
        if not shown:
            raise SystemExit("bench: no closed repair ticket to show")
        if not os.path.exists(os.path.join(repo, SCRATCH)):
            with open(os.path.join(repo, SCRATCH), "w", encoding="utf-8") as fh:
                fh.write("scratch file of bench/: the bare `git commit` floor\n")
            subprocess.run(["git", "add", SCRATCH], cwd=repo, check=True)
            subprocess.run(["git", *GIT_ID, "commit", "-q", "--no-verify", "-m", "bench scratch"], cwd=repo,
                           check=True)
        counter = [0]

        def touch(_i):
            counter[0] += 1
            with open(os.path.join(repo, SCRATCH), "a", encoding="utf-8") as fh:
                fh.write(f"change {counter[0]} {time.time()}\n")

        assign_at = [0]

        def next_received(_i):
            assign_at[0] += 1
            return received[assign_at[0] - 1]

        open_args = ["open", "ticket", "--channel", "phone", "--category", "repair", "--unit", "3-2-1201",
                     "--reporter", "张先生", "--phone", "13800138000", "--description", "卫生间漏水", "-o", "ids",
                     "--as", BENCH_CLERK]
        get_args = ["get", "tickets", "--where", "status=assigned"]
        kpi_args = ["report", "kpi", "--month", month]
        old_kpi_args = ["report", "kpi", "--month", old_month]
        cold = lambda _i: drop_index(repo)  # noqa: E731

        floors = [
            Op("python -c pass", lambda i: [sys.executable, "-c", "pass"], "info"),
            Op("floor: git commit one file (--no-verify)",
               lambda i: ["git", *GIT_ID, "commit", "-q", "--no-verify", "-m", "x", "--", SCRATCH], "floor", touch),
            Op("floor: git ls-files -s | wc -l", lambda i: "git ls-files -s | wc -l", "floor", shell=True),
            Op("floor: grep -rl 'status: assigned' tickets/",
               lambda i: ["grep", "-rl", "status: assigned", "tickets/"], "floor", ok=(0, 1)),
        ]
        grep_op = floors[-1]
        warm = [
            Op("wuyectl --help", lambda i: [*wuy, "--help"], "help", profile=["--help"]),
            Op("wuyectl open ticket … -o ids", lambda i: [*wuy, *open_args], "action", profile=open_args),
            Op("wuyectl assign ID --to PERSON",
               lambda i: [*wuy, "assign", next_received(i), "--to", BENCH_TECH, "--as", BENCH_CLERK], "action",
               profile=lambda: ["assign", next_received(0), "--to", BENCH_TECH, "--as", BENCH_CLERK]),
            Op("wuyectl show ID", lambda i: [*wuy, "show", shown[(i + 1) % len(shown)]], "action",
               profile=["show", shown[0]]),
            Op("wuyectl get tickets --where status=assigned (warm)", lambda i: [*wuy, *get_args], "warm",
               profile=get_args),
            Op(f"wuyectl report kpi --month {month} (warm)", lambda i: [*wuy, *kpi_args], "warm", profile=kpi_args),
            Op(f"wuyectl report kpi --month {old_month} (warm, oldest)", lambda i: [*wuy, *old_kpi_args], "warm",
               profile=old_kpi_args),
            Op("wuyectl validate (warm)", lambda i: [*wuy, "validate"], "other", profile=["validate"]),
        ]
        colds = [
            Op("wuyectl get tickets --where status=assigned (cold)", lambda i: [*wuy, *get_args], "cold", cold,
               profile=get_args),
            Op(f"wuyectl report kpi --month {month} (cold)", lambda i: [*wuy, *kpi_args], "cold", cold,
               profile=kpi_args),
            Op("wuyectl validate (cold)", lambda i: [*wuy, "validate"], "cold", cold, profile=["validate"]),
        ]

        # Compiled bytecode for everything the commands import, before anything is timed.
        subprocess.run([sys.executable, "-c", WARM_IMPORTS], cwd=repo if args.no_snapshot else workdir,
                       check=True, capture_output=True)
        run_op(warm[0], -1, repo)

        print(f"\ncold: up to {args.cold_repeat} run(s) of each cold operation, index deleted before each; "
              f"stop repeating after {args.cold_budget:.0f} s …", flush=True)
        for op in colds:
            spent = 0.0
            for i in range(args.cold_repeat):
                run = run_op(op, i, repo)
                op.runs.append(run)
                spent += run.seconds
                print(f"  {op.name}: {run.seconds:.1f} s, max RSS {run.maxrss_kb / 1024:.0f} MB"
                      + (f", {run.procs} processes together {run.tree_kb / 1024:.0f} MB" if run.tree_kb else "")
                      + (f" ({run.stdout.decode('utf-8', 'replace').strip().splitlines()[-1][:60]})"
                         if op.name.startswith("wuyectl validate") and run.stdout.strip() else ""), flush=True)
                if spent >= args.cold_budget:
                    break
        loads.append(("after cold runs", os.getloadavg()))

        ops = floors + warm
        print(f"warm: 1 untimed round, then {args.repeat} timed rounds of every operation (round-robin) …",
              flush=True)
        for i in range(-1, args.repeat):
            for op in ops:
                run = run_op(op, i, repo)
                if i >= 0:
                    op.runs.append(run)
            if i == -1:
                loads.append(("after warm-up round", os.getloadavg()))
        loads.append(("end", os.getloadavg()))

        grep_median = statistics.median(grep_op.times)
        get_rows = len(warm[4].runs[-1].stdout.decode("utf-8", "replace").splitlines())
        grep_files = len(grep_op.runs[-1].stdout.splitlines())
        all_ops = floors + warm[:4] + [warm[4], colds[0], warm[5], colds[1], warm[6], warm[7], colds[2]]
        print()
        print(table(all_ops, grep_median))
        print("peak MB: the largest max RSS of any run of the operation ("
              + ("/usr/bin/time %M" if TIME else "wait4: no /usr/bin/time, so it includes this benchmark's own "
                 "RSS at the fork and is too high")
              + "); * = the summed PSS of the process tree (the command, its parse workers, its git), sampled "
              "every 50 ms, was larger and is shown")
        print(f"warm get printed {get_rows} lines; grep found {grep_files} files with 'status: assigned'")
        print("load average (1/5/15 min): " + "; ".join(f"{label} {'/'.join(f'{x:.2f}' for x in la)}"
                                                      for label, la in loads))
        commits = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=repo, capture_output=True,
                                 text=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True).stdout
        print(f"repo after the runs: {commits} commits, work tree {'clean' if not status else 'NOT clean'}")
        missed = misses(all_ops, grep_median)
        print("missed: " + (", ".join(op.name for op in missed) if missed else "nothing"))
        if args.profile and missed:
            program = ["-m", "wuyectl"] if args.no_snapshot else [wuy[-1]]
            # Warm ones first, each after one untimed run (the index as the timed runs had
            # it); the cold ones last, since each deletes the index.
            for op in sorted((op for op in missed if op.profile), key=lambda op: op.kind == "cold"):
                if op.kind != "cold":
                    run_op(op, 0, repo)
                ran = profile_op(op, program, repo, cold=op.kind == "cold")
                if op.kind != "cold":
                    again = op.profile() if callable(op.profile) else ran
                    git_trace(repo, [*wuy, *again])
        if args.reuse or not cleanup:
            print(f"office kept at {repo}")
        return 0
    finally:
        if cleanup:
            shutil.rmtree(repo, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
