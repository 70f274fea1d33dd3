"""SSH signing keys (issue 10): `staff key`, signed commits, and `signing.verify`.

Keys are made by `ssh-keygen -N ''` in the test's own folder; nothing reads the developer's
keys or agent (SSH_AUTH_SOCK is dropped)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import OPEN_REPAIR

from wuyectl.errors import BadValue, Refused
from wuyectl.store import signing

# Messages are asserted in English here (the default is Chinese: tests/test_messages.py).
pytestmark = pytest.mark.lang("en")


@pytest.fixture(autouse=True)
def no_agent(monkeypatch):
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    monkeypatch.delenv(signing.ENV_KEY, raising=False)




def public(path: Path) -> str:
    return Path(f"{path}.pub").read_text().strip()


def allowed_file(tmp_path: Path, entries: dict[str, Path]) -> Path:
    """An allowed-signers file written by hand (not by signing.py), for git's own answer."""
    path = tmp_path / "allowed_by_hand"
    path.write_text("".join(f'"{name}" {" ".join(public(key).split()[:2])}\n' for name, key in entries.items()),
                    encoding="utf-8")
    return path


def signed_env(key: Path) -> dict:
    return {signing.ENV_KEY: str(key)}


# -- fingerprints and key lines ------------------------------------------------------------

@pytest.mark.parametrize("kind,extra", [("ed25519", ()), ("ecdsa", ("-b", "384")), ("rsa", ("-b", "1024"))])
def test_fingerprint_is_ssh_keygens(keygen, kind, extra):
    key = keygen(f"k-{kind}", kind, *extra)
    theirs = subprocess.run(["ssh-keygen", "-lf", f"{key}.pub"], check=True, capture_output=True,
                            text=True).stdout.split()[1]
    assert theirs.startswith("SHA256:")
    assert signing.fingerprint(public(key)) == theirs
    parsed = signing.parse_public_key(public(key) + "\n")
    assert parsed.line == public(key)
    assert parsed.comment == f"k-{kind}@test"


ED25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIN8jzraE4+Aa8Y/Wayuqu7x2vs1klVzIE3Artr0rB+vo"


@pytest.mark.parametrize("text,reason", [
    ("", "it is empty"),
    ("\n  \n", "it is empty"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
     "this is a private key: give its public half, the .pub file"),
    (f"ssh-ed25519 {ED25519} a\nssh-ed25519 {ED25519} b\n", "2 lines: give one key"),
    (f"ssh-dss {ED25519}", "key type 'ssh-dss' is not one of ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, "
                           "ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, sk-ssh-ed25519@openssh.com"),
    (f'no-pty ssh-ed25519 {ED25519}', "key type 'no-pty' is not one of ssh-ed25519, ssh-rsa, "
                                      "ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, "
                                      "sk-ssh-ed25519@openssh.com"),
    ("ssh-ed25519", "no key data after the type"),
    ("ssh-ed25519 AAAA$$$", "the key data is not base64"),
    ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN8jzraE4", "the key data is not base64"),
    (f"ssh-rsa {ED25519}", "the key data is a 'ssh-ed25519' key, the line says ssh-rsa"),
    ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAEAAAAAAAAAAAAAAAAAAAAAA=", "the key data is not a whole ssh-ed25519 key"),
    ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN8jzraE", "the key data is not an SSH key"),
])
def test_what_is_not_a_public_key_is_refused(text, reason):
    with pytest.raises(BadValue) as caught:
        signing.parse_public_key(text, what="k.pub")
    assert str(caught.value) == f"k.pub: not an OpenSSH public key line ({reason})"
    assert caught.value.exit_code == 3


def test_principal_quotes_plain_names_and_encodes_the_rest():
    assert signing.principal("王芳") == "王芳"
    assert signing.principal("王 芳") == "王 芳"
    assert signing.principal("王,芳") == "wuyectl-" + "王,芳".encode().hex()
    assert signing.principal('a"b') == "wuyectl-" + b'a"b'.hex()
    assert signing.principal("a*") == "wuyectl-" + b"a*".hex()
    assert signing.principal("wuyectl-00") == "wuyectl-" + b"wuyectl-00".hex()


