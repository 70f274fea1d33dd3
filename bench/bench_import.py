"""`import tickets` of the SF 311 sample against the floor of writing the same files and
committing them with git.

    python bench/bench_import.py --office /tmp/office-20k [--rounds 2] [--csv FILE]

For each round, two fresh copies of OFFICE (`cp -a`, untimed): in one, `wuyectl import
tickets` (the README's SF 311 command, as the office's director); in the other, the floor:
the files that import wrote (taken from its commits) unpacked with `tar`, then `git add` and
one `git commit`. Each copy's index is refreshed untimed (a copy's files have new inodes). The two alternate, and the ratio of their wall times is printed with the CPU
time (user + system of the process and its children) and the import's peak memory.
OFFICE is not written to. git runs with GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
and gc.auto=0 (for both).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SF = os.path.join(os.path.dirname(ROOT), "shared", "data", "sf311_cases_sample_10000.csv")


PYTHONPATH: str | None = None   # --pythonpath: another wuyectl checkout to time (a "before")
SIGNING_KEY: str | None = None  # --signing-key: the director's key, in an office that signs commits


def env() -> dict:
    out = {k: v for k, v in os.environ.items() if not k.startswith("WUYECTL_")}
    if PYTHONPATH:
        out["PYTHONPATH"] = PYTHONPATH
    if SIGNING_KEY:
        out["WUYECTL_SIGNING_KEY"] = SIGNING_KEY
    out.update(GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1",
               # no background `gc --auto` after a commit: it would run outside the timing
               GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="gc.auto", GIT_CONFIG_VALUE_0="0")
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    return out


def director(office: str) -> str:
    sys.path.insert(0, ROOT)
    from wuyectl.store import fastyaml

    with open(os.path.join(office, "wuye.yaml"), encoding="utf-8") as fh:
        config = fastyaml.load(fh.read())
    return next(p["name"] for p in config["staff"] if p.get("role") == "director")


def import_argv(csv: str, actor: str) -> list[str]:
    data = os.path.join(ROOT, "tests", "data")
    return [sys.executable, "-m", "wuyectl", "import", "tickets", csv, "--as", actor,
            "--timezone", "America/Los_Angeles", "--date-order", "mdy", "--skip-bad",
            "--map", "CaseID=source_id", "--map", "Opened=received_at", "--map", "Closed=closed_at",
            "--map", "Status=status", "--map", "Category=category", "--map", "Request.Type=description",
            "--map", "Request.Details=description", "--map", "Address=place", "--map", "Source=channel",
            "--map", "Status.Notes=result", "--category-map", os.path.join(data, "sf311-categories.yaml"),
            "--channel-map", os.path.join(data, "sf311-channels.yaml")]


def timed(argv, cwd: str, **kw) -> tuple[float, float, int]:
    """(wall s, CPU s of the process tree, peak RSS kB of the largest process)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench: {' '.join(map(str, argv))[:200]} failed: {err.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def copy(office: str, work: str, name: str) -> str:
    target = os.path.join(work, name)
    subprocess.run(["cp", "-a", office, target], check=True)
    # A copy's files have new inodes and ctimes: the first git command would re-hash every
    # file to refresh the index. An office in use has a fresh index: refresh it untimed.
    subprocess.run(["git", "update-index", "-q", "--refresh"], cwd=target, env=env(), check=False,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["sync"], check=True)
    return target


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--office", required=True, help="an office repo to copy (not written to)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--csv", default=SF)
    ap.add_argument("--work", default=None, help="where the copies go (default: a temporary folder)")
    ap.add_argument("--batch", type=int, default=None, help="import's --batch (default: its own, 2000)")
    ap.add_argument("--pythonpath", default=None, help="time the wuyectl of this checkout instead")
    ap.add_argument("--signing-key", default=None,
                    help="WUYECTL_SIGNING_KEY for the import (an office whose director signs commits)")
    args = ap.parse_args(argv)
    global PYTHONPATH, SIGNING_KEY
    PYTHONPATH, SIGNING_KEY = args.pythonpath, args.signing_key
    work = tempfile.mkdtemp(prefix="bench-import-", dir=args.work)
    actor = director(args.office)
    rows = []
    try:
        for round_no in range(args.rounds):
            a = copy(args.office, work, f"import-{round_no}")
            base = subprocess.run(["git", "rev-parse", "HEAD"], cwd=a, env=env(), capture_output=True,
                                  check=True).stdout.decode().strip()
            imp = timed(import_argv(args.csv, actor) + (["--batch", str(args.batch)] if args.batch else []), a)
            names = subprocess.run(["git", "diff", "--name-only", "-z", base, "HEAD"], cwd=a, env=env(),
                                   capture_output=True, check=True).stdout
            tar = os.path.join(work, "files.tar")
            subprocess.run(["tar", "-cf", tar, "--null", "-T", "-"], cwd=a, input=names, check=True)
            count = names.count(b"\0")
            shutil.rmtree(a, ignore_errors=True)
            b = copy(args.office, work, f"floor-{round_no}")
            floor = timed(["sh", "-c", f"tar -xf {tar} && git add -A -- . && git -c user.name=floor -c user.email=floor@example.org commit -q --no-verify -m floor"], b)
            shutil.rmtree(b, ignore_errors=True)
            os.unlink(tar)
            rows.append((imp, floor, count))
            print(f"round {round_no + 1}: import {imp[0]:.1f} s (CPU {imp[1]:.1f} s, peak {imp[2] / 1024:.0f} MB), "
                  f"floor {floor[0]:.1f} s (CPU {floor[1]:.1f} s), {count} files: "
                  f"ratio {imp[0] / floor[0]:.2f} (CPU {imp[1] / floor[1]:.2f})", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    walls = sorted(i[0] / f[0] for i, f, _ in rows)
    cpus = sorted(i[1] / f[1] for i, f, _ in rows)
    print(f"import tickets / floor: wall {walls[len(walls) // 2]:.2f} (of {', '.join(f'{r:.2f}' for r in walls)}), "
          f"CPU {cpus[len(cpus) // 2]:.2f}; target <= 1.5; peak {max(i[2] for i, _, _ in rows) / 1024:.0f} MB "
          f"(target <= 200)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
