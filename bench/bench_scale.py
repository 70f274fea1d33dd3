#!/usr/bin/env python3
"""Benchmark of wuyectl at the size of issues 5 and 13: 100,000 tickets over three years.

1. Builds an office repo of N tickets (default 100,000) received over the last three years
   (monthly folders `tickets/YYYY-MM/`), 5,000 households, callback visits, a full roster,
   with bench_actions.py's builder: the record files are written in the shape the tool
   writes them (a sample is checked byte for byte), then one git commit (and its objects
   packed, as git's auto gc would leave them).
2. Times whole processes and takes the peak memory of each (max RSS by /usr/bin/time, and
   for runs that start worker processes the sampled sum over the process tree), each beside
   the floor issue 13 measures it against, run right before or after it (the order
   alternating) so that a loaded machine moves both alike:
   - `open ticket`, `assign`, `update`, `callback` and `show` against a bare `git commit` of
     one file in the same repo;
   - warm `get tickets --where status=assigned` and `report kpi --month M` against
     `grep -rl 'status: assigned' tickets/`;
   - `import tickets` of the San Francisco 311 sample (10,000 rows) against writing the very
     files it wrote and `git add` + `git commit` of them (the office reset between runs);
   - `validate` warm and cold, the first `get` and `report kpi` cold, against seconds;
   - with `--audit-history DIR`, `audit` of a year's history (~126,000 commits): the first
     run and a second with nothing new.
3. Prints a table (operation, median, min, max, peak MB, floor, ratio, target, PASS/MISS)
   with issue 13's targets, the machine's load average, and with `--profile` a cProfile of
   each operation that missed (and GIT_TRACE_PERFORMANCE of the git commands of the warm
   ones). `--scaling 10000,50000,100000,200000` prints instead the table of `open ticket`
   and warm `get` at each size (one office built after the other) and their slopes.

    python bench/bench_scale.py                              # 100,000 tickets, 5 rounds
    python bench/bench_scale.py --tickets 20000 --repeat 3
    python bench/bench_scale.py --dir /tmp/office100k --keep --audit-history /tmp/hist20k
    python bench/bench_scale.py --reuse /tmp/office100k      # measure a repo built before
    python bench/bench_scale.py --scaling 10000,50000,100000,200000

Nothing outside the repos it builds is touched (git runs with GIT_CONFIG_GLOBAL=/dev/null).
"""
from __future__ import annotations

import argparse
import compileall
import math
import shlex
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
DIRECTOR = office_builder.DIRECTOR
INDEX = os.path.join(".git", "wuyectl", "index.sqlite")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SF_CSV = os.path.join(os.path.dirname(ROOT), "shared", "data", "sf311_cases_sample_10000.csv")

# Targets of issue 13 ("Targets"), on the 2-core machine; ratios against a floor measured in
# the same run, right beside the operation.
ACTION_RATIO_BIG = 0.4      # open/assign/update/callback ÷ git commit, at ≥ 100,000 tickets
ACTION_RATIO_SMALL = 1.0    # the same at ≤ 20,000 tickets
BIG, SMALL = 100_000, 20_000
SHOW_RATIO = 0.5            # show ÷ git commit
READ_RATIO = 0.5            # warm get / report kpi ÷ grep -rl
VALIDATE_WARM_S, VALIDATE_WARM_MB = 1.0, 150.0
COLD_S = 15.0               # cold validate, cold first get
IMPORT_RATIO = 1.5          # import tickets ÷ writing the same files + git add + git commit
AUDIT_FIRST_S, AUDIT_AGAIN_S = 120.0, 1.0
PEAK_MB = 200.0             # any command
HELP_S = 0.15               # issue 5's, kept


def action_ratio(tickets: int) -> float:
    """Issue 13's limit for an action ÷ a bare git commit, by the size of the office: 1.0 at
    20,000 tickets or fewer, 0.4 at 100,000 or more, and between them linear in log(tickets)
    (0.66 at 50,000): the commit floor grows with the index, so the bar tightens with it."""
    if tickets >= BIG:
        return ACTION_RATIO_BIG
    if tickets <= SMALL:
        return ACTION_RATIO_SMALL
    share = math.log(tickets / SMALL) / math.log(BIG / SMALL)
    return round(ACTION_RATIO_SMALL + (ACTION_RATIO_BIG - ACTION_RATIO_SMALL) * share, 2)


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


