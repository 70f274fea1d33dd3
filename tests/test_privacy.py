"""Personal data sealed at rest (issue 12): what the files, history and cache hold after
`migrate encrypt`, who can read it back, looking records up by a number, and erasure.

Keys are made by `ssh-keygen -N ''` in the test's own folder; the director's is registered on
the roster, and WUYECTL_SIGNING_KEY names it for every command the director runs (a person
with a key signs every commit)."""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from conftest import DIRECTOR, OWNER_PHONE, PHONE, UNIT, ticket_path

# A phone number standing alone (not the digits inside a longer number, e.g. a timestamp).
PHONE_RE = re.compile(rb"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
ID_RE = re.compile(rb"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
OTHER_UNIT, OTHER_PHONE, OTHER_ID = "5-1-0701", "13612345678", "11010519491231002X"
NEW_UNIT, NEW_PHONE, NEW_ID = "6-1-1802", "15155556666", "110101199003074477"




@pytest.fixture
def director(cli, keygen):
    """The director's key, registered; returns the env that makes the director's commands sign."""
    key = keygen("director")
    assert cli("staff", "key", DIRECTOR, "--file", f"{key}.pub", "--as", DIRECTOR).code == 0
    return {"WUYECTL_SIGNING_KEY": str(key)}


@pytest.fixture
def encrypted(cli, git, director):
    """The fixture office with a second household, then `migrate encrypt`; returns
    (the director's env, the migration commit)."""
    made = cli("open", "owner", "--unit", OTHER_UNIT, "--name", "李四", "--phone", OTHER_PHONE,
               "--id-card", OTHER_ID, "--as", DIRECTOR, env=director)
    assert made.code == 0, made.err
    done = cli("migrate", "encrypt", "--as", DIRECTOR, "--lang", "en", env=director)
    assert done.code == 0, done.err
    head = git("rev-parse", "HEAD").strip()
    assert done.out == f"encrypted 3 personal values in 2 records (2 data keys): committed {head[:10]}\n"
    return director, head


def _tree_bytes(root: Path, *, skip_git: bool = True):
    for path in root.rglob("*"):
        if path.is_file() and not (skip_git and ".git" in path.relative_to(root).parts):
            yield path, path.read_bytes()


def _found(pattern: re.Pattern, blobs) -> list:
    return [(str(path), m.group()) for path, data in blobs for m in pattern.finditer(data)]


def test_after_migration_no_number_in_the_files_the_later_history_or_the_cache(cli, git, office, encrypted):
    env, migration = encrypted
    # more work after the migration: a ticket with a phone, a new household with both numbers
    assert cli("open", "ticket", "--channel", "phone", "--category", "repair", "--unit", UNIT, "--reporter", "张先生",
               "--phone", PHONE, "--description", "漏水", "--as", "王芳").code == 0
    assert cli("open", "owner", "--unit", NEW_UNIT, "--name", "王五", "--phone", NEW_PHONE, "--id-card", NEW_ID,
               "--as", "王芳").code == 0
    assert cli("get", "tickets").code == 0 and cli("get", "owners").code == 0   # builds the index cache
    assert cli("show", UNIT, "--reveal", "--as", DIRECTOR, env=env).code == 0

    assert _found(PHONE_RE, _tree_bytes(office)) == []
    assert _found(ID_RE, _tree_bytes(office)) == []
    later = git("log", "-p", f"{migration}..HEAD").encode()
    assert PHONE_RE.findall(later) == [] and ID_RE.findall(later) == []
    # the migration's own diff removes the clear lines; what it adds is sealed
    added = "\n".join(line for line in git("show", migration).splitlines() if line.startswith("+")).encode()
    assert PHONE_RE.findall(added) == [] and ID_RE.findall(added) == []
    state = list(_tree_bytes(office / ".git" / "wuyectl", skip_git=False))
    # The index database is looked at row by row: its bookkeeping (git's index file's inode,
    # size and time, e.g. 15857750384) is digits that are no one's number. Its whole bytes,
    # free pages included, are still searched for every known number below.
    cache = _cache_rows(office)
    assert any(b"enc:1:" in data for _path, data in cache)   # the sealed values are in the rows looked at
    rows = [(path, data) for path, data in state if path.name != "index.sqlite"] + cache
    assert state and _found(PHONE_RE, rows) == [] and _found(ID_RE, rows) == []
    for number in (PHONE, OWNER_PHONE, OTHER_PHONE, OTHER_ID, NEW_PHONE, NEW_ID):
        assert all(number.encode() not in data for _path, data in state)


def _cache_rows(office: Path) -> list:
    """(the index database, each stored value of its record and keyed-hash rows)."""
    import sqlite3

    path = office / ".git" / "wuyectl" / "index.sqlite"
    db = sqlite3.connect(path)
    try:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        out = []
        for table in sorted({"records", "keyed"} & tables):
            for row in db.execute(f"SELECT * FROM {table}"):
                out += [(path, v if isinstance(v, bytes) else str(v).encode()) for v in row if v is not None]
        return out
    finally:
        db.close()


def test_the_file_stays_yaml_with_a_mask_readable_and_everything_else_in_clear(office, encrypted):
    text = (office / f"owners/5/{OTHER_UNIT}.yaml").read_text(encoding="utf-8")
    assert "name: 李四" in text
    phone = re.search(r"phone: (enc:1:5-1-0701\.[0-9a-f]{8}:136\*\*\*\*5678:[A-Za-z0-9_-]+)\n", text)
    card = re.search(r"id_card: (enc:1:5-1-0701\.[0-9a-f]{8}:1101\*\*\*\*\*\*\*\*\*\*002X:[A-Za-z0-9_-]+)\n", text)
    assert phone and card, text


def test_masked_for_everyone_in_clear_for_the_reveal_roles(cli, encrypted):
    env, _ = encrypted
    masked = cli("get", "owners", "-o", "json", "--as", "王芳")
    rows = {r["id"]: r for r in json.loads(masked.out)}
    assert rows[OTHER_UNIT]["owners"][0]["phone"] == "136****5678"
    assert rows[OTHER_UNIT]["owners"][0]["id_card"] == "1101**********002X"
    shown = cli("get", "owners", "--reveal", "-o", "json", "--as", DIRECTOR, env=env)
    rows = {r["id"]: r for r in json.loads(shown.out)}
    assert rows[OTHER_UNIT]["owners"][0]["phone"] == OTHER_PHONE
    assert rows[OTHER_UNIT]["owners"][0]["id_card"] == OTHER_ID
    assert rows[UNIT]["owners"][0]["phone"] == OWNER_PHONE
    table = cli("show", OTHER_UNIT, "--reveal", "--as", DIRECTOR, env=env)
    assert OTHER_PHONE in table.out and OTHER_ID in table.out


@pytest.mark.lang("en")
def test_a_clerk_may_neither_reveal_nor_look_up_by_a_number(cli, encrypted, repo_state):
    refused = cli("get", "owners", "--reveal", "--as", "王芳")
    assert refused.code == 6
    search = cli("get", "tickets", "--where", f"reporter.phone={PHONE}", "--as", "王芳")
    assert (search.code, search.out) == (6, "")
    assert search.err == ("wuyectl: 王芳 (clerk) may not look records up by a phone or ID-card number (it would test "
                          "guesses against the masked ones): needs director, supervisor or archivist\n")


@pytest.mark.lang("en")
def test_looking_up_by_a_number_in_a_clear_office_is_refused_to_a_clerk_too(cli):
    search = cli("get", "owners", "--where", f"owners.phone={OWNER_PHONE}", "--as", "王芳")
    assert search.code == 6


def test_the_reveal_roles_look_records_up_by_phone(cli, new_ticket, encrypted):
    env, _ = encrypted
    tid = new_ticket()
    found = cli("get", "tickets", "--where", f"reporter.phone={PHONE}", "-o", "ids", "--as", DIRECTOR, env=env)
    assert (found.code, found.out) == (0, f"{tid}\n")
    none = cli("get", "tickets", "--where", "reporter.phone=13800138001", "-o", "ids", "--as", DIRECTOR, env=env)
    assert (none.code, none.out) == (0, "")
    owner = cli("get", "owners", "--where", f"owners.id_card={OTHER_ID}", "-o", "ids", "--as", DIRECTOR, env=env)
    assert owner.out == f"{OTHER_UNIT}\n"


def test_a_clerk_records_a_number_she_cannot_read_back(cli, office, encrypted):
    env, _ = encrypted
    made = cli("open", "owner", "--unit", NEW_UNIT, "--name", "王五", "--phone", NEW_PHONE, "--as", "王芳")
    assert made.code == 0, made.err
    assert NEW_PHONE not in (office / f"owners/6/{NEW_UNIT}.yaml").read_text(encoding="utf-8")
    assert cli("show", NEW_UNIT, "--reveal", "--as", "王芳").code == 6
    assert NEW_PHONE in cli("show", NEW_UNIT, "--reveal", "--as", DIRECTOR, env=env).out


def test_importing_owners_seals_as_it_writes(cli, office, tmp_path, encrypted):
    env, _ = encrypted
    sheet = tmp_path / "owners.csv"
    with open(sheet, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([["房号", "业主姓名", "联系电话", "身份证号"], [NEW_UNIT, "王五", NEW_PHONE, NEW_ID]])
    done = cli("import", "owners", str(sheet), "--as", "王芳")
    assert done.code == 0, done.err
    text = (office / f"owners/6/{NEW_UNIT}.yaml").read_text(encoding="utf-8")
    assert NEW_PHONE not in text and NEW_ID not in text and "enc:1:6-1-1802." in text
    shown = cli("get", "owners", "--where", f"owners.phone={NEW_PHONE}", "--reveal", "-o", "json", "--as", DIRECTOR,
                env=env)
    assert json.loads(shown.out)[0]["owners"][0]["id_card"] == NEW_ID


def test_a_number_typed_into_edit_is_sealed_when_committed(cli, office, encrypted, monkeypatch, tmp_path):
    env, _ = encrypted
    path = office / ticket_path("T-20261122-A001")
    assert cli("open", "ticket", "--channel", "phone", "--category", "repair", "--unit", UNIT, "--reporter", "张先生",
               "--description", "漏水", "--as", "王芳").code == 0
    script = tmp_path / "editor.py"
    script.write_text("import sys\np = sys.argv[1]\ntext = open(p, encoding='utf-8').read()\n"
                      f"text = text.replace('  name: 张先生', '  name: 张先生\\n  phone: \\'{PHONE}\\'')\n"
                      "open(p, 'w', encoding='utf-8').write(text)\n", encoding="utf-8")
    import sys
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    edited = cli("edit", "T-20261122-A001", "--as", "王芳")
    assert edited.code == 0, edited.err
    assert PHONE not in path.read_text(encoding="utf-8") and "phone: enc:1:3-2-1201." in path.read_text(encoding="utf-8")
    assert cli("validate").code == 0


def test_validate_accepts_the_history_before_and_after(cli, encrypted):
    assert cli("validate").code == 0


@pytest.mark.lang("en")
def test_erase_destroys_the_household_key_and_nothing_else(cli, git, office, new_ticket, encrypted):
    env, migration = encrypted
    # a household registered after the migration: its numbers were never written in clear
    assert cli("open", "owner", "--unit", NEW_UNIT, "--name", "王五", "--phone", NEW_PHONE, "--id-card", NEW_ID,
               "--as", "王芳").code == 0
    tid = cli("open", "ticket", "--channel", "phone", "--category", "repair", "--unit", NEW_UNIT, "--reporter", "王五",
              "--phone", NEW_PHONE, "--description", "漏水", "-o", "ids", "--as", "王芳").out.strip()
    new_ticket()
    reports = {name: cli("report", name, "-o", "json", "--month", "2026-11").out for name in ("kpi", "workload")}
    before = cli("show", UNIT, "--reveal", "-o", "json", "--as", DIRECTOR, env=env).out

    done = cli("erase", NEW_UNIT, "--reason", "moved out; asked to delete (PIPL art. 47)", "--as", DIRECTOR, env=env)
    head = git("rev-parse", "HEAD").strip()
    assert (done.code, done.err) == (0, "")
    assert re.fullmatch(rf"{NEW_UNIT}: erased \(1 key destroyed\), committed {head[:10]}\n", done.out)
    assert git("log", "-1", "--format=%s%n%b", head) == (
        f"{NEW_UNIT} erase personal data\nWuye-Action: erase\nWuye-Record: {NEW_UNIT}\nWuye-Role: director\n"
        "Wuye-At: 2026-11-22T09:14:00+08:00\n\n")
    record = json.loads(cli("show", NEW_UNIT, "--reveal", "-o", "json", "--as", DIRECTOR, env=env).out)
    assert record["owners"][0]["phone"] == "erased" and record["owners"][0]["id_card"] == "erased"
    assert record["erased"][0]["by"] == DIRECTOR
    ticket = json.loads(cli("show", tid, "--reveal", "-o", "json", "--as", DIRECTOR, env=env).out)
    assert ticket["reporter"]["phone"] == "erased"
    # nothing in the files, the whole history or the tool's state yields the numbers
    everything = git("log", "-p", "--all").encode() + b"".join(d for _p, d in _tree_bytes(office, skip_git=False))
    assert NEW_PHONE.encode() not in everything and NEW_ID.encode() not in everything
    from wuyectl.domain.privacy import sealed_parts
    from wuyectl.store import keys
    opener = keys.Opener(keys.Keystore(str(office / ".git")), keys.Identity.from_file(env["WUYECTL_SIGNING_KEY"]))
    sealed = set(re.findall(r"enc:1:6-1-1802\.[0-9a-f]{8}:[^:\s]*:[A-Za-z0-9_-]+", git("log", "-p", "--all")))
    assert sealed and all(sealed_parts(v) and opener.open(v, "phone") is keys.ERASED for v in sealed)
    # the other households are untouched, every report's figures the same
    assert cli("show", UNIT, "--reveal", "-o", "json", "--as", DIRECTOR, env=env).out == before
    assert {name: cli("report", name, "-o", "json", "--month", "2026-11").out for name in reports} == reports
    again = cli("erase", NEW_UNIT, "--reason", "again", "--as", DIRECTOR, env=env)
    assert (again.code, again.err) == (5, f"wuyectl: {NEW_UNIT}: its personal data was already erased\n")


@pytest.mark.lang("en")
def test_only_the_director_erases_and_only_in_an_encrypted_office(cli, director, keygen):
    clear = cli("erase", UNIT, "--reason", "moved out", "--as", DIRECTOR, env=director)
    assert clear.code == 5 and "not encrypted" in clear.err
    assert cli("erase", UNIT, "--reason", "x", "--as", "赵强").code == 6
    assert cli("erase", "--as", DIRECTOR, env=director).code == 2


@pytest.mark.lang("en")
def test_erase_expired_takes_the_closed_records_with_their_own_key(cli, git, office, encrypted):
    env, _ = encrypted
    tid = cli("open", "ticket", "--channel", "phone", "--category", "consult", "--place", "北门", "--reporter", "路人",
              "--phone", NEW_PHONE, "--description", "问路", "-o", "ids", "--as", "王芳").out.strip()
    assert f"phone: enc:1:{tid}." in (office / ticket_path(tid)).read_text(encoding="utf-8")
    assert cli("update", tid, "--action", "answer", "--note", "东门", "--as", "王芳").code == 0
    assert cli("update", tid, "--action", "close", "--as", "王芳").code == 0
    assert cli("erase", "--expired", "--as", DIRECTOR, env=env).out == "nothing past its keeping time\n"
    later = {**env, "WUYECTL_NOW": "2027-05-22T09:14:00+08:00"}   # 181 days later: past the default 180
    done = cli("erase", "--expired", "--as", DIRECTOR, env=later)
    head = git("rev-parse", "HEAD").strip()
    assert (done.code, done.out) == (0, f"{tid}: erased (1 key destroyed), committed {head[:10]}\n")
    shown = json.loads(cli("show", tid, "--reveal", "-o", "json", "--as", DIRECTOR, env=later).out)
    assert shown["reporter"]["phone"] == "erased"
    assert shown["erased"][0]["reason"] == "kept 180 days after closing (policy keep_personal_days)"
    # the households' keys are not the records' own: untouched
    assert OTHER_PHONE in cli("show", OTHER_UNIT, "--reveal", "--as", DIRECTOR, env=later).out


def test_migrating_twice_is_refused_and_a_clerk_cannot_migrate(cli, encrypted):
    env, _ = encrypted
    assert cli("migrate", "encrypt", "--as", DIRECTOR, env=env).code == 5
    assert cli("migrate", "encrypt", "--as", "王芳").code == 6


@pytest.mark.lang("en")
def test_migration_needs_someone_who_could_read_the_numbers(cli, repo_state):
    before = repo_state()
    refused = cli("migrate", "encrypt", "--as", DIRECTOR)
    assert refused.code == 5
    assert refused.err.startswith("wuyectl: nobody could read the sealed numbers: no one in the reveal roles")
    assert repo_state() == before


@settings(max_examples=40, deadline=None)
@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True) | st.from_regex(r"[0-9+\- ]{3,20}", fullmatch=True))
def test_sealing_round_trips_and_keeps_the_mask(tmp_path_factory, value):
    from wuyectl.domain.privacy import mask_phone, sealed_parts
    from wuyectl.store import keys

    folder = tmp_path_factory.mktemp("keys")
    key = folder / "k"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    line = (folder / "k.pub").read_text().strip()
    store = keys.Keystore(str(folder))
    store.create({"staff": [{"name": "主任", "role": "director", "signing_key": line}]}, "主任", "2026-11-22T09:14:00+08:00")
    sealed = keys.Sealer(store, "2026-11-22T09:14:00+08:00").seal("3-2-1201", "phone", value)
    assert value not in sealed.split(":", 4)[4] or len(value) < 4
    assert sealed_parts(sealed)[1] == mask_phone(value) == mask_phone(sealed)
    assert keys.Opener(store, keys.Identity.from_file(str(key))).open(sealed, "phone") == value


def test_the_sample_office_migrates_in_one_commit_and_still_audits_clean(tmp_path, keygen):
    """`migrate encrypt` on the sample office (its real history: a clone of this project)."""
    from wuyectl import api

    root = Path(__file__).resolve().parent.parent
    if subprocess.run(["git", "log", "-1", "--", "sample-records"], cwd=root, capture_output=True,
                      text=True).stdout.strip() == "":
        pytest.skip("the sample office's history is not in this clone (a shallow checkout?)")
    clone = tmp_path / "project"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True, capture_output=True)
    sample = clone / "sample-records"
    key = keygen("zhou")
    env = {"WUYECTL_SIGNING_KEY": str(key), "WUYECTL_NOW": "2026-11-25T09:00:00+08:00"}
    import sys

    def cli(*args):
        result = subprocess.run([sys.executable, "-m", "wuyectl", "--repo", str(sample), "--lang", "en", *args],
                                env={**os.environ, **env}, capture_output=True, text=True, timeout=300)
        assert "Traceback" not in result.stderr, result.stderr
        result.exit_code, result.output = result.returncode, result.stdout
        return result

    assert cli("staff", "key", "周建国", "--file", f"{key}.pub", "--as", "周建国").exit_code == 0
    before = {name: cli("report", name, "-o", "json", "--month", "2026-11").output for name in ("kpi", "complaints")}
    done = cli("migrate", "encrypt", "--as", "周建国")
    assert done.exit_code == 0, done.output
    assert re.fullmatch(r"encrypted [0-9]+ personal values in [0-9]+ records \([0-9]+ data keys\): committed "
                        r"[0-9a-f]{10}\n", done.output)
    migration = subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True).stdout.strip()
    assert _found(PHONE_RE, _tree_bytes(sample)) == [] and _found(ID_RE, _tree_bytes(sample)) == []
    assert {name: cli("report", name, "-o", "json", "--month", "2026-11").output for name in before} == before
    assert cli("validate").exit_code == 0
    office = api.Office(str(sample))
    result = api.audit_report(office, checkpoint=False)
    assert result.findings == []
    added = subprocess.run(["git", "show", migration, "--", "sample-records"], cwd=clone, capture_output=True,
                           text=True).stdout
    plus = "\n".join(line for line in added.splitlines() if line.startswith("+")).encode()
    assert PHONE_RE.findall(plus) == [] and ID_RE.findall(plus) == []
    shown = json.loads(cli("show", "3-2-1201", "--reveal", "-o", "json", "--as", "周建国").output)
    assert shown["owners"][0]["phone"] == "15082374421"


