"""Keys that follow roles (issue 12): the office key is wrapped for the people the roster (as
its history vouches for it) allows to reveal, re-wrapped after `staff add/key/leave` and
`policy set reveal_roles`, and rotated when someone leaves.

Real SSH keys from `ssh-keygen -N ''` in the test's folder (ed25519, one rsa, one ecdsa)."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import DIRECTOR, OWNER_PHONE, UNIT

from wuyectl.errors import Exit, Refused
from wuyectl.store import keys, signing

pytestmark = pytest.mark.lang("en")

SUP = "赵强"
CLERK = "王芳"


@pytest.fixture(autouse=True)
def no_agent(monkeypatch):
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    monkeypatch.delenv(signing.ENV_KEY, raising=False)




def env(key: Path) -> dict:
    return {signing.ENV_KEY: str(key)}


@pytest.fixture
def encrypted(cli, keygen):
    """The director with an ed25519 key on the roster, the clerk with her own key, and the
    office encrypted; returns {name: private key path}."""
    made = {DIRECTOR: keygen("director"), CLERK: keygen("clerk")}
    assert cli("staff", "key", DIRECTOR, "--file", f"{made[DIRECTOR]}.pub", "--as", DIRECTOR).code == 0
    assert cli("staff", "key", CLERK, "--file", f"{made[CLERK]}.pub", "--as", CLERK).code == 0
    done = cli("migrate", "encrypt", "--as", DIRECTOR, env=env(made[DIRECTOR]))
    assert done.code == 0, done.err
    return made


def store(office) -> keys.Keystore:
    return keys.Keystore(str(Path(office) / ".git"))


def office_id(cli) -> str:
    out = cli("keys", "status").out
    return re.search(r"office key: (K-[0-9a-f]+)", out).group(1)


def _owner_phone(office, unit: str) -> str:
    from wuyectl.store import yamlio

    building = unit.split("-")[0]
    data = yamlio.to_plain(yamlio.load_roundtrip((Path(office) / "owners" / building / f"{unit}.yaml").read_text("utf-8")))
    return data["owners"][0]["phone"]


def opens(office, key: Path, value: str) -> str:
    got = keys.Opener(store(office), keys.Identity.from_file(str(key))).open(value, "phone")
    return got


def forge_role(office, git, name: str, role: str) -> None:
    """A hand edit of wuye.yaml giving `name` another role, committed by hand (no hook)."""
    path = Path(office) / "wuye.yaml"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip() == f"- name: {name}":
            for j in range(i + 1, len(lines)):
                if lines[j].strip().startswith("role:"):
                    lines[j] = re.sub(r"role: \S+", f"role: {role}", lines[j])
                    break
            break
    else:
        raise AssertionError(f"{name} not in wuye.yaml")
    path.write_text("".join(lines), "utf-8")
    git("commit", "-q", "--no-verify", "-m", f"{name} is {role}", "--", "wuye.yaml")


# -- a clerk -------------------------------------------------------------------------------------
def test_clerk_key_opens_nothing_even_with_a_forged_role(cli, office, git, encrypted):
    sealed = _owner_phone(office, UNIT)
    assert sealed.startswith("enc:1:")
    assert opens(office, encrypted[DIRECTOR], sealed) == OWNER_PHONE

    shown = cli("show", UNIT, "--reveal", "--as", CLERK, env=env(encrypted[CLERK]))
    assert shown.code == Exit.NOT_PERMITTED
    assert "may not --reveal personal numbers" in shown.err
    with pytest.raises(Refused, match="not wrapped for this key"):
        opens(office, encrypted[CLERK], sealed)

    forge_role(office, git, CLERK, "supervisor")
    shown = cli("show", UNIT, "--reveal", "--as", CLERK, env=env(encrypted[CLERK]))
    assert shown.code == Exit.NOT_PERMITTED
    assert "a hand edit is not honoured" in shown.err
    # the director re-wraps: the forged role wraps nothing for her
    done = cli("keys", "rewrap", "--as", DIRECTOR, env=env(encrypted[DIRECTOR]))
    assert (done.code, done.out) == (0, "the keys are wrapped for the people the roster allows\n")
    status = cli("keys", "status").out
    assert "wrapped for: 刘主任\n" in status and "should be: 刘主任\n" in status
    with pytest.raises(Refused):
        opens(office, encrypted[CLERK], sealed)


def test_keys_rewrap_by_a_clerk_is_refused(cli, encrypted):
    done = cli("keys", "rewrap", "--as", CLERK, env=env(encrypted[CLERK]))
    assert done.code == Exit.NOT_PERMITTED
    assert done.err == "wuyectl: 王芳 (clerk) may not re-wrap the office keys: needs director, supervisor or archivist\n"


# -- a supervisor joining ------------------------------------------------------------------------
def test_supervisor_key_waits_for_a_director_rewrap(cli, office, keygen, encrypted):
    sup = keygen("supervisor", "rsa", "-b", "2048")
    done = cli("staff", "key", SUP, "--file", f"{sup}.pub", "--as", SUP)   # their own key, no signing key yet
    assert done.code == 0, done.err
    assert done.err.startswith("the office keys still need re-wrapping (+赵强): 刘主任 runs `wuyectl keys rewrap` "
                               "with their SSH key in WUYECTL_SIGNING_KEY (")
    shown = cli("show", UNIT, "--reveal", "--as", SUP, env=env(sup))
    assert shown.code == Exit.REFUSED
    assert "not wrapped for this key" in shown.err
    assert "not as the roster says" in cli("keys", "status").out

    done = cli("keys", "rewrap", "--as", DIRECTOR, env=env(encrypted[DIRECTOR]))
    assert (done.code, done.out) == (0, "office key re-wrapped (+赵强)\n")
    shown = cli("show", UNIT, "--reveal", "--as", SUP, env=env(sup))
    assert shown.code == 0 and OWNER_PHONE in shown.out
    assert opens(office, sup, _owner_phone(office, UNIT)) == OWNER_PHONE


def test_supervisor_added_by_a_director_with_a_key_reveals_at_once(cli, office, keygen, encrypted):
    sign = env(encrypted[DIRECTOR])
    done = cli("staff", "add", "孙伟", "--role", "supervisor", "--as", DIRECTOR, env=sign)
    assert (done.code, done.out) == (0, "孙伟\n")
    assert done.err == "cannot reveal until then: 孙伟 (no SSH key on the roster)\n"
    assert "left out: 孙伟 (no SSH key on the roster)" in cli("keys", "status").out
    sup = keygen("sunwei")
    done = cli("staff", "key", "孙伟", "--file", f"{sup}.pub", "--as", DIRECTOR, env=sign)
    assert done.code == 0 and done.err == "office key re-wrapped (+孙伟)\n"
    shown = cli("show", UNIT, "--reveal", "--as", "孙伟", env=env(sup))
    assert shown.code == 0 and OWNER_PHONE in shown.out


def test_reveal_roles_policy_rewraps(cli, office, keygen, encrypted):
    sign = env(encrypted[DIRECTOR])
    sup = keygen("supervisor")
    assert cli("staff", "key", SUP, "--file", f"{sup}.pub", "--as", DIRECTOR, env=sign).code == 0
    before = office_id(cli)
    done = cli("policy", "set", "reveal_roles", "[director]", "--as", DIRECTOR, env=sign)
    assert done.code == 0 and done.err == "new office key, wrapped for the roster (-赵强)\n"
    assert office_id(cli) != before
    with pytest.raises(Refused):
        opens(office, sup, _owner_phone(office, UNIT))
    done = cli("policy", "set", "reveal_roles", "[director, supervisor]", "--as", DIRECTOR, env=sign)
    assert done.code == 0 and done.err == "office key re-wrapped (+赵强)\n"
    assert opens(office, sup, _owner_phone(office, UNIT)) == OWNER_PHONE


def test_ecdsa_key_is_left_out(cli, keygen, encrypted):
    sup = keygen("supervisor", "ecdsa")
    done = cli("staff", "key", SUP, "--file", f"{sup}.pub", "--as", DIRECTOR, env=env(encrypted[DIRECTOR]))
    assert done.code == 0 and done.err == (f"cannot reveal until then: {SUP} (a ecdsa-sha2-nistp256 key: keys are "
                                           "wrapped for ssh-ed25519 or ssh-rsa)\n")
    status = cli("keys", "status").out
    assert "left out: 赵强 (a ecdsa-sha2-nistp256 key: keys are wrapped for ssh-ed25519 or ssh-rsa)" in status
    assert "should be: 刘主任\n" in status


# -- a supervisor leaving ------------------------------------------------------------------------
def test_supervisor_leaving_rotates_the_office_key(cli, office, git, keygen, encrypted):
    sign = env(encrypted[DIRECTOR])
    sup = keygen("supervisor")
    assert cli("staff", "key", SUP, "--file", f"{sup}.pub", "--as", DIRECTOR, env=sign).err == \
        "office key re-wrapped (+赵强)\n"
    old_sealed = _owner_phone(office, UNIT)
    assert opens(office, sup, old_sealed) == OWNER_PHONE
    before = office_id(cli)

    done = cli("staff", "leave", SUP, "--as", DIRECTOR, env=sign)
    assert done.code == 0, done.err
    assert re.fullmatch(r"赵强 left the office: committed [0-9a-f]{10}\n", done.out)
    assert done.err == "new office key, wrapped for the roster (-赵强)\n"
    assert git("log", "-1", "--format=%s").strip() == "staff leave 赵强"
    assert "Wuye-Action: staff-leave" in git("log", "-1", "--format=%B")
    assert office_id(cli) != before
    assert "active: false" in (Path(office) / "wuye.yaml").read_text("utf-8")

    # the old private key opens neither the new office.json nor keys made after
    with pytest.raises(Refused):
        keys.unwrap_office_key(store(office).office(), keys.Identity.from_file(str(sup)))
    with pytest.raises(Refused):
        opens(office, sup, old_sealed)
    done = cli("open", "owner", "--unit", "5-1-101", "--name", "周五", "--phone", "13700137000",
               "--as", DIRECTOR, env=sign)
    assert done.code == 0, done.err
    new_sealed = _owner_phone(office, "5-1-101")
    assert new_sealed.startswith("enc:1:5-1-101.")
    with pytest.raises(Refused):
        opens(office, sup, new_sealed)
    # the director still reveals everything
    assert opens(office, encrypted[DIRECTOR], old_sealed) == OWNER_PHONE
    assert opens(office, encrypted[DIRECTOR], new_sealed) == "13700137000"
    for unit, phone in ((UNIT, OWNER_PHONE), ("5-1-101", "13700137000")):
        shown = cli("show", unit, "--reveal", "--as", DIRECTOR, env=sign)
        assert shown.code == 0 and phone in shown.out

    # the person who left may not act or reveal
    left = "wuyectl: 赵强 has left the office (wuyectl staff leave): they may no longer act or reveal\n"
    shown = cli("show", UNIT, "--reveal", "--as", SUP, env=env(sup))
    assert (shown.code, shown.err) == (Exit.NOT_PERMITTED, left)
    added = cli("staff", "add", "钱七", "--role", "clerk", "--as", SUP, env=env(sup))
    assert (added.code, added.err) == (Exit.NOT_PERMITTED, left)
    # the roster's history says so: a hand edit putting them back is not honoured
    from wuyectl import api
    from wuyectl.app.roster import trusted_staff

    assert next(p for p in trusted_staff(api.Office(str(office))) if p["name"] == SUP)["active"] is False
    path = Path(office) / "wuye.yaml"
    path.write_text(path.read_text("utf-8").replace("    active: false\n", ""), "utf-8")
    git("commit", "-q", "--no-verify", "-m", "back", "--", "wuye.yaml")
    shown = cli("show", UNIT, "--reveal", "--as", SUP, env=env(sup))
    assert (shown.code, shown.err) == (Exit.NOT_PERMITTED, left)
    assert "should be: 刘主任\n" in cli("keys", "status").out


def test_leave_pending_without_the_directors_key(cli, office, keygen, encrypted):
    """A supervisor removes a clerk: nothing to re-wrap. A second director (no key) removes a
    supervisor with a key: the change waits for the director who can."""
    sign = env(encrypted[DIRECTOR])
    sup = keygen("supervisor")
    assert cli("staff", "key", SUP, "--file", f"{sup}.pub", "--as", DIRECTOR, env=sign).code == 0
    done = cli("staff", "leave", CLERK, "--as", SUP, env=env(sup))
    assert done.code == 0 and done.err == ""   # a clerk's leaving changes whom nothing is wrapped for
    assert cli("staff", "add", "吴总", "--role", "director", "--as", DIRECTOR, env=sign).code == 0
    done = cli("staff", "leave", SUP, "--as", "吴总")
    assert done.code == 0
    assert done.err.startswith("the office keys still need re-wrapping (-赵强): 刘主任 runs `wuyectl keys rewrap`")
    done = cli("keys", "rewrap", "--as", DIRECTOR, env=sign)
    assert (done.code, done.out) == (0, "new office key, wrapped for the roster (-赵强)\n")
    with pytest.raises(Refused):
        opens(office, sup, _owner_phone(office, UNIT))


def test_who_may_remove_whom(cli, repo_state):
    before = repo_state()
    done = cli("staff", "leave", DIRECTOR, "--as", SUP)
    assert (done.code, done.err) == (Exit.NOT_PERMITTED, "wuyectl: 赵强 (supervisor) may not remove 刘主任 "
                                                         "(director): needs director\n")
    done = cli("staff", "leave", SUP, "--as", CLERK)
    assert (done.code, done.err) == (Exit.NOT_PERMITTED, "wuyectl: 王芳 (clerk) may not remove staff: "
                                                         "needs supervisor or director\n")
    done = cli("staff", "leave", DIRECTOR, "--as", DIRECTOR)
    assert done.code == Exit.NOT_PERMITTED and "may not remove themself" in done.err
    assert cli("staff", "leave", "无名", "--as", DIRECTOR).code == Exit.NOT_PERMITTED
    assert repo_state() == before
    # not encrypted: nothing said about keys
    done = cli("staff", "leave", CLERK, "--as", SUP)
    assert (done.code, done.err) == (0, "")
    assert "王芳" not in cli("staff", "list", "-o", "csv").out
    again = cli("staff", "leave", CLERK, "--as", SUP)
    assert again.code == Exit.BAD_VALUE and "already left" in again.err


# -- the audit's view of the roster ----------------------------------------------------------------
def test_config_step_honours_staff_leave():
    from wuyectl.app.replay import Trust, config_step

    staff = [{"name": "刘主任", "role": "director"}, {"name": "吴总", "role": "director"},
             {"name": "赵强", "role": "supervisor"}, {"name": "王芳", "role": "clerk"}]
    config = {"staff": staff}

    def leave(name, actor, *, extra=None):
        new = {"staff": [{**p, "active": False, **(extra or {})} if p["name"] == name else dict(p) for p in staff]}
        return config_step(Trust(config), config, new, "staff-leave", actor)

    for name, actor in (("王芳", "赵强"), ("赵强", "刘主任"), ("吴总", "刘主任")):
        trust, found = leave(name, actor)
        assert found == [] and trust.person(name)["active"] is False, (name, actor)
    for name, actor, extra in (("刘主任", "赵强", None),       # a supervisor, a director
                               ("赵强", "王芳", None),         # a clerk
                               ("赵强", "赵强", None),         # themself
                               ("王芳", "赵强", {"role": "director"})):   # more than active
        trust, found = leave(name, actor, extra=extra)
        assert [code for code, _m in found] == ["A-roster"], (name, actor)
        assert trust.person(name).get("active") is None


@pytest.mark.skipif(shutil.which("age") is None, reason="the `age` binary is not installed (interop check only)")
def test_age_reads_the_office_key(office, encrypted, tmp_path):
    import base64

    doc = store(office).office()
    wrapped = base64.urlsafe_b64decode(doc["wrapped"] + "=" * (-len(doc["wrapped"]) % 4))
    (tmp_path / "office.age").write_bytes(wrapped)
    proc = subprocess.run(["age", "-d", "-i", str(encrypted[DIRECTOR]), str(tmp_path / "office.age")],
                          capture_output=True)
    assert proc.returncode == 0, proc.stderr
    # what age gives is the office key itself: its public half is the one office.json names
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    public = X25519PrivateKey.from_private_bytes(proc.stdout).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert base64.urlsafe_b64encode(public).decode().rstrip("=") == doc["public"]


@pytest.mark.lang("en")
def test_a_tool_commit_by_someone_who_had_left_is_an_audit_finding(cli, git, office):
    """The command refuses a person who left; a commit forged in their name, with the tool's
    trailers, is reported by the audit."""
    assert cli("staff", "leave", "赵强", "--as", DIRECTOR).code == 0
    assert cli("open", "owner", "--unit", "5-1-0701", "--name", "李四", "--as", "赵强").code == 6
    (office / "owners" / "5").mkdir(exist_ok=True)
    (office / "owners/5/5-1-0701.yaml").write_text("id: 5-1-0701\nowners:\n  - name: 李四\n", encoding="utf-8")
    git("add", "owners/5/5-1-0701.yaml")
    git("-c", "user.name=赵强", "commit", "-q", "--no-verify", "-m",
        "5-1-0701 open household\n\nWuye-Action: open\nWuye-Record: 5-1-0701\nWuye-Role: supervisor\n"
        "Wuye-At: 2026-11-22T09:14:00+08:00")
    audit = cli("audit")
    assert audit.code == 7
    assert "A-role" in audit.out and "赵强 had left the office (staff leave) before this commit" in audit.out