def run_measured(argv, cwd: str, shell: bool = False, env: dict | None = None) -> Run:
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
        proc = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
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
    repairs first) for `assign`, closed repairs for `show`, resolved tickets (repairs first)
    for `callback`, the month folders."""
    def ids(paths):
        return sorted((os.path.basename(p)[:-5] for p in paths), reverse=True)

    received = ids(git_lines(repo, ["grep", "-l", "-e", "^status: received$", "--", "tickets/"]))
    repairs = set(ids(git_lines(repo, ["grep", "-l", "-e", "^category: repair$", "--", "tickets/"])))
    received = [t for t in received if t in repairs] + [t for t in received if t not in repairs]
    closed = ids(git_lines(repo, ["grep", "-l", "--all-match", "-e", "^status: closed$", "-e",
                                  "^category: repair$", "-e", "^unit: ", "--", "tickets/"]))
    resolved = ids(git_lines(repo, ["grep", "-l", "-e", "^status: resolved$", "--", "tickets/"]))
    resolved = [t for t in resolved if t in repairs] + [t for t in resolved if t not in repairs]
    months = sorted(d for d in os.listdir(os.path.join(repo, "tickets")) if len(d) == 7 and d[4] == "-")
    return {"received_ids": received, "closed_ids": closed, "resolved_ids": resolved, "months": months}


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


def count_tickets(repo: str) -> int:
    listing = subprocess.run(["git", "ls-files", "-z", "--", "tickets/"], cwd=repo, capture_output=True,
                             check=True).stdout
    return sum(1 for name in listing.split(b"\0") if name.endswith(b".yaml"))


def wait_gc(repo: str, timeout: float = 1800) -> float:
    """Wait for a `git gc --auto` that a commit started in the background (it holds
    .git/gc.pid while it runs): it would load the machine during the next timed runs."""
    pid_file = os.path.join(repo, ".git", "gc.pid")
    start = time.perf_counter()
    time.sleep(0.2)
    while os.path.exists(pid_file) and time.perf_counter() - start < timeout:
        try:
            with open(pid_file, encoding="utf-8") as fh:
                pid = int(fh.read().split()[0])
            os.kill(pid, 0)
        except (OSError, ValueError, IndexError):
            break                       # a stale pid file: no gc running
        time.sleep(0.5)
    return time.perf_counter() - start


def pack_loose(repo: str) -> str:
    """Pack the loose objects of a freshly built office (`git repack -d`: what git's auto gc
    does), unless git did it already: an office in use has its objects in packs."""
    waited = wait_gc(repo)
    counts = dict(line.split(": ", 1) for line in git_lines(repo, ["count-objects", "-v"]))
    loose = int(counts.get("count", "0"))
    if loose < 1000:
        return f"objects: {loose} loose, {counts.get('packs', '?')} pack(s)" + \
            (f" (waited {waited:.0f} s for git's auto gc)" if waited > 1 else "")
    start = time.perf_counter()
    subprocess.run(["git", "repack", "-d", "-q"], cwd=repo, check=True)
    return f"objects: {loose} loose objects packed (git repack -d) in {time.perf_counter() - start:.1f} s"


def ensure_scratch(repo: str) -> None:
    if not os.path.exists(os.path.join(repo, SCRATCH)):
        with open(os.path.join(repo, SCRATCH), "w", encoding="utf-8") as fh:
            fh.write("scratch file of bench/: the bare `git commit` floor\n")
        subprocess.run(["git", "add", SCRATCH], cwd=repo, check=True)
        subprocess.run(["git", *GIT_ID, "commit", "-q", "--no-verify", "-m", "bench scratch"], cwd=repo, check=True)


def no_gc_env() -> dict:
    """This environment with git's auto gc off (GIT_CONFIG_COUNT: for every git the command
    runs, the office's config untouched)."""
    env = dict(os.environ)
    n = int(env.get("GIT_CONFIG_COUNT", "0") or 0)
    env.update({"GIT_CONFIG_COUNT": str(n + 1), f"GIT_CONFIG_KEY_{n}": "gc.auto", f"GIT_CONFIG_VALUE_{n}": "0"})
    return env


class RepoState:
    """What an import adds to a repo, so that it can be taken away again exactly: HEAD, the
    loose objects and packs, the reflogs and ORIG_HEAD as they were."""

    def __init__(self, repo: str):
        self.repo = repo
        self.git = os.path.join(repo, ".git")
        self.head = git_lines(repo, ["rev-parse", "HEAD"])[0]
        self.objects = self._objects()
        self.logs = {}
        for d, _, fs in os.walk(os.path.join(self.git, "logs")):
            for f in fs:
                with open(os.path.join(d, f), "rb") as fh:
                    self.logs[os.path.join(d, f)] = fh.read()
        self.orig_head = os.path.exists(os.path.join(self.git, "ORIG_HEAD"))
        self.dirs = self._dirs()

    def _objects(self) -> set[str]:
        root = os.path.join(self.git, "objects")
        out = set()
        for name in os.listdir(root):
            if len(name) == 2 or name == "pack":
                out.update(os.path.join(root, name, f) for f in os.listdir(os.path.join(root, name)))
        return out

    def _dirs(self) -> set[str]:
        return {os.path.join(top, d) for top in ("tickets", "visits") if os.path.isdir(os.path.join(self.repo, top))
                for d in os.listdir(os.path.join(self.repo, top))}

    def restore(self) -> None:
        wait_gc(self.repo)
        subprocess.run(["git", "reset", "-q", "--hard", self.head], cwd=self.repo, check=True, env=no_gc_env())
        for path in self._objects() - self.objects:
            os.unlink(path)
        for path, data in self.logs.items():
            with open(path, "wb") as fh:
                fh.write(data)
        if not self.orig_head:
            try:
                os.unlink(os.path.join(self.git, "ORIG_HEAD"))
            except FileNotFoundError:
                pass
        for d in self._dirs() - self.dirs:
            shutil.rmtree(os.path.join(self.repo, d))      # emptied by the reset
        status = subprocess.run(["git", "status", "--porcelain"], cwd=self.repo, capture_output=True).stdout
        if git_lines(self.repo, ["rev-parse", "HEAD"])[0] != self.head or status:
            raise SystemExit(f"bench: could not put {self.repo} back as it was before the import")


