"""The golden catalogue of error messages (tests/errors/, hledger style; issue 6).

Each folder of tests/errors/ is one case:

    cmd        the command's arguments, one line, shell quoting (shlex)
    setup      optional: wuyectl commands run first, one a line (each must succeed)
    files/…    optional: files placed in the office and committed by hand (--no-verify)
    dirty/…    optional: files placed in the office after that, left uncommitted
    env        optional: KEY=VALUE lines for the command's environment
    options    optional: words — `outside` (run in a folder that is no office),
               `hold-lock` (another writer holds the repo lock, as 王芳 pid 4242 on front-desk-1)
    expected   `exit N` on the first line, then the exact standard error, in English (the
               command run with WUYECTL_LANG=en)
    expected.zh  the same in Chinese, the default language (WUYECTL_LANG unset)
    stdout, stdout.zh  optional: the exact standard output in each (otherwise it must be empty)

`{office}` and `{outside}` in `expected`/`stdout` stand for those folders' absolute paths.
Every case must also leave the repo as it was (HEAD, commit count, `git status`): an error
never writes. `WUYECTL_GOLDEN=update pytest tests/test_error_catalogue.py` rewrites the
`expected` (and `stdout`) files of both languages from what the tool says now — review the diff.
"""
from __future__ import annotations

import fcntl
import json
import os
import shlex
import shutil
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "errors"
NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())
# (language, suffix of its files): English with WUYECTL_LANG=en, Chinese as the default
LANGUAGES = {"en": "", "zh": ".zh"}


def _read(case: Path, name: str) -> str | None:
    path = case / name
    return path.read_text(encoding="utf-8") if path.exists() else None


def _place(src: Path, office: Path) -> None:
    for path in sorted(src.rglob("*")):
        if path.is_file():
            target = office / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


@pytest.mark.parametrize("lang", list(LANGUAGES))
@pytest.mark.parametrize("name", NAMES)
def test_error_case(name, lang, cli, git, office, tmp_path, monkeypatch, repo_state):
    suffix = LANGUAGES[lang]
    case = CASES / name
    for line in (_read(case, "setup") or "").splitlines():
        if line.strip() and not line.startswith("#"):
            done = cli(*shlex.split(line))
            assert done.code == 0, (line, done.err)
    if (case / "files").is_dir():
        _place(case / "files", office)
        git("add", "-A")
        git("commit", "-q", "--no-verify", "-m", f"catalogue case {name}")
    if (case / "dirty").is_dir():
        _place(case / "dirty", office)
    env = {}
    for line in (_read(case, "env") or "").splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    if lang == "en":
        env["WUYECTL_LANG"] = "en"
    options = set((_read(case, "options") or "").split())
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    places = {"{office}": str(office.resolve()), "{outside}": str(outside.resolve())}

    before = repo_state()
    holder = None
    if "hold-lock" in options:
        lock = office / ".git" / "wuyectl" / "lock"
        lock.parent.mkdir(parents=True, exist_ok=True)
        holder = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        fcntl.flock(holder, fcntl.LOCK_EX)
        os.ftruncate(holder, 0)
        os.pwrite(holder, json.dumps({"pid": 4242, "host": "front-desk-1", "who": "王芳"},
                                     ensure_ascii=False).encode(), 0)
    try:
        if "outside" in options:
            monkeypatch.chdir(outside)
        result = cli(*shlex.split(_read(case, "cmd").strip()), env=env)
    finally:
        monkeypatch.chdir(office)
        if holder is not None:
            fcntl.flock(holder, fcntl.LOCK_UN)
            os.close(holder)

    got = f"exit {int(result.code)}\n{result.err}"
    for real, mark in sorted(((v, k) for k, v in places.items()), key=lambda p: -len(p[0])):
        got = got.replace(real, mark)
    out = result.out
    for real, mark in sorted(((v, k) for k, v in places.items()), key=lambda p: -len(p[0])):
        out = out.replace(real, mark)
    if os.environ.get("WUYECTL_GOLDEN") == "update":
        (case / f"expected{suffix}").write_text(got, encoding="utf-8")
        if out:
            (case / f"stdout{suffix}").write_text(out, encoding="utf-8")
        elif (case / f"stdout{suffix}").exists():
            (case / f"stdout{suffix}").unlink()
    assert got == _read(case, f"expected{suffix}")
    assert out == (_read(case, f"stdout{suffix}") or "")
    assert result.code != 0
    assert result.err.count("\n") == 1                       # one line
    assert repo_state() == before                            # nothing written


def test_the_reference_lists_every_case():
    """tests/errors/README.md (the README's error reference) has a row for every case with
    the case's messages as the tool prints them, in English and in Chinese, and its exit code."""
    readme = (CASES / "README.md").read_text(encoding="utf-8")
    rows = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0].startswith("[`"):
            rows[cells[0].split("`")[1]] = cells
    assert sorted(rows) == NAMES
    for name in NAMES:
        case, cells = CASES / name, rows[name]
        exit_line = _read(case, "expected").splitlines()[0]
        assert cells[-1] == exit_line.split()[1], name
        assert _read(case, "expected.zh").splitlines()[0] == exit_line, name
        english, chinese = cells[3], cells[4]
        for suffix, cell in (("", english), (".zh", chinese)):
            shown = [*(_read(case, f"stdout{suffix}") or "").splitlines(),
                     *_read(case, f"expected{suffix}").splitlines()[1:]]
            for printed in shown:
                assert f"`{printed}`" in cell, (name, suffix, printed)


def test_every_case_has_both_languages():
    """A case has its Chinese beside its English (and a stdout in both or in neither)."""
    for name in NAMES:
        case = CASES / name
        assert (case / "expected").exists() and (case / "expected.zh").exists(), name
        assert (case / "stdout").exists() == (case / "stdout.zh").exists(), name


def test_every_problem_code_is_in_the_reference():
    """The README's table of codes is the catalogue of domain/findings.py, row for row."""
    from wuyectl.domain.findings import catalogue

    text = (CASES / "README.md").read_text(encoding="utf-8")
    table = text.split("## Problem and finding codes", 1)[1]
    rows = [line.split(" | ") for line in table.splitlines() if line.startswith("| `")]
    assert {row[0][3:-1]: row[1].rstrip(" |") for row in rows} == catalogue()