# -- commit_args ---------------------------------------------------------------------------

ROSTER = {"staff": [{"name": "王芳", "role": "clerk"}, {"name": "赵强", "role": "supervisor"}]}


def test_no_key_on_the_roster_no_signature():
    # (not even by a key the user's own git config signs every commit with)
    assert signing.commit_args(ROSTER, {"name": "王芳", "role": "clerk"}, {}) == ([], ["--no-gpg-sign"])
    # the private key given or not, it is the roster that decides
    assert signing.commit_args(ROSTER, {"name": "王芳"}, {signing.ENV_KEY: "/nowhere"}) == ([], ["--no-gpg-sign"])


def test_a_users_commit_gpgsign_does_not_sign_for_someone_without_a_key(run, git, keygen, tmp_path, office):
    own = keygen("own")
    config = tmp_path / "gitconfig"
    config.write_text(f"[commit]\n\tgpgSign = true\n[gpg]\n\tformat = ssh\n[user]\n\tsigningKey = {own}\n",
                      encoding="utf-8")
    result = run(*OPEN_REPAIR, "--as", "王芳", env={"GIT_CONFIG_GLOBAL": str(config)})
    assert result.code == 0, result.err
    assert "gpgsig" not in git("cat-file", "commit", "HEAD")


def test_a_key_on_the_roster_signs_with_the_private_key(keygen, tmp_path, monkeypatch):
    key = keygen("wf")
    config = {"staff": [{"name": "王芳", "role": "clerk", "signing_key": public(key)}]}
    # the actor given is looked up on the roster: its own mapping need not carry the key
    before, after = signing.commit_args(config, {"name": "王芳"}, signed_env(key))
    assert before == ["-c", "gpg.format=ssh", "-c", "gpg.ssh.program=ssh-keygen", "-c", f"user.signingKey={key}"]
    assert after == ["-S"]
    # a relative path is made absolute: git runs ssh-keygen in the repo's folder
    monkeypatch.chdir(key.parent)
    before, _ = signing.commit_args(config, {"name": "王芳"}, {signing.ENV_KEY: "wf"})
    assert before[-1] == f"user.signingKey={key}"


def test_commit_args_refusals(keygen, tmp_path):
    key, other = keygen("wf"), keygen("other")
    config = {"staff": [{"name": "王芳", "role": "clerk", "signing_key": public(key)}]}
    with pytest.raises(Refused) as caught:
        signing.commit_args(config, {"name": "王芳"}, {})
    assert str(caught.value) == "王芳 has a signing key on the roster: set WUYECTL_SIGNING_KEY to its private key file"
    with pytest.raises(BadValue) as caught:
        signing.commit_args(config, {"name": "王芳"}, signed_env(other))
    assert str(caught.value) == (f"WUYECTL_SIGNING_KEY ({other}) is {signing.fingerprint(public(other))}, not "
                                 f"王芳's signing key on the roster ({signing.fingerprint(public(key))})")
    with pytest.raises(BadValue) as caught:
        signing.commit_args(config, {"name": "王芳"}, {signing.ENV_KEY: str(tmp_path / "missing")})
    assert str(caught.value) == (f"WUYECTL_SIGNING_KEY ({tmp_path / 'missing'}): cannot read it "
                                 f"(No such file or directory)")
    policy = {"staff": [{"name": "王 芳", "role": "clerk"}], "policy": {"require_signatures": True}}
    with pytest.raises(Refused) as caught:
        signing.commit_args(policy, {"name": "王 芳"}, signed_env(key))
    assert str(caught.value) == ("policy require_signatures: 王 芳 has no signing key on the roster "
                                 "(wuyectl staff key '王 芳' --file KEY.pub)")