# --------------------------------------------------------------------------------------
# Operations and targets
# --------------------------------------------------------------------------------------
class Op:
    """A timed operation. `make(i)` gives argv (or a shell line) of run i; `before(i)` runs
    untimed first. kind: floor | info | wuyectl (and, from older callers, warm | cold |
    action | help | other: a wuyectl operation). Targets: `limit` seconds, `ratio` × the
    median of `floor` runs made beside it (`pairs`: (this run, the floor's run)), `mem` MB."""

    def __init__(self, name, make, kind, before=None, shell=False, ok=(0,), profile=None, *, floor=None,
                 ratio=None, limit=None, mem=PEAK_MB, cold=False, env=None, note=""):
        self.name, self.make, self.kind, self.before, self.shell, self.ok = name, make, kind, before, shell, ok
        self.profile = profile      # argv (without the command) for a cProfile run, a callable giving it, or None
        self.floor, self.ratio, self.limit, self.mem = floor, ratio, limit, mem
        self.cold = cold or kind == "cold"
        self.env, self.note = env, note
        self.runs: list[Run] = []
        self.pairs: list[tuple[float, float]] = []
        self.skipped: str | None = None     # why it was not measured

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

    @property
    def measured_ratio(self) -> float | None:
        """The median of each run's time ÷ the time of the floor run made beside it."""
        return statistics.median(a / b for a, b in self.pairs) if self.pairs else None

    @property
    def floor_median(self) -> float | None:
        return statistics.median(b for _, b in self.pairs) if self.pairs else None

    @property
    def targeted(self) -> bool:
        return self.kind not in ("floor", "info")


def run_op(op: Op, i: int, repo: str) -> Run:
    if op.before:
        op.before(i)
    argv = op.make(i)
    run = run_measured(argv, repo, shell=op.shell, env=op.env)
    if run.returncode not in op.ok:
        message = (run.stderr or run.stdout).decode("utf-8", "replace").strip()[-2000:]
        shown = argv if isinstance(argv, str) else " ".join(argv)
        raise SystemExit(f"bench: {op.name} failed (exit {run.returncode}): {message}\n  {shown}")
    return run


def run_pair(op: Op, i: int, repo: str, floor_first: bool) -> None:
    """`op` and its floor, one right after the other; round i < 0 is not kept."""
    if floor_first:
        f = run_op(op.floor, i, repo)
        r = run_op(op, i, repo)
    else:
        r = run_op(op, i, repo)
        f = run_op(op.floor, i, repo)
    if i >= 0:
        op.runs.append(r)
        op.floor.runs.append(f)
        op.pairs.append((r.seconds, f.seconds))


def target_of(op: Op) -> tuple[str, bool | None]:
    """(the target as text, met?) for an operation; None: no target (a floor, for context)."""
    if not op.targeted:
        return "(floor)" if op.kind == "floor" else "(context)", None
    median = statistics.median(op.times)
    parts, met = [], True
    if op.ratio is not None:
        parts.append(f"≤{op.ratio:g}× floor")
        ratio = op.measured_ratio
        met = met and ratio is not None and ratio <= op.ratio
    if op.limit is not None:
        parts.append(f"≤{op.limit:g} s")
        met = met and median <= op.limit
    if op.mem is not None:
        parts.append(f"≤{op.mem:.0f} MB")
        met = met and op.peak_mb <= op.mem
    return ", ".join(parts) + (f" {op.note}" if op.note else ""), met


def table(ops: list[Op]) -> str:
    head = (f"{'operation':<58} {'median s':>9} {'min s':>8} {'max s':>8} {'runs':>4} {'peak MB':>8}  "
            f"{'floor s':>8} {'ratio':>6}  {'target':<30} result")
    lines = [head, "-" * len(head)]
    for op in ops:
        if not op.runs:
            if op.skipped:
                lines.append(f"{op.name:<58} {'—':>9} {'':>8} {'':>8} {'':>4} {'':>8}  {'':>8} {'':>6}  "
                             f"{target_of_text(op):<30} not measured: {op.skipped}")
            continue
        target, met = target_of(op)
        result = "" if met is None else ("PASS" if met else "MISS")
        tree_mb, procs = op.tree
        peak = f"{op.peak_mb:8.0f}" + ("*" if tree_mb > op.rss_mb else " ")
        floor = f"{op.floor_median:8.3f}" if op.pairs else f"{'':>8}"
        ratio = f"{op.measured_ratio:6.2f}" if op.pairs else f"{'':>6}"
        lines.append(f"{op.name:<58} {statistics.median(op.times):>9.3f} {min(op.times):>8.3f} "
                     f"{max(op.times):>8.3f} {len(op.runs):>4} {peak} {floor} {ratio}  {target:<30} {result}")
    return "\n".join(lines)


def target_of_text(op: Op) -> str:
    parts = ([f"≤{op.ratio:g}× floor"] if op.ratio is not None else []) + \
        ([f"≤{op.limit:g} s"] if op.limit is not None else []) + ([f"≤{op.mem:.0f} MB"] if op.mem else [])
    return ", ".join(parts)