def test_a_search_leaves_keyed_hashes_that_the_next_search_uses_and_erase_deletes(cli, office, new_ticket, encrypted):
    import sqlite3

    env, _ = encrypted
    tid = new_ticket()
    found = cli("get", "tickets", "--where", f"reporter.phone={PHONE}", "-o", "ids", "--as", DIRECTOR, env=env)
    assert found.out == f"{tid}\n"
    db = sqlite3.connect(office / ".git" / "wuyectl" / "index.sqlite")
    rows = db.execute("SELECT subject, secret, hash FROM keyed").fetchall()
    assert [(subject, len(h)) for subject, _secret, h in rows] == [(UNIT, 64)]
    assert rows[0][1].startswith("K-")
    # the next search answers from the hash: nothing is opened (a data key that is gone no longer matters)
    from wuyectl.store import keys
    calls = []
    real = keys.Opener.open
    keys.Opener.open = lambda self, value, sort: calls.append(value) or real(self, value, sort)
    try:
        again = cli("get", "tickets", "--where", f"reporter.phone={PHONE}", "-o", "ids", "--as", DIRECTOR, env=env)
    finally:
        keys.Opener.open = real
    assert (again.out, calls) == (f"{tid}\n", [])
    assert cli("erase", UNIT, "--reason", "moved out", "--as", DIRECTOR, env=env).code == 0
    assert db.execute("SELECT count(*) FROM keyed").fetchone() == (0,)
    after = cli("get", "tickets", "--where", f"reporter.phone={PHONE}", "-o", "ids", "--as", DIRECTOR, env=env)
    assert (after.code, after.out) == (0, "")