def test_the_public_half_without_a_pub_file_or_as_the_file_given(keygen):
    key = keygen("wf")
    config = {"staff": [{"name": "王芳", "role": "clerk", "signing_key": public(key)}]}
    moved = key.parent / "moved"
    key.rename(moved)
    assert signing.commit_args(config, {"name": "王芳"}, signed_env(moved))[1] == ["-S"]   # ssh-keygen -y
    # the public key itself (its private half in ssh-agent)
    assert signing.commit_args(config, {"name": "王芳"}, {signing.ENV_KEY: f"{key}.pub"})[1] == ["-S"]


def test_a_private_key_others_may_read_is_refused_before_git_says_it_in_ten_lines(keygen):
    key = keygen("wf")
    os.chmod(key, 0o644)
    config = {"staff": [{"name": "王芳", "role": "clerk", "signing_key": public(key)}]}
    with pytest.raises(BadValue) as caught:
        signing.commit_args(config, {"name": "王芳"}, signed_env(key))
    assert str(caught.value) == (f"WUYECTL_SIGNING_KEY ({key}): others may read this private key; "
                                 f"ssh-keygen will not use it (chmod 600 {key})")


# -- staff key -----------------------------------------------------------------------------

def test_staff_key_registers_the_key_in_one_commit(run, git, keygen, api_office):
    key = keygen("wf")
    fpr = signing.fingerprint(public(key))
    result = run("staff", "key", "王芳", "--file", f"{key}.pub", "--as", "王芳")
    assert (result.code, result.out, result.err) == (0, f"王芳 {fpr}\n", "")
    assert git("log", "-1", "--format=%an%n%B") == (f"王芳\nstaff key 王芳 {fpr}\n\n"
                                                    f"Wuye-Action: staff-key\nWuye-Role: clerk\n\n")
    assert git("show", "--stat", "--format=", "HEAD").split()[0] == "wuye.yaml"
    from wuyectl import api

    roster = {p["name"]: p for p in api.Office(api_office.root).staff()}
    assert roster["王芳"]["signing_key"] == public(key)
    assert "login" not in roster["王芳"]
    assert git("status", "--porcelain") == ""


def test_staff_key_sets_the_login_too_or_alone(cli, git, keygen, api_office):
    key = keygen("lm")
    fpr = signing.fingerprint(public(key))
    result = cli("staff", "key", "李明", "--file", f"{key}.pub", "--login", "liming", "--as", "赵强")
    assert (result.code, result.out) == (0, f"李明 {fpr}\n")
    assert git("log", "-1", "--format=%an %s") == f"赵强 staff key 李明 {fpr} login liming\n"
    result = cli("staff", "key", "陈洁", "--login", "chen.jie", "--as", "陈洁")
    assert (result.code, result.out) == (0, "陈洁\n")
    assert git("log", "-1", "--format=%s") == "staff key 陈洁 login chen.jie\n"
    from wuyectl import api

    roster = {p["name"]: p for p in api.Office(api_office.root).staff()}
    assert (roster["李明"]["login"], roster["李明"]["signing_key"]) == ("liming", public(key))
    assert roster["陈洁"]["login"] == "chen.jie"


def test_staff_key_help_names_both_options(cli):
    result = cli("staff", "key", "--help")
    assert result.code == 0
    assert "--file KEY.pub" in result.out and "--login USER" in result.out
    assert "WUYECTL_SIGNING_KEY" in result.out


@pytest.mark.parametrize("who,code,message", [
    ("李明", 6, "李明 (technician) may not set 王芳's key or login: needs supervisor or director (or 王芳 themself)"),
    ("孙审", 6, "孙审 (auditor) has read-only access"),
])
def test_only_managers_set_another_persons_key(cli, keygen, repo_state, who, code, message):
    key = keygen("wf")
    before = repo_state()
    result = cli("staff", "key", "王芳", "--file", f"{key}.pub", "--as", who)
    assert (result.code, result.err) == (code, f"wuyectl: {message}\n")
    assert repo_state() == before


