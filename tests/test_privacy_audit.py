"""The audit and `validate` across encryption (issue 12): `migrate encrypt` and `erase` are steps
the replay explains; a personal number written in clear once the office is encrypted is a
finding (A-clear-personal) and a problem of `validate` (V-clear-personal). No message ever
shows the number itself.
"""
from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import DIRECTOR, OWNER_PHONE, PHONE, UNIT, ticket_path

OWNER = "owners/3/3-2-1201.yaml"
AT = "2026-11-22T09:14:00+08:00"


# -- helpers ------------------------------------------------------------------------------
def forge(office, message: str, *, who: str) -> str:
    """A commit made with git in `who`'s name with any message (the hook skipped); its short id."""
    args = ["git", "-c", f"user.name={who}", "-c", "user.email=x@example.com", "commit", "-q", "--no-verify",
            "-F", "-", "-a"]
    proc = subprocess.run(args, cwd=office, input=message.encode("utf-8"), capture_output=True, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr.decode()
    return subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], cwd=office, capture_output=True, text=True,
                          check=True).stdout.strip()


def _yaml():
    from ruamel.yaml import YAML

    return YAML()


def load(office, rel: str):
    return _yaml().load((office / rel).read_text(encoding="utf-8"))


def dump(office, rel: str, data) -> None:
    with open(office / rel, "w", encoding="utf-8") as fh:
        _yaml().dump(data, fh)


def rows(cli) -> list[dict]:
    result = cli("audit", "-o", "json")
    found = json.loads(result.out) if result.out.strip() else []
    assert result.code == (7 if found else 0), result
    return found


@pytest.fixture
def director(cli, tmp_path):
    """The director's SSH key registered on the roster; returns the env that signs as them."""
    key = tmp_path / "keys" / "director"
    key.parent.mkdir()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "director@test", "-f", str(key)],
                   check=True, capture_output=True)
    done = cli("staff", "key", DIRECTOR, "--file", f"{key}.pub", "--as", DIRECTOR)
    assert done.code == 0, done.err
    return {"WUYECTL_SIGNING_KEY": str(key)}


@pytest.fixture
def encrypted(cli, director):
    """The office encrypted by its director (who has a key); returns the director's env."""
    done = cli("migrate", "encrypt", "--as", DIRECTOR, env=director)
    assert done.code == 0, done.err
    assert load_text_has_no_clear_phone(cli)
    return director


def load_text_has_no_clear_phone(cli) -> bool:
    from pathlib import Path

    return OWNER_PHONE not in (Path.cwd() / OWNER).read_text(encoding="utf-8")


# -- a tool-made history across encryption --------------------------------------------------
@pytest.mark.lang("en")
def test_a_history_through_migration_ticket_and_erasure_audits_clean(cli, run, new_ticket, director):
    before = run("audit")
    assert (before.code, before.err) == (0, "")
    assert before.out == "no findings in 8 commits; signatures verified against the keys on the roster at each commit\n"

    assert cli("migrate", "encrypt", "--as", DIRECTOR, env=director).code == 0
    tid = new_ticket()
    assert PHONE not in open(ticket_path(tid), encoding="utf-8").read()
    done = cli("erase", UNIT, "--reason", "moved out, asked to be forgotten", "--as", DIRECTOR, env=director)
    assert done.code == 0, done.err

    result = run("audit")
    assert (result.code, result.err) == (0, "")
    assert result.out == ("no findings in 11 commits; signatures verified against the keys on the roster "
                          "at each commit\n")
    # the same from scratch (no checkpoint) and through the in-process CLI
    assert rows(cli) == []
    assert run("validate").code == 0


def test_the_history_before_migration_audits_clean_after_it(cli, encrypted):
    """The replay of the clear-text commits before the migration is unchanged by it."""
    assert rows(cli) == []
    assert cli("audit", "--since", "2000-01-01").code == 0


# -- clear values after encryption -------------------------------------------------------------
@pytest.mark.lang("en")
def test_a_clear_phone_put_back_by_hand_after_migration_is_a_finding(cli, office, encrypted):
    data = load(office, OWNER)
    data["owners"][0]["phone"] = OWNER_PHONE
    dump(office, OWNER, data)
    commit = forge(office, "fix phone\n", who="王芳")
    found = [r for r in rows(cli) if r["commit"] == commit]
    assert [(r["code"], r["path"]) for r in found] == [("A-clear-personal", OWNER), ("A-hand-edit", OWNER)]
    assert found[0]["message"] == "owners.0.phone: a phone number written in clear (139****9000) in an encrypted office"
    assert OWNER_PHONE not in cli("audit").out


@pytest.mark.lang("en")
def test_a_clear_phone_written_with_the_tools_trailers_is_a_finding_too(cli, office, encrypted):
    data = load(office, OWNER)
    data["owners"][0]["phone"] = "13700137000"
    dump(office, OWNER, data)
    commit = forge(office, f"{UNIT} edit\n\nWuye-Action: edit\nWuye-Record: {UNIT}\nWuye-Role: clerk\nWuye-At: {AT}\n",
                   who="王芳")
    assert [(r["code"], r["path"]) for r in rows(cli) if r["commit"] == commit] == [("A-clear-personal", OWNER)]