@pytest.mark.lang("en")
def test_a_copy_without_the_keys_refuses_to_write_a_number_rather_than_make_new_keys(cli, office, encrypted, repo_state):
    import shutil

    shutil.rmtree(office / ".git" / "wuyectl" / "keys")
    before = repo_state()
    refused = cli("open", "owner", "--unit", NEW_UNIT, "--name", "王五", "--phone", NEW_PHONE, "--as", "王芳")
    assert (refused.code, refused.err) == (5, (
        f"wuyectl: owners/6/{NEW_UNIT}.yaml: this copy of the office has no keys to seal personal numbers with "
        "(.git/wuyectl/keys): sync with the office (wuyectl sync) or copy the folder from the office computer\n"))
    assert repo_state() == before and not (office / ".git" / "wuyectl" / "keys").exists()
    assert cli("open", "owner", "--unit", NEW_UNIT, "--name", "王五", "--as", "王芳").code == 0   # no number: fine


def test_the_migration_seals_each_value_on_its_own_line_and_keeps_comments(tmp_path, keygen):
    from wuyectl.app.privacy import sealed_text
    from wuyectl.domain.kinds import KINDS
    from wuyectl.store import fastyaml, keys

    key = keygen("k")
    store = keys.Keystore(str(tmp_path))
    store.create({"staff": [{"name": "主任", "role": "director", "signing_key": Path(f"{key}.pub").read_text()}]},
                 "主任", "2026-11-22T09:14:00+08:00")
    sealer = keys.Sealer(store, "2026-11-22T09:14:00+08:00")
    text = ("id: 3-2-1201  # 3号楼\n"
            "owners:\n"
            "  # 产权人\n"
            "  - name: 张三\n"
            "    phone: 13900139000   # 白天打这个\n"
            "    id_card: \"11010519491231002X\"\n"
            "    birth_date: '1949-12-31'\n"
            "members:\n"
            "  - phone: '13900139000'\n"
            "    name: 张小三\n")
    out, count = sealed_text(KINDS["owner"], text, sealer, "3-2-1201")
    assert count == 4
    lines = out.split("\n")
    assert lines[0] == "id: 3-2-1201  # 3号楼" and lines[2] == "  # 产权人"
    assert re.fullmatch(r"    phone: enc:1:3-2-1201\.[0-9a-f]{8}:139\*\*\*\*9000:[A-Za-z0-9_-]+   # 白天打这个", lines[4])
    assert re.fullmatch(r"    birth_date: enc:1:3-2-1201\.[0-9a-f]{8}:1949-\*\*-\*\*:[A-Za-z0-9_-]+", lines[6])
    assert re.fullmatch(r"  - phone: enc:1:3-2-1201\.[0-9a-f]{8}:139\*\*\*\*9000:[A-Za-z0-9_-]+", lines[8])
    opener = keys.Opener(store, keys.Identity.from_file(str(key)))
    data = fastyaml.load(out)
    assert [opener.open(data["owners"][0][k], k) for k in ("phone", "id_card", "birth_date")] == [
        "13900139000", "11010519491231002X", "1949-12-31"]
    assert opener.open(data["members"][0]["phone"], "phone") == "13900139000"