def test_bad_key_files_and_logins_are_refused(cli, keygen, tmp_path, repo_state, office):
    key, theirs = keygen("wf"), keygen("zq")
    assert cli("staff", "key", "赵强", "--file", f"{theirs}.pub", "--login", "zhaoqiang", "--as", "赵强").code == 0
    before = repo_state()
    bad = tmp_path / "bad.pub"
    bad.write_text(f"ssh-rsa {ED25519} x\n")
    private = str(key)
    cases = [
        (["--file", str(bad)], f"{bad}: not an OpenSSH public key line (the key data is a 'ssh-ed25519' key, "
                               f"the line says ssh-rsa)"),
        (["--file", private], f"{private}: not an OpenSSH public key line (this is a private key: give its public "
                              f"half, the .pub file)"),
        (["--file", str(tmp_path / "none.pub")], f"{tmp_path / 'none.pub'}: cannot read it (No such file or directory)"),
        (["--file", f"{theirs}.pub"], f"{theirs}.pub: {signing.fingerprint(public(theirs))} is already 赵强's signing key"),
        (["--login", "zhaoqiang"], "login 'zhaoqiang' is already 赵强's"),
        (["--login", "-x"], "login '-x' must be 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter "
                            "or digit"),
        (["--login", "王芳"], "login '王芳' must be 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a "
                              "letter or digit"),
        ([], "nothing to set: give a key file (--file KEY.pub), a login (--login USER), or both"),
    ]
    for extra, message in cases:
        result = cli("staff", "key", "王芳", *extra, "--as", "王芳")
        assert (result.code, result.err) == (3, f"wuyectl: {message}\n"), extra
    result = cli("staff", "key", "王芳", "--file", "-", "--as", "王芳", input="ssh-dss AAAA\n")
    assert (result.code, result.err) == (3, "wuyectl: standard input: not an OpenSSH public key line (key type "
                                            "'ssh-dss' is not one of ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, "
                                            "ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, sk-ssh-ed25519@openssh.com)\n")
    result = cli("staff", "key", "王五", "--login", "ww", "--as", "赵强")
    assert (result.code, result.err) == (6, "wuyectl: '王五' is not on the staff roster of wuye.yaml (did you mean '王芳'?)\n")
    assert repo_state() == before


def test_the_same_key_again_changes_nothing(cli, keygen, repo_state):
    key = keygen("wf")
    assert cli("staff", "key", "王芳", "--file", f"{key}.pub", "--as", "王芳").code == 0
    before = repo_state()
    result = cli("staff", "key", "王芳", "--file", f"{key}.pub", "--as", "赵强")
    assert (result.code, result.err) == (3, "wuyectl: 王芳 already has that signing key: nothing to change\n")
    assert repo_state() == before


# -- signed writes -------------------------------------------------------------------------

def test_a_write_by_a_person_with_a_key_is_signed(run, git, keygen, tmp_path, office):
    key = keygen("wf")
    assert run("staff", "key", "王芳", "--file", f"{key}.pub", "--as", "王芳").code == 0
    result = run(*OPEN_REPAIR, "--as", "王芳", env=signed_env(key))
    assert (result.code, result.err) == (0, ""), result.err
    assert "\ngpgsig -----BEGIN SSH SIGNATURE-----\n" in git("cat-file", "commit", "HEAD")
    signers = allowed_file(tmp_path, {"王芳": key})
    assert git("-c", f"gpg.ssh.allowedSignersFile={signers}", "log", "-2", "--format=%G? %GS") == "G 王芳\nN \n"
    head, key_commit = git("rev-list", "-2", "HEAD").split()
    found = signing.verify(str(office), [head, key_commit], {"王芳": [public(key)]})
    assert found[head] == signing.Signature("G", "王芳", signing.fingerprint(public(key)), "王芳", "G")
    assert found[key_commit] == signing.Signature("N", None, None, "王芳", "N")