def misses(ops: list[Op]) -> list[Op]:
    return [op for op in ops if op.runs and target_of(op)[1] is False]


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




# --------------------------------------------------------------------------------------
# import tickets against writing and committing the same files
# --------------------------------------------------------------------------------------
def import_args(csv: str) -> list[str]:
    """README's `import tickets` of the SF 311 sample, by the office's director."""
    data = os.path.join(ROOT, "tests", "data")
    return ["import", "tickets", csv, "--as", DIRECTOR, "--timezone", "America/Los_Angeles", "--date-order", "mdy",
            "--skip-bad", "--map", "CaseID=source_id", "--map", "Opened=received_at", "--map", "Closed=closed_at",
            "--map", "Status=status", "--map", "Category=category", "--map", "Request.Type=description",
            "--map", "Request.Details=description", "--map", "Address=place", "--map", "Source=channel",
            "--map", "Status.Notes=result", "--category-map", os.path.join(data, "sf311-categories.yaml"),
            "--channel-map", os.path.join(data, "sf311-channels.yaml")]


def measure_import(repo: str, wuy: list[str], imp: Op, floor: Op, repeat: int, warm_argv: list[str]) -> None:
    """`repeat` pairs of runs on the office itself, which is put back exactly as it was
    (HEAD, work tree, objects, reflogs) after every run: the import, and the floor — the
    files the first import wrote, copied in, `git add` of their folders and one `git commit`.
    Every run starts with the office's index warm and git's auto gc off (see no_gc_env)."""
    imp.env = floor.env = no_gc_env()
    state = RepoState(repo)
    stash = tempfile.mkdtemp(prefix="wuyectl-bench-import-")
    made: dict = {}

    def floor_line(_i):
        dirs = " ".join(shlex.quote(d) for d in made["dirs"])
        return (f"cp -R {shlex.quote(os.path.join(stash, 'files'))}/. . && git add -- {dirs} && "
                f"git {' '.join(GIT_ID)} commit -q --no-verify -m 'bench: the write-and-commit floor'")

    floor.make = floor_line
    try:
        for k in range(repeat):
            got = {}
            for which in (("import", "floor") if k % 2 == 0 else ("floor", "import")):
                subprocess.run([*wuy, *warm_argv], cwd=repo, capture_output=True, env=imp.env)
                if which == "import":
                    got[which] = run_op(imp, k, repo)
                    files = git_lines(repo, ["diff", "--name-only", "--no-renames", state.head, "HEAD"])
                    gone = git_lines(repo, ["diff", "--name-only", "--diff-filter=D", state.head, "HEAD"])
                    if gone:
                        raise SystemExit(f"bench: the import deleted files, e.g. {gone[0]}")
                    if not made:
                        for rel in files:
                            os.makedirs(os.path.dirname(os.path.join(stash, "files", rel)), exist_ok=True)
                            shutil.copyfile(os.path.join(repo, rel), os.path.join(stash, "files", rel))
                        made.update(files=files, dirs=sorted({os.path.dirname(f) or "." for f in files}),
                                    commits=git_lines(repo, ["rev-list", "--count", f"{state.head}..HEAD"])[0],
                                    said=got[which].stdout.decode("utf-8", "replace").strip().splitlines()[-1:])
                    elif len(files) != len(made["files"]):
                        raise SystemExit(f"bench: the import wrote {len(files)} files, the first time "
                                         f"{len(made['files'])}")
                else:
                    got[which] = run_op(floor, k, repo)
                    commits = git_lines(repo, ["rev-list", "--count", f"{state.head}..HEAD"])[0]
                    if commits != "1":
                        raise SystemExit("bench: the write-and-commit floor did not make one commit")
                state.restore()
            imp.runs.append(got["import"])
            floor.runs.append(got["floor"])
            imp.pairs.append((got["import"].seconds, got["floor"].seconds))
            print(f"  import {got['import'].seconds:.1f} s ({got['import'].maxrss_kb / 1024:.0f} MB), floor "
                  f"{got['floor'].seconds:.1f} s: {got['import'].seconds / got['floor'].seconds:.2f}×"
                  + (f" — {made['said'][0][:90]}" if k == 0 and made.get("said") else "")
                  + (f"; {len(made['files'])} files in {made['commits']} commit(s)" if k == 0 else ""), flush=True)
    finally:
        shutil.rmtree(stash, ignore_errors=True)


# --------------------------------------------------------------------------------------
# audit of a year's history
# --------------------------------------------------------------------------------------
def clear_audit_state(repo: str) -> list[str]:
    """What a first audit has not got: its checkpoint and anything else it keeps
    (`.git/wuyectl/audit*`). The record index stays (a first audit in an office in use)."""
    folder = os.path.join(repo, ".git", "wuyectl")
    gone = []
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if name.startswith("audit"):
            path = os.path.join(folder, name)
            shutil.rmtree(path) if os.path.isdir(path) else os.unlink(path)
            gone.append(name)
    return gone