@pytest.mark.lang("en")
def test_erasing_a_household_reaches_its_numbers_in_public_area_tickets_and_says_what_it_cannot(
        cli, git, office, new_ticket, encrypted):
    env, migration = encrypted
    public = cli("open", "ticket", "--channel", "phone", "--category", "repair", "--place", "北门", "--reporter", "张三",
                 "--phone", OWNER_PHONE, "--description", "路灯不亮", "-o", "ids", "--as", "王芳").out.strip()
    other = cli("open", "ticket", "--channel", "phone", "--category", "repair", "--place", "南门", "--reporter", "路人",
                "--phone", NEW_PHONE, "--description", "路灯不亮", "-o", "ids", "--as", "王芳").out.strip()
    unit_ticket = new_ticket()
    wrong = cli("erase", unit_ticket, "--reason", "x", "--as", DIRECTOR, env=env)
    assert (wrong.code, wrong.err) == (3, f"wuyectl: {unit_ticket}'s numbers are sealed with household {UNIT}'s key: "
                                          f"erase {UNIT}\n")
    done = cli("erase", UNIT, "--reason", "moved out", "--as", DIRECTOR, env=env)
    head = git("rev-parse", "HEAD").strip()
    assert done.code == 0, done.err
    assert done.out == (f"{UNIT}: erased (1 key destroyed), committed {head[:10]}\n"
                        f"{public}: erased (1 key destroyed), committed {head[:10]}\n")
    assert done.err == (f"note: history before the migration ({migration[:10]}) still holds {UNIT}'s numbers in "
                        "clear: git keeps every version, and rewriting history is what the audit forbids\n")
    shown = json.loads(cli("show", public, "--reveal", "-o", "json", "--as", DIRECTOR, env=env).out)
    assert shown["reporter"]["phone"] == "erased"
    assert NEW_PHONE in cli("show", other, "--reveal", "--as", DIRECTOR, env=env).out   # someone else's: kept
    assert cli("audit").code == 0