def test_signed_in_process_too_and_the_old_key_signs_its_replacement(cli, git, keygen, office):
    old, new = keygen("old"), keygen("new")
    assert cli("staff", "key", "赵强", "--file", f"{old}.pub", "--as", "赵强").code == 0
    # replacing one's own key: the commit is signed by the key the roster had before it
    result = cli("staff", "key", "赵强", "--file", f"{new}.pub", "--as", "赵强", env=signed_env(old))
    assert result.code == 0, result.err
    assert cli(*OPEN_REPAIR, "--as", "赵强", env=signed_env(new)).code == 0
    head, replaced = git("rev-list", "-2", "HEAD").split()
    found = signing.verify(str(office), [head, replaced], {"赵强": [public(old), public(new)]})
    assert (found[replaced].status, found[replaced].fingerprint) == ("G", signing.fingerprint(public(old)))
    assert (found[head].status, found[head].fingerprint) == ("G", signing.fingerprint(public(new)))
    # the old private key no longer writes
    result = cli(*OPEN_REPAIR, "--as", "赵强", env=signed_env(old))
    assert result.code == 3


def test_refusals_leave_nothing_behind(run, cli, git, keygen, repo_state, office):
    key, other = keygen("wf"), keygen("other")
    assert cli("staff", "key", "王芳", "--file", f"{key}.pub", "--as", "王芳").code == 0
    before = repo_state()
    result = run(*OPEN_REPAIR, "--as", "王芳")
    assert (result.code, result.out, result.err) == (5, "", "wuyectl: 王芳 has a signing key on the roster: set "
                                                           "WUYECTL_SIGNING_KEY to its private key file\n")
    result = run(*OPEN_REPAIR, "--as", "王芳", env=signed_env(other))
    assert (result.code, result.err) == (3, f"wuyectl: WUYECTL_SIGNING_KEY ({other}) is "
                                            f"{signing.fingerprint(public(other))}, not 王芳's signing key on the "
                                            f"roster ({signing.fingerprint(public(key))})\n")
    assert repo_state() == before
    assert not (office / ".git" / "wuyectl" / "journal.json").exists()


def test_require_signatures_refuses_writes_by_people_without_a_key(run, cli, git, keygen, repo_state, office):
    key = keygen("wf")
    assert cli("staff", "key", "王芳", "--file", f"{key}.pub", "--as", "王芳").code == 0
    refused = cli("policy", "set", "require_signatures", "true", "--as", "刘主任")
    assert (refused.code, refused.err) == (5, "wuyectl: 刘主任 has no signing key on the roster: register it first "
                                              "(wuyectl staff key 刘主任 --file KEY.pub), or no one could change this "
                                              "policy back\n")
    director = keygen("liu")
    assert cli("staff", "key", "刘主任", "--file", f"{director}.pub", "--as", "刘主任").code == 0
    result = cli("policy", "set", "require_signatures", "true", "--as", "刘主任", env=signed_env(director))
    assert result.code == 0, result.err
    before = repo_state()
    result = run(*OPEN_REPAIR, "--as", "李明")
    assert (result.code, result.out, result.err) == (
        5, "", "wuyectl: policy require_signatures: 李明 has no signing key on the roster "
               "(wuyectl staff key 李明 --file KEY.pub)\n")
    # not even one's own key: keys are registered before the policy is turned on (or by a manager)
    mine = keygen("lm")
    result = run("staff", "key", "李明", "--file", f"{mine}.pub", "--as", "李明")
    assert result.code == 5
    assert repo_state() == before
    # a person with a key still writes, signed
    assert run(*OPEN_REPAIR, "--as", "王芳", env=signed_env(key)).code == 0
    assert "\ngpgsig " in git("cat-file", "commit", "HEAD")


# -- verify --------------------------------------------------------------------------------

def hand_commit(git, message: str, *, author: str = "王芳", key: Path | None = None) -> str:
    """An empty commit made with git by hand, as `author`, signed with `key` if given."""
    sign = ["-c", "gpg.format=ssh", "-c", f"user.signingKey={key}"] if key else []
    git(*sign, "-c", f"user.name={author}", "commit", "-q", "--allow-empty", "--no-verify",
        *(["-S"] if key else []), "-m", message)
    return git("rev-parse", "HEAD").strip()