def measure_audit(folder: str, args, wuy: list[str], first: Op, again: Op, warm_argv: list[str]) -> None:
    hist = os.path.abspath(folder)
    if os.path.isfile(os.path.join(hist, "wuye.yaml")):
        print(f"audit: reusing the office with a year's history in {hist}", flush=True)
    else:
        if os.path.exists(hist) and os.listdir(hist):
            raise SystemExit(f"bench: --audit-history {hist} is neither an office nor empty")
        print(f"audit: building an office of {args.audit_tickets} tickets with a year's history, one commit per "
              f"event (git fast-import), in {hist} …", flush=True)
        info = office_builder.build(hist, args.audit_tickets, args.households, args.seed, history=True, days=365)
        print(f"  built in {info['seconds']:.1f} s ({info['commits']} event commits)", flush=True)
    print("  " + pack_loose(hist))
    commits = git_lines(hist, ["rev-list", "--count", "HEAD"])[0]
    first.name = first.name.replace("N commits", f"{int(commits):,} commits")
    subprocess.run([*wuy, *warm_argv], cwd=hist, capture_output=True)      # the record index warm
    gone = clear_audit_state(hist)
    run = run_op(first, 0, hist)
    first.runs.append(run)
    said = (run.stdout or run.stderr).decode("utf-8", "replace").strip().splitlines()
    print(f"  audit, first run{' (deleted ' + ', '.join(gone) + ')' if gone else ''}: {run.seconds:.1f} s, "
          f"max RSS {run.maxrss_kb / 1024:.0f} MB, exit {run.returncode}" + (f" — {said[0][:100]}" if said else ""),
          flush=True)
    for k in range(args.audit_repeat):
        again.runs.append(run_op(again, k, hist))
    print(f"  audit again, nothing new: {', '.join(f'{r.seconds:.2f}' for r in again.runs)} s", flush=True)
    if run.returncode != 0:
        first.note = again.note = "(exit 7: findings!)"