@pytest.mark.lang("en")
def test_a_record_with_its_own_key_is_erased_by_its_id(cli, git, encrypted):
    env, _ = encrypted
    tid = cli("open", "ticket", "--channel", "phone", "--category", "repair", "--place", "北门", "--reporter", "路人",
              "--phone", NEW_PHONE, "--description", "路灯不亮", "-o", "ids", "--as", "王芳").out.strip()
    done = cli("erase", tid, "--reason", "asked to delete", "--as", DIRECTOR, env=env)
    assert (done.code, done.err) == (0, "")
    assert json.loads(cli("show", tid, "--reveal", "-o", "json", "--as", DIRECTOR, env=env).out)["reporter"]["phone"] == "erased"
    both = cli("erase", tid, "--expired", "--as", DIRECTOR, env=env)
    assert (both.code, both.err) == (2, "wuyectl: give a UNIT or ID, or --expired, not both\n")


@pytest.mark.lang("en")
def test_erasing_in_a_copy_without_the_keys_is_refused(cli, office, encrypted, repo_state):
    import shutil

    env, _ = encrypted
    shutil.rmtree(office / ".git" / "wuyectl" / "keys")
    before = repo_state()
    refused = cli("erase", UNIT, "--reason", "x", "--as", DIRECTOR, env=env)
    assert (refused.code, refused.err) == (5, "wuyectl: this copy of the office has no keys (.git/wuyectl/keys), so "
                                              "erasing here would destroy nothing: erase in the office, or sync first\n")
    assert repo_state() == before


