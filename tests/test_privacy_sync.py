"""The keystore travels with `wuyectl sync` (issue 12): `refs/wuyectl/keys`, a commit without
parents replaced on every change, never merged into the records' history. Two clones of an
encrypted office through a plain bare repository: a household opened in one is revealable in
the other; an erasure in one deletes the key in the other at its next sync, and after
`git gc --prune=now` the server holds no copy of it; the server's hook takes the keystore ref
(replaced, not added to) and refuses anything else under refs/wuyectl/.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import DIRECTOR, OWNER_PHONE, UNIT

pytestmark = pytest.mark.lang("en")

OTHER_UNIT = "5-1-0101"
OTHER_PHONE = "13800138000"


def sh_git(repo: Path, *args: str, check: bool = True, input: bytes | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, input=input)
    if check and proc.returncode:
        raise AssertionError(f"git {' '.join(args)}: {proc.stderr.decode()}")
    return proc.stdout.decode("utf-8")


def key_files(repo: Path, subject: str) -> list[Path]:
    return sorted((repo / ".git" / "wuyectl" / "keys").glob(f"K-*/data/{subject}.*.json"))


def all_objects(repo: Path) -> str:
    """Every object the repository holds, with its content (blobs and trees)."""
    listing = sh_git(repo, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
    proc = subprocess.run(["git", "cat-file", "--batch"], cwd=repo, capture_output=True, input=listing.encode(),
                          check=True)
    return proc.stdout.decode("utf-8", "replace")


@pytest.fixture
def encrypted(office, tmp_path, cli):
    """(a, b, remote, env): an encrypted office (the director's key on the roster) synced to a
    bare remote, and a second clone at station B that synced too; `env` is the director's."""
    key = tmp_path / "director"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    assert cli("staff", "key", DIRECTOR, "--file", f"{key}.pub", "--as", DIRECTOR).code == 0
    env = {"WUYECTL_SIGNING_KEY": str(key)}
    result = cli("migrate", "encrypt", "--as", DIRECTOR, env=env)
    assert result.code == 0, result.err
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    sh_git(office, "remote", "add", "origin", str(remote))
    result = cli("sync", "--as", DIRECTOR, env=env)
    assert result.code == 0, result.err
    b = tmp_path / "b"
    subprocess.run(["git", "clone", "-q", str(remote), str(b)], check=True, capture_output=True)
    sh_git(b, "config", "wuyectl.station", "B")
    result = cli("sync", "--as", "王芳", "--repo", b)
    assert result.code == 0, result.err
    return office, b, remote, env


def phone(cli, repo: Path, unit: str, env: dict) -> str:
    result = cli("show", unit, "--reveal", "-o", "json", "--as", DIRECTOR, "--repo", repo, env=env)
    assert result.code == 0, result.err
    return json.loads(result.out)["owners"][0]["phone"]


def test_the_keys_reach_the_other_clone(encrypted, cli):
    a, b, remote, env = encrypted
    # b got the keystore with the first sync: it reveals what a sealed
    assert key_files(b, UNIT) and [p.name for p in key_files(b, UNIT)] == [p.name for p in key_files(a, UNIT)]
    assert phone(cli, b, UNIT, env) == OWNER_PHONE
    # a household opened in b (by a clerk, who cannot reveal) reaches a with the next syncs
    result = cli("open", "owner", "--unit", OTHER_UNIT, "--name", "李四", "--phone", OTHER_PHONE, "--as", "王芳",
                 "--repo", b)
    assert result.code == 0, result.err
    assert not key_files(a, OTHER_UNIT)
    assert cli("sync", "--as", "王芳", "--repo", b).code == 0
    assert cli("sync", "--as", DIRECTOR, env=env).code == 0
    assert [p.name for p in key_files(a, OTHER_UNIT)] == [p.name for p in key_files(b, OTHER_UNIT)] != []
    assert phone(cli, a, OTHER_UNIT, env) == OTHER_PHONE
    # the ref is one commit without parents, apart from the records' history
    ref = sh_git(remote, "rev-list", "--parents", "refs/wuyectl/keys").split()
    assert len(ref) == 1
    assert sh_git(a, "rev-parse", "refs/wuyectl/keys") == sh_git(remote, "rev-parse", "refs/wuyectl/keys")
    assert sh_git(remote, "merge-base", "--is-ancestor", ref[0], "master", check=False) == ""
    # nothing changed: nothing new pushed
    assert cli("sync", "--as", "王芳", "--repo", b).code == 0
    assert sh_git(remote, "rev-list", "--parents", "refs/wuyectl/keys").split() == ref


def test_an_erasure_reaches_the_other_clone_and_the_server(encrypted, cli):
    a, b, remote, env = encrypted
    [kept] = key_files(b, UNIT)
    sealed = json.loads(kept.read_text())["sealed"]
    blob = sh_git(b, "hash-object", str(kept)).strip()
    assert blob in all_objects(remote) or sealed in all_objects(remote)
    result = cli("erase", UNIT, "--reason", "业主要求删除", "--as", DIRECTOR, env=env)
    assert result.code == 0, result.err
    assert key_files(a, UNIT) == []
    assert cli("sync", "--as", DIRECTOR, env=env).code == 0
    assert phone(cli, b, UNIT, env) == OWNER_PHONE          # b has not synced yet
    assert cli("sync", "--as", "王芳", "--repo", b).code == 0
    assert key_files(b, UNIT) == [] and not kept.exists()
    assert phone(cli, b, UNIT, env) == "erased"
    # the clones dropped the old keystore commits at once; the server after its gc
    for repo in (a, b):
        assert sealed not in all_objects(repo)
    assert sealed not in sh_git(remote, "show", "refs/wuyectl/keys:" + sh_git(
        remote, "ls-tree", "-r", "--name-only", "refs/wuyectl/keys").split()[0])
    sh_git(remote, "gc", "--quiet", "--prune=now")
    objects = all_objects(remote)
    assert sealed not in objects and blob not in objects
    assert kept.name not in sh_git(remote, "ls-tree", "-r", "--name-only", "refs/wuyectl/keys")
    # a later sync of b does not bring it back
    assert cli("sync", "--as", "王芳", "--repo", b).code == 0
    assert cli("sync", "--as", DIRECTOR, env=env).code == 0
    assert key_files(a, UNIT) == [] == key_files(b, UNIT)


def test_a_clone_that_kept_an_erased_key_does_not_push_it_back(encrypted, cli):
    a, b, remote, env = encrypted
    [kept] = key_files(b, UNIT)
    sealed = json.loads(kept.read_text())["sealed"]
    assert cli("erase", UNIT, "--reason", "业主要求删除", "--as", DIRECTOR, env=env).code == 0
    assert cli("sync", "--as", DIRECTOR, env=env).code == 0
    # b makes a record of its own before it syncs: its keystore still has the key
    result = cli("open", "owner", "--unit", OTHER_UNIT, "--name", "李四", "--phone", OTHER_PHONE, "--as", "王芳",
                 "--repo", b)
    assert result.code == 0, result.err
    assert cli("sync", "--as", "王芳", "--repo", b).code == 0
    assert key_files(b, UNIT) == []
    sh_git(remote, "gc", "--quiet", "--prune=now")
    assert sealed not in all_objects(remote)
    assert cli("sync", "--as", DIRECTOR, env=env).code == 0
    assert phone(cli, a, OTHER_UNIT, env) == OTHER_PHONE


def test_the_hook_takes_the_keys_and_refuses_other_refs_under_wuyectl(encrypted, cli):
    a, b, remote, env = encrypted
    assert cli("server", "install", remote).code == 0
    # a new keystore (a household opened in b) replaces the old one: not a fast-forward, taken
    old = sh_git(remote, "rev-parse", "refs/wuyectl/keys").strip()
    assert cli("open", "owner", "--unit", OTHER_UNIT, "--name", "李四", "--phone", OTHER_PHONE, "--as", "王芳",
               "--repo", b).code == 0
    result = cli("sync", "--as", "王芳", "--repo", b)
    assert result.code == 0, result.err
    new = sh_git(remote, "rev-parse", "refs/wuyectl/keys").strip()
    assert new != old and sh_git(remote, "rev-list", "--parents", new).split() == [new]
    # no receipt names a keystore commit (it would keep erased keys reachable)
    notes = sh_git(remote, "notes", "--ref=refs/notes/wuyectl-received", "list", check=False)
    assert new not in notes and old not in notes
    # anything else under refs/wuyectl/ is refused
    proc = subprocess.run(["git", "push", "origin", "HEAD:refs/wuyectl/other"], cwd=a, capture_output=True)
    assert proc.returncode != 0
    assert "wuyectl: refused: refs/wuyectl/other: only refs/wuyectl/keys may be pushed under refs/wuyectl/" \
        in proc.stderr.decode()
    # and so is a keystore commit with parents (it would keep the old keys), or its deletion
    proc = subprocess.run(["git", "push", "origin", "+HEAD:refs/wuyectl/keys"], cwd=a, capture_output=True)
    assert proc.returncode != 0 and "not a keystore commit" in proc.stderr.decode()
    proc = subprocess.run(["git", "push", "origin", ":refs/wuyectl/keys"], cwd=a, capture_output=True)
    assert proc.returncode != 0 and "deleting the office's keys is refused" in proc.stderr.decode()
    assert sh_git(remote, "rev-parse", "refs/wuyectl/keys").strip() == new


# -- two office keys: the merge itself ----------------------------------------------------------
def test_data_keys_sealed_to_a_replaced_office_key_wait_for_someone_who_can_open_it(tmp_path):
    import shutil

    from wuyectl.errors import Refused
    from wuyectl.store import keyref, keys

    people = {}
    for name in ("liu", "zhao"):
        path = tmp_path / name
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
        people[name] = ((tmp_path / f"{name}.pub").read_text().strip(), keys.Identity.from_file(str(path)))
    staff = lambda *names: {"staff": [{"name": n, "role": "director", "signing_key": people[n][0]}  # noqa: E731
                                      for n in names]}
    a = keys.Keystore(str(tmp_path / "a"))
    a.create(staff("liu", "zhao"), "liu", "2026-11-22T09:00:00+08:00")
    first = a.current()
    shutil.copytree(a.root, tmp_path / "b" / "wuyectl" / "keys")
    b = keys.Keystore(str(tmp_path / "b"))
    # a removes zhao: a new office key; b (not knowing) seals a household to the old one
    assert a.rewrap(staff("liu"), people["liu"][1], "liu", "2026-11-22T10:00:00+08:00")[0] == "rotated"
    sealer = keys.Sealer(b, "2026-11-22T10:05:00+08:00")
    value = sealer.seal(OTHER_UNIT, "phone", OTHER_PHONE)
    [made] = b.data_keys(OTHER_UNIT)

    def nobody():
        raise Refused("no key")

    merged = keyref.merge(a, keyref.read_folder(b), staff("liu"), nobody)
    assert (merged.current, merged.pending, merged.taken) == (a.current(), [first], [made])
    assert a.current() != first and (Path(a.root) / first / "data" / f"{made}.json").exists()
    # from b's side the same: the office key that fits the roster wins, the household waits
    merged = keyref.merge(b, keyref.read_folder(a), staff("liu"), nobody)
    assert (merged.current, merged.pending) == (a.current(), [first])
    # someone who can open the old key seals it again to the new one; the old folder goes
    merged = keyref.merge(a, keyref.read_folder(b), staff("liu"), lambda: people["liu"][1])
    assert (merged.pending, merged.resealed) == ([], [made])
    assert sorted(p.name for p in Path(a.root).iterdir()) == sorted(["current", a.current()])
    assert keys.Opener(a, people["liu"][1]).open(value, "phone") == OTHER_PHONE
    # and zhao, removed, opens nothing with the new office key
    with pytest.raises(Refused):
        keys.Opener(a, people["zhao"][1]).open(value, "phone")