def test_verify_good_bad_and_none(git, keygen, office):
    wf, zq, stranger = keygen("wf"), keygen("zq"), keygen("stranger")
    allowed = {"王芳": [public(wf)], "赵强": [public(zq)]}
    good = hand_commit(git, "good", key=wf)
    others_key = hand_commit(git, "signed with 赵强's key", key=zq)
    nobodys_key = hand_commit(git, "signed with a key nobody has", key=stranger)
    unsigned = hand_commit(git, "unsigned")
    # the same content as `good`, its message changed: the signature no longer matches
    raw = git("cat-file", "commit", good).replace("\ngood\n", "\nforged\n")
    forged = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], cwd=office, input=raw.encode(),
                            capture_output=True, check=True).stdout.decode().strip()
    found = signing.verify(str(office), [good, others_key, nobodys_key, unsigned, forged], allowed)
    fp = {name: signing.fingerprint(public(k)) for name, k in (("wf", wf), ("zq", zq), ("stranger", stranger))}
    assert found == {
        good: signing.Signature("G", "王芳", fp["wf"], "王芳", "G"),
        others_key: signing.Signature("B", "赵强", fp["zq"], "王芳", "G"),
        nobodys_key: signing.Signature("B", None, fp["stranger"], "王芳", "U"),
        unsigned: signing.Signature("N", None, None, "王芳", "N"),
        forged: signing.Signature("B", None, None, "王芳", "B"),   # git names no key for a bad one
    }
    assert [s.good for s in found.values()] == [True, False, False, False, False]


def test_verify_names_that_need_quoting_or_encoding(git, keygen, office):
    keys = {name: keygen(f"k{i}") for i, name in enumerate(["王 芳", "王,芳", 'say "hi" twice', "a*", "#1"])}
    allowed = {name: [public(key)] for name, key in keys.items()}
    commits = {name: hand_commit(git, f"by {name}", author=name, key=key) for name, key in keys.items()}
    found = signing.verify(str(office), list(commits.values()), allowed)
    for name, commit in commits.items():
        assert (found[commit].status, found[commit].signer, found[commit].actor) == ("G", name, name), name
    # "a*" is no wildcard: 王芳's commit signed by a*'s key is a*'s, and bad
    other = hand_commit(git, "x", author="a", key=keys["a*"])
    assert signing.verify(str(office), [other], allowed)[other].status == "B"


def test_verify_runs_one_git_log_for_many_commits(git, keygen, office, monkeypatch):
    key = keygen("wf")
    ids = git("rev-list", "HEAD").split() + [hand_commit(git, f"s{i}", key=key) for i in range(3)]
    calls = []
    real = signing.git.run

    def counting(top, args, **kw):
        calls.append(args)
        return real(top, args, **kw)

    monkeypatch.setattr(signing.git, "run", counting)
    found = signing.verify(str(office), ids, {"王芳": [public(key)], "赵强": ["not a key at all"]})
    assert len(calls) == 1 and "log" in calls[0]
    assert [found[i].status for i in ids] == ["N"] * (len(ids) - 3) + ["G"] * 3
    assert signing.verify(str(office), [], {"王芳": [public(key)]}) == {}
    assert len(calls) == 1


def test_verify_takes_abbreviated_ids_and_refuses_unknown_ones(git, office):
    head = git("rev-parse", "HEAD").strip()
    found = signing.verify(str(office), [head[:12], "HEAD"], {})
    assert found[head[:12]].status == found["HEAD"].status == "N"
    from wuyectl.errors import RepoError

    with pytest.raises(RepoError):
        signing.verify(str(office), ["0" * 40], {})


def test_verify_ignores_a_users_log_settings(git, keygen, office, monkeypatch, tmp_path):
    key = keygen("wf")
    signed = hand_commit(git, "s", key=key)
    config = tmp_path / "gitconfig"
    config.write_text("[log]\n\tshowSignature = true\n[gpg \"ssh\"]\n\tprogram = /nonexistent\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    assert signing.verify(str(office), [signed], {"王芳": [public(key)]})[signed].status == "G"