# --------------------------------------------------------------------------------------
# The scaling table: open ticket and warm get at several sizes
# --------------------------------------------------------------------------------------
def fit(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0


def measure_scaling(args, wuy: list[str], sizes: list[int]) -> list[dict]:
    base = os.path.abspath(args.reuse or args.dir or tempfile.mkdtemp(prefix="wuyectl-scaling-"))
    keep = bool(args.keep or args.dir or args.reuse)
    os.makedirs(base, exist_ok=True)
    days = int(round(args.years * 365.25))
    rows = []
    for n in sizes:
        repo = os.path.join(base, f"office-{n}")
        if os.path.isfile(os.path.join(repo, "wuye.yaml")):
            print(f"\n{n} tickets: reusing {repo}", flush=True)
        else:
            print(f"\n{n} tickets: building in {repo} …", flush=True)
            info = office_builder.build(repo, n, args.households, args.seed, days=days)
            print(f"  built in {info['seconds']:.1f} s", flush=True)
        print("  " + pack_loose(repo), flush=True)
        ensure_scratch(repo)
        tickets = count_tickets(repo)
        files = len(git_lines(repo, ["ls-files"]))
        counter = [0]

        def touch(_i, repo=repo):
            counter[0] += 1
            with open(os.path.join(repo, SCRATCH), "a", encoding="utf-8") as fh:
                fh.write(f"change {counter[0]} {time.time()}\n")

        commit = Op("git commit", lambda i: ["git", *GIT_ID, "commit", "-q", "--no-verify", "-m", "x", "--", SCRATCH],
                    "floor", touch)
        grep = Op("grep", lambda i: ["grep", "-rl", "status: assigned", "tickets/"], "floor", ok=(0, 1))
        open_op = Op("open", lambda i: [*wuy, *OPEN_ARGS], "wuyectl", floor=commit, ratio=action_ratio(tickets))
        get_op = Op("get", lambda i: [*wuy, *GET_ARGS], "wuyectl", floor=grep, ratio=READ_RATIO)
        drop_index(repo)
        cold = run_op(Op("cold get", lambda i: [*wuy, *GET_ARGS], "wuyectl"), 0, repo)
        for i in range(-1, args.scaling_repeat):
            run_pair(open_op, i, repo, floor_first=i % 2 == 1)
            run_pair(get_op, i, repo, floor_first=i % 2 == 0)
        row = {"tickets": tickets, "files": files, "cold_get": cold.seconds,
               "commit": statistics.median(commit.times), "open": statistics.median(open_op.times),
               "open_ratio": open_op.measured_ratio, "open_target": open_op.ratio,
               "grep": statistics.median(grep.times), "get": statistics.median(get_op.times),
               "get_ratio": get_op.measured_ratio,
               "peak": max(open_op.peak_mb, get_op.peak_mb, max(cold.maxrss_kb, cold.tree_kb) / 1024),
               "runs": len(open_op.runs)}
        rows.append(row)
        print(f"  commit {row['commit'] * 1000:.0f} ms, open {row['open'] * 1000:.0f} ms ({row['open_ratio']:.2f}×); "
              f"grep {row['grep'] * 1000:.0f} ms, get {row['get'] * 1000:.0f} ms ({row['get_ratio']:.2f}×); "
              f"cold get {cold.seconds:.1f} s", flush=True)
        if not keep:
            shutil.rmtree(repo, ignore_errors=True)
    if not keep:
        shutil.rmtree(base, ignore_errors=True)
    else:
        print(f"\noffices kept in {base}")
    return rows


def scaling_table(rows: list[dict]) -> str:
    head = (f"{'tickets':>8} {'files':>8} {'commit ms':>10} {'open ms':>8} {'open/commit':>11} {'target':>7} {'':4}"
            f" {'grep ms':>8} {'get ms':>7} {'get/grep':>8} {'target':>7} {'':4} {'cold get s':>10} {'peak MB':>8}"
            f" {'rounds':>6}")
    lines = [head, "-" * len(head)]
    for r in rows:
        open_ok = "PASS" if r["open_ratio"] <= r["open_target"] else "MISS"
        get_ok = "PASS" if r["get_ratio"] <= READ_RATIO else "MISS"
        lines.append(f"{r['tickets']:>8,} {r['files']:>8,} {r['commit'] * 1000:>10.0f} {r['open'] * 1000:>8.0f} "
                     f"{r['open_ratio']:>11.2f} {'≤' + format(r['open_target'], 'g'):>7} {open_ok}"
                     f" {r['grep'] * 1000:>8.0f} {r['get'] * 1000:>7.0f} {r['get_ratio']:>8.2f} "
                     f"{'≤' + format(READ_RATIO, 'g'):>7} {get_ok} {r['cold_get']:>10.1f} {r['peak']:>8.0f} "
                     f"{r['runs']:>6}")
    if len(rows) >= 2:
        xs = [r["tickets"] / 10_000 for r in rows]
        lines.append("")
        lines.append("slope (least squares over the sizes), ms per 10,000 more tickets in the office — an action "
                     "should cost what it changes, not what the office holds (0 = flat):")
        for key, label in (("open", "wuyectl open ticket"), ("commit", "floor: git commit one file"),
                           ("get", "wuyectl get tickets --where status=assigned (warm)"),
                           ("grep", "floor: grep -rl 'status: assigned' tickets/")):
            ys = [r[key] * 1000 for r in rows]
            slope = fit(xs, ys)
            lines.append(f"  {label:<52} {slope:+8.1f} ms per 10,000 tickets "
                         f"({ys[0]:.0f} ms at {rows[0]['tickets']:,} → {ys[-1]:.0f} ms at {rows[-1]['tickets']:,})")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
OPEN_ARGS = ["open", "ticket", "--channel", "phone", "--category", "repair", "--unit", "3-2-1201",
             "--reporter", "张先生", "--phone", "13800138000", "--description", "卫生间漏水", "-o", "ids",
             "--as", BENCH_CLERK]
GET_ARGS = ["get", "tickets", "--where", "status=assigned"]


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of ticket counts: {text}") from None
    if not sizes or min(sizes) < 100:
        raise argparse.ArgumentTypeError("every size must be at least 100 tickets")
    return sizes


def main(argv=None) -> int:
    parser = office_parser(__doc__, built="the office", repeat="timed rounds of the warm operations (default 5)")
    parser.add_argument("--cold-repeat", type=int, default=3,
                        help="cold runs per cold operation at most (default 3)")
    parser.add_argument("--cold-budget", type=float, default=120,
                        help="stop repeating a cold operation once its runs took this many seconds (default 120)")
    parser.add_argument("--month", default=None, metavar="YYYY-MM",
                        help="the month of `report kpi` (default: the last complete month in the data)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generated office")
    parser.add_argument("--import-repeat", type=int, default=3,
                        help="pairs of `import tickets` and its write-and-commit floor (default 3; 0: none)")
    parser.add_argument("--import-csv", default=SF_CSV, metavar="FILE",
                        help=f"the SF 311 sample to import (default {SF_CSV})")
    parser.add_argument("--audit-history", metavar="DIR", default=None,
                        help="also time `audit` on an office with a year's history (one commit per event, "
                             "~126,000 commits at 20,000 tickets): reused if DIR holds one, else built there "
                             "(about 2½ min) and kept")
    parser.add_argument("--audit-tickets", type=int, default=20_000,
                        help="tickets of the history office, when built (default 20000)")
    parser.add_argument("--audit-repeat", type=int, default=3,
                        help="runs of the second audit, nothing new (default 3)")
    parser.add_argument("--scaling", type=parse_sizes, default=None, metavar="N,N,…",
                        help="instead of the table, the scaling table: `open ticket` and warm `get` beside their "
                             "floors at each size (e.g. 10000,50000,100000,200000), one office after the other; "
                             "with --dir/--reuse DIR the offices are DIR/office-N, kept and reused")
    parser.add_argument("--scaling-repeat", type=int, default=3,
                        help="timed rounds at each size of the scaling table (default 3)")
    parser.add_argument("--profile", action="store_true",
                        help="afterwards, cProfile one in-process run of every wuyectl operation that missed "
                             "its target, and trace the git commands it makes")
    parser.add_argument("--no-snapshot", action="store_true",
                        help="run the wuyectl on PATH as it is (default: a compiled snapshot of the package, "
                             "so edits during the run do not mix versions)")
    args = parser.parse_args(argv)
    if args.tickets < 1 or args.households < 1 or args.repeat < 1 or args.cold_repeat < 1 \
            or args.import_repeat < 0 or args.audit_repeat < 1 or args.scaling_repeat < 1:
        parser.error("--tickets, --households, --repeat, --cold-repeat, --audit-repeat and --scaling-repeat must "
                     "be at least 1, --import-repeat at least 0")

    cleanup = False
    if args.scaling:
        repo = None
    elif args.reuse:
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
        # Compiled bytecode for everything the commands import, before anything is timed.
        subprocess.run([sys.executable, "-c", WARM_IMPORTS], cwd=workdir, check=True, capture_output=True)

        if args.scaling:
            started = time.perf_counter()
            rows = measure_scaling(args, wuy, args.scaling)
            print()
            print(f"scaling: `wuyectl {' '.join(OPEN_ARGS[:2])} …` and warm `wuyectl {' '.join(GET_ARGS)}`, "
                  f"each beside its floor (the bare git commit of one file; grep -rl), medians of {args.scaling_repeat} rounds; "
                  f"targets: open ≤ issue 13's action ratio for the size, get ≤ {READ_RATIO:g}× grep")
            print(scaling_table(rows))
            print(f"load average (1/5/15 min): start {'/'.join(f'{x:.2f}' for x in loads[0][1])}; end "
                  f"{'/'.join(f'{x:.2f}' for x in os.getloadavg())}; {time.perf_counter() - started:.0f} s")
            return 0

        started = time.perf_counter()
        if args.reuse:
            print(f"reusing the office in {repo}: {repo_summary(repo)}", flush=True)
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
        print(pack_loose(repo), flush=True)
        loads.append(("after build", os.getloadavg()))

        tickets = count_tickets(repo)
        limit = action_ratio(tickets)
        found = discover(repo)
        months = found["months"]
        month = args.month or (months[-2] if len(months) >= 2 else months[-1])
        old_month = months[1] if len(months) >= 3 else months[0]
        received, shown, resolved = found["received_ids"], found["closed_ids"], found["resolved_ids"]
        need = args.repeat + 1 + (6 if args.profile else 0)
        if len(received) < need:
            raise SystemExit(f"bench: only {len(received)} received tickets for {need} assign runs")
        if len(resolved) < need:
            raise SystemExit(f"bench: only {len(resolved)} resolved tickets for {need} callback runs")
        if not shown:
            raise SystemExit("bench: no closed repair ticket to show")
        ensure_scratch(repo)
        counter = [0]

        def touch(_i):
            counter[0] += 1
            with open(os.path.join(repo, SCRATCH), "a", encoding="utf-8") as fh:
                fh.write(f"change {counter[0]} {time.time()}\n")

        queue = {"received": list(received), "resolved": list(resolved), "assigned": []}

        def assign_args(_i=None):
            ticket = queue["received"].pop(0)
            queue["assigned"].append(ticket)
            return ["assign", ticket, "--to", BENCH_TECH, "--as", BENCH_CLERK]

        def update_args(_i=None):
            if not queue["assigned"]:      # outside the rounds (a profile): assign one first, untimed
                subprocess.run([*wuy, *assign_args()], cwd=repo, check=True, capture_output=True)
            return ["update", queue["assigned"].pop(0), "--action", "contact", "--note",
                    "已电话联系业主，约好上门时间", "--as", BENCH_TECH]

        def callback_args(_i=None):
            return ["callback", queue["resolved"].pop(0), "--rating", "satisfied", "--note", "师傅很及时",
                    "--as", BENCH_CLERK]

        kpi_args = ["report", "kpi", "--month", month]
        old_kpi_args = ["report", "kpi", "--month", old_month]
        cold = lambda _i: drop_index(repo)  # noqa: E731

        info = [Op("python -c pass", lambda i: [sys.executable, "-c", "pass"], "info"),
                Op("floor: git ls-files -s | wc -l", lambda i: "git ls-files -s | wc -l", "info", shell=True)]
        commit = Op("floor: git commit one file (--no-verify)",
                    lambda i: ["git", *GIT_ID, "commit", "-q", "--no-verify", "-m", "x", "--", SCRATCH], "floor", touch)
        grep = Op("floor: grep -rl 'status: assigned' tickets/",
                  lambda i: ["grep", "-rl", "status: assigned", "tickets/"], "floor", ok=(0, 1))
        write_commit = Op("floor: write the import's files, git add + commit", None, "floor", shell=True)
        help_op = Op("wuyectl --help (issue 5)", lambda i: [*wuy, "--help"], "wuyectl", limit=HELP_S,
                     profile=["--help"])
        actions = [
            Op("wuyectl open ticket … -o ids", lambda i: [*wuy, *OPEN_ARGS], "wuyectl", floor=commit, ratio=limit,
               profile=OPEN_ARGS),
            Op("wuyectl assign ID --to PERSON", lambda i: [*wuy, *assign_args()], "wuyectl", floor=commit,
               ratio=limit, profile=assign_args),
            Op("wuyectl update ID --action contact --note …", lambda i: [*wuy, *update_args()], "wuyectl",
               floor=commit, ratio=limit, profile=update_args),
            Op("wuyectl callback ID --rating … (a resolved ticket)", lambda i: [*wuy, *callback_args()], "wuyectl",
               floor=commit, ratio=limit, profile=callback_args),
            Op("wuyectl show ID (a closed repair)", lambda i: [*wuy, "show", shown[(i + 1) % len(shown)]], "wuyectl",
               floor=commit, ratio=SHOW_RATIO, profile=["show", shown[0]]),
        ]
        reads = [
            Op("wuyectl get tickets --where status=assigned (warm)", lambda i: [*wuy, *GET_ARGS], "wuyectl",
               floor=grep, ratio=READ_RATIO, profile=GET_ARGS),
            Op(f"wuyectl report kpi --month {month} (warm)", lambda i: [*wuy, *kpi_args], "wuyectl", floor=grep,
               ratio=READ_RATIO, profile=kpi_args),
            Op(f"wuyectl report kpi --month {old_month} (warm, oldest)", lambda i: [*wuy, *old_kpi_args], "wuyectl",
               floor=grep, ratio=READ_RATIO, profile=old_kpi_args),
        ]
        validate_warm = Op("wuyectl validate (warm)", lambda i: [*wuy, "validate"], "wuyectl",
                           limit=VALIDATE_WARM_S, mem=VALIDATE_WARM_MB, profile=["validate"])
        colds = [
            Op("wuyectl validate (cold)", lambda i: [*wuy, "validate"], "wuyectl", cold, limit=COLD_S, cold=True,
               profile=["validate"]),
            Op("wuyectl get tickets --where status=assigned (cold, first)", lambda i: [*wuy, *GET_ARGS], "wuyectl",
               cold, limit=COLD_S, cold=True, profile=GET_ARGS),
            Op(f"wuyectl report kpi --month {month} (cold)", lambda i: [*wuy, *kpi_args], "wuyectl", cold,
               cold=True, profile=kpi_args, note="(no time target)"),
        ]
        importer = Op("wuyectl import tickets (SF 311, 10,000 rows)", lambda i: [*wuy, *import_args(args.import_csv)],
                      "wuyectl", floor=write_commit, ratio=IMPORT_RATIO)
        audit_first = Op("wuyectl audit, first run (N commits)", lambda i: [*wuy, "audit"], "wuyectl",
                         limit=AUDIT_FIRST_S, ok=(0, 7))
        audit_again = Op("wuyectl audit again, nothing new", lambda i: [*wuy, "audit"], "wuyectl",
                         limit=AUDIT_AGAIN_S, ok=(0, 7))

        print(f"\n{tickets:,} tickets: an action's target is ≤ {limit:g}× the commit floor (issue 13: "
              f"{ACTION_RATIO_SMALL:g}× at ≤ {SMALL:,} tickets, {ACTION_RATIO_BIG:g}× at ≥ {BIG:,}, linear in "
              f"log(tickets) between)")
        run_op(help_op, -1, repo)

        print(f"cold: up to {args.cold_repeat} run(s) of each cold operation, index deleted before each; "
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

        print(f"warm: 1 untimed round, then {args.repeat} timed rounds; each action and read runs right beside "
              "its floor (the order alternating) …", flush=True)
        for i in range(-1, args.repeat):
            for op in info + [help_op, validate_warm]:
                run = run_op(op, i, repo)
                if i >= 0:
                    op.runs.append(run)
            for k, op in enumerate(actions + reads):
                run_pair(op, i, repo, floor_first=(i + k) % 2 == 1)
            if i == -1:
                loads.append(("after warm-up round", os.getloadavg()))
        loads.append(("after warm rounds", os.getloadavg()))
        get_rows = len(reads[0].runs[-1].stdout.decode("utf-8", "replace").splitlines())
        grep_files = len(grep.runs[-1].stdout.splitlines())

        if args.import_repeat and os.path.isfile(args.import_csv):
            print(f"import: {args.import_repeat} pair(s) of `import tickets` and its write-and-commit floor, "
                  "the office put back as it was after each run …", flush=True)
            measure_import(repo, wuy, importer, write_commit, args.import_repeat, GET_ARGS)
            loads.append(("after import", os.getloadavg()))
        else:
            importer.skipped = (f"no {args.import_csv}" if args.import_repeat else "--import-repeat 0")
        if args.audit_history:
            measure_audit(args.audit_history, args, wuy, audit_first, audit_again, GET_ARGS)
            loads.append(("after audit", os.getloadavg()))
        else:
            audit_first.skipped = audit_again.skipped = "give --audit-history DIR"
        loads.append(("end", os.getloadavg()))

        all_ops = info + [commit, grep, write_commit, help_op] + actions + reads + [validate_warm] + colds \
            + [importer, audit_first, audit_again]
        print()
        print(table(all_ops))
        print("ratio: the median over the runs of (the run ÷ its floor's run made right before or after it); "
              "floor s: the median of those floor runs. peak MB: the largest max RSS of any run ("
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
        print(f"repo after the runs: {commits} commits, work tree {'clean' if not status else 'NOT clean'}; "
              f"the benchmark took {time.perf_counter() - started:.0f} s")
        missed = misses(all_ops)
        print("missed: " + (", ".join(op.name for op in missed) if missed else "nothing"))
        if args.profile and missed:
            program = ["-m", "wuyectl"] if args.no_snapshot else [wuy[-1]]
            # Warm ones first, each after one untimed run (the index as the timed runs had
            # it); the cold ones last, since each deletes the index.
            for op in sorted((op for op in missed if op.profile), key=lambda op: op.cold):
                if not op.cold:
                    run_op(op, 0, repo)
                ran = profile_op(op, program, repo, cold=op.cold)
                if not op.cold:
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