def test_a_key_another_copy_made_before_the_erasure_goes_when_the_erasure_arrives(cli, office, encrypted):
    """A copy that had not synced when the director erased may hold a key of the household it
    made itself; the erasure covers every key of the household made before it."""
    from wuyectl import api
    from wuyectl.app import privacy
    from wuyectl.store import keys

    env, _ = encrypted
    store = keys.Keystore(str(office / ".git"))
    early, _public = store.new_data_key(UNIT, "2026-11-22T09:00:00+08:00")   # "made in another copy, earlier"
    assert cli("erase", UNIT, "--reason", "moved out", "--as", DIRECTOR, env=env).code == 0
    assert store.data_key(early) is None       # erase destroyed every key of the household it had
    late, _public = store.new_data_key(UNIT, "2026-11-22T09:00:00+08:00")    # arrives by sync after the erase
    after, _public = store.new_data_key(UNIT, "2026-11-23T09:00:00+08:00")   # a new owner's, made after it
    assert privacy.purge_erased(api.Office(str(office))) == [late]
    assert store.data_key(late) is None and store.data_key(after) is not None


@pytest.mark.lang("en")
def test_one_person_does_not_reveal_with_anothers_key(cli, keygen, encrypted):
    env, _ = encrypted
    other = keygen("zhaoqiang")
    assert cli("staff", "key", "赵强", "--file", f"{other}.pub", "--as", DIRECTOR, env=env).code == 0
    assert OTHER_PHONE in cli("show", OTHER_UNIT, "--reveal", "--as", "赵强", env={"WUYECTL_SIGNING_KEY": str(other)}).out
    borrowed = cli("show", OTHER_UNIT, "--reveal", "--as", DIRECTOR, env={"WUYECTL_SIGNING_KEY": str(other)})
    assert borrowed.code == 3 and "not 刘主任's signing key on the roster" in borrowed.err