@pytest.mark.lang("en")
def test_turning_encryption_off_by_hand_is_reported_and_not_honoured(cli, office, encrypted):
    config = office / "wuye.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("encrypted: true", "encrypted: false"),
                      encoding="utf-8")
    off = forge(office, "encryption off\n", who="王芳")
    data = load(office, OWNER)
    data["owners"][0]["phone"] = OWNER_PHONE
    dump(office, OWNER, data)
    clear = forge(office, "phone\n", who="王芳")
    found = [(r["commit"], r["code"], r["path"]) for r in rows(cli) if r["commit"] in (off, clear)]
    assert found == [(off, "A-hand-edit", "wuye.yaml"), (clear, "A-clear-personal", OWNER),
                     (clear, "A-hand-edit", OWNER)]


# -- erasure ---------------------------------------------------------------------------------
@pytest.mark.lang("en")
def test_a_supervisor_may_not_erase(cli, encrypted, repo_state):
    before = repo_state()
    done = cli("erase", UNIT, "--reason", "moved out", "--as", "赵强")
    assert (done.code, done.err) == (6, "wuyectl: 赵强 (supervisor) may not erase personal data: needs director\n")
    assert repo_state() == before


@pytest.mark.lang("en")
def test_an_erasure_forged_by_a_clerk_is_a_finding(cli, office, encrypted):
    data = load(office, OWNER)
    data["erased"] = [{"at": AT, "by": "王芳", "reason": "moved out", "keys": []}]
    dump(office, OWNER, data)
    commit = forge(office, f"{UNIT} erase personal data\n\nWuye-Action: erase\nWuye-Record: {UNIT}\n"
                           f"Wuye-Role: clerk\nWuye-At: {AT}\n", who="王芳")
    found = [r for r in rows(cli) if r["commit"] == commit]
    assert [(r["code"], r["path"], r["message"]) for r in found] == [
        ("A-role", OWNER, "王芳 (clerk) may not erase personal data: needs director")]


@pytest.mark.lang("en")
def test_an_erasure_that_changes_anything_else_is_a_finding(cli, office, encrypted):
    data = load(office, OWNER)
    data["owners"][0]["name"] = "李四"
    data["erased"] = [{"at": AT, "by": "赵强", "reason": "moved out", "keys": []}]
    dump(office, OWNER, data)
    commit = forge(office, f"{UNIT} erase personal data\n\nWuye-Action: erase\nWuye-Record: {UNIT}\n"
                           f"Wuye-Role: director\nWuye-At: {AT}\n", who=DIRECTOR)
    found = {(r["code"], r["message"]) for r in rows(cli) if r["commit"] == commit and r["path"] == OWNER}
    assert found == {("A-unexplained", "'erase' changed owners.0.name; it only records the erasure"),
                     ("A-wrong-actor", "'erase' is in the name of 赵强, not 刘主任 who made the commit")}


@pytest.mark.lang("en")
def test_an_erasure_not_named_in_its_trailers_is_a_finding(cli, office, encrypted):
    data = load(office, OWNER)
    data["erased"] = [{"at": AT, "by": DIRECTOR, "reason": "moved out", "keys": []}]
    dump(office, OWNER, data)
    commit = forge(office, f"erase\n\nWuye-Action: erase\nWuye-Role: director\nWuye-At: {AT}\n", who=DIRECTOR)
    found = [(r["code"], r["message"]) for r in rows(cli) if r["commit"] == commit and r["path"] == OWNER]
    assert found == [("A-unexplained", "3-2-1201 changed by 'erase' but not named in its Wuye-Record trailers")]


# -- the migration itself ------------------------------------------------------------------------
@pytest.mark.lang("en")
def test_a_forged_migration_that_changes_more_than_seals_is_a_finding(cli, office):
    config = office / "wuye.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "encrypted: true\n", encoding="utf-8")
    data = load(office, OWNER)
    data["owners"][0]["name"] = "李四"
    dump(office, OWNER, data)
    commit = forge(office, "encrypt personal data\n\nWuye-Action: migrate-encrypt\nWuye-Role: clerk\n", who="王芳")
    found = {(r["code"], r["path"], r["message"]) for r in rows(cli) if r["commit"] == commit}
    assert found == {
        ("A-role", "wuye.yaml", "encryption turned on by 'migrate-encrypt' by 王芳 (clerk): needs director or supervisor"),
        ("A-unexplained", OWNER, "'migrate-encrypt' changed owners.0.name; it only seals personal values"),
        ("A-clear-personal", OWNER, "owners.0.phone: a phone number written in clear (139****9000) in an "
                                    "encrypted office"),
    }


# -- validate --------------------------------------------------------------------------------
@pytest.mark.lang("en")
def test_validate_reports_a_clear_phone_in_an_encrypted_office_with_its_line(run, office, encrypted):
    text = (office / OWNER).read_text(encoding="utf-8")
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if line.strip().startswith("phone: enc:"))
    column = lines[row].index("phone") + 1
    lines[row] = lines[row][: column - 1] + f"phone: '{OWNER_PHONE}'"
    (office / OWNER).write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("validate")
    assert result.code == 7
    assert result.out == (f"{OWNER}:{row + 1}:{column}: owners.0.phone: phone number in clear (139****9000) in an "
                          "encrypted office (a tool write seals it)\n")
    assert OWNER_PHONE not in result.out + result.err


def test_validate_accepts_clear_phones_before_encryption(run):
    assert run("validate").code == 0