def test_the_desk_finds_a_caller_by_name_without_any_number(cli, encrypted):
    found = cli("get", "owners", "--where", "owners.name=李四", "-o", "ids", "--as", "王芳")
    assert (found.code, found.out) == (0, f"{OTHER_UNIT}\n")


@pytest.mark.lang("en")
@pytest.mark.parametrize("which, reason", [
    ("public", "this is a public key: give the private key file (the one without .pub)"),
    ("ecdsa", "a kind of key the office key cannot be wrapped for: ssh-ed25519 or ssh-rsa only"),
    ("passphrase", "it has a passphrase; age reads only a key without one (ssh-keygen -p -f KEY removes it; keep the "
                   "file readable by you alone)"),
])
def test_a_key_file_that_cannot_open_the_office_key_says_why(tmp_path, keygen, which, reason):
    from wuyectl.errors import BadValue
    from wuyectl.store import keys

    if which == "public":
        path = f"{keygen('k')}.pub"
    elif which == "ecdsa":
        path = str(keygen("k", "ecdsa"))
    else:
        path = str(tmp_path / "locked")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "secret", "-f", path], check=True)
    with pytest.raises(BadValue) as refused:
        keys.Identity.from_file(path)
    assert str(refused.value) == f"WUYECTL_SIGNING_KEY ({path}): {reason}"
