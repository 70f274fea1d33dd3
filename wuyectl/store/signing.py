"""SSH commit signatures: who really made a commit (issue 10, "identity that can be checked").

A commit's author name says who acted; anyone can type a name. A person who registers an SSH
public key on the roster (`wuyectl staff key NAME --file KEY.pub`, stored as the roster entry's
`signing_key`) has every commit they make through the tool signed with its private key, and the
audit checks the signature against the keys that person had.

1. `parse_public_key(text)` reads one OpenSSH public key line (`ssh-ed25519 AAAA… comment`),
   checks it against the roster schema's pattern and parses the key data itself (its type
   must be the one the line names); `fingerprint(line)` is `ssh-keygen -lf`'s `SHA256:…`.
2. `commit_args(config, actor)` gives the git options that make `git commit` sign for the
   acting person: none when the roster has no key for them, else an SSH signature with the
   private key named by WUYECTL_SIGNING_KEY, whose public half must be the roster's key. It
   refuses (before anything is written) when the key is missing or wrong, or when policy
   `require_signatures: true` and the person has no key.
3. `verify(top, commits, allowed)` asks one `git log` for the signature of every commit,
   against an allowed-signers file built from `allowed` (name → every key line that person
   ever had), and says for each commit whether it is signed by its own actor.

Errors: no WUYECTL_SIGNING_KEY, or `require_signatures` without a key → `Refused` (exit 5, a
missing signature); a key line or key file that is not what it should be → `BadValue` (exit 3).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import struct
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..errors import BadValue, Refused
from ..i18n import _
from . import git

ENV_KEY = "WUYECTL_SIGNING_KEY"

# The parts of the key data after its type name, for each type the roster accepts (the
# schema's pattern): ed25519 (public point), RSA (e, n), ECDSA (curve, point), FIDO ed25519
# (public point, application).
_KEY_PARTS = {
    "ssh-ed25519": 1,
    "ssh-rsa": 2,
    "ecdsa-sha2-nistp256": 2,
    "ecdsa-sha2-nistp384": 2,
    "ecdsa-sha2-nistp521": 2,
    "sk-ssh-ed25519@openssh.com": 2,
}


@dataclass(frozen=True)
class PublicKey:
    """One OpenSSH public key: its type, its key data (the decoded base64) and comment."""

    kind: str
    blob: bytes
    comment: str = ""

    @property
    def base64(self) -> str:
        return base64.b64encode(self.blob).decode("ascii")

    @property
    def line(self) -> str:
        """The key as the roster stores it: `TYPE BASE64[ COMMENT]`, single spaces."""
        return f"{self.kind} {self.base64}" + (f" {self.comment}" if self.comment else "")

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(self.blob).digest()
        return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")

    def same_key(self, other: PublicKey) -> bool:
        """The same key, whatever the comments say."""
        return self.kind == other.kind and self.blob == other.blob


def _schema_pattern() -> re.Pattern:
    from . import schema

    staff = schema.schema("config")["properties"]["staff"]["items"]["properties"]
    return re.compile(staff["signing_key"]["pattern"])


def _ssh_strings(blob: bytes) -> list[bytes]:
    """The length-prefixed strings the key data is made of (RFC 4253 §6.6)."""
    parts, at = [], 0
    while at < len(blob):
        if at + 4 > len(blob):
            raise ValueError("truncated")
        (size,) = struct.unpack(">I", blob[at:at + 4])
        at += 4
        if at + size > len(blob):
            raise ValueError("truncated")
        parts.append(blob[at:at + size])
        at += size
    return parts


def parse_public_key(text: str, *, what: str = "the key") -> PublicKey:
    """The one OpenSSH public key line in `text` (the content of a KEY.pub file; surrounding
    blank lines are allowed), checked; `what` names it in the error. Raises BadValue."""
    def bad(reason: str) -> BadValue:
        return BadValue(_("{what}: not an OpenSSH public key line ({reason})").format(what=what, reason=reason))

    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    if not lines:
        raise bad(_("it is empty"))
    if lines[0].startswith("-----BEGIN"):
        raise bad(_("this is a private key: give its public half, the .pub file"))
    if len(lines) > 1:
        raise bad(_("{count} lines: give one key").format(count=len(lines)))
    fields = lines[0].split(None, 2)
    kind = fields[0]
    if kind not in _KEY_PARTS:
        raise bad(_("key type {type!r} is not one of {types}").format(type=kind[:40], types=", ".join(_KEY_PARTS)))
    if len(fields) < 2:
        raise bad(_("no key data after the type"))
    try:
        blob = base64.b64decode(fields[1], validate=True)
    except (binascii.Error, ValueError):
        raise bad(_("the key data is not base64")) from None
    try:
        parts = _ssh_strings(blob)
    except ValueError:
        parts = []
    inner = parts[0].decode("ascii", "replace") if parts else ""
    if not parts:
        raise bad(_("the key data is not an SSH key"))
    if inner != kind:
        raise bad(_("the key data is a {inner!r} key, the line says {type}").format(inner=inner[:40], type=kind))
    if len(parts) != 1 + _KEY_PARTS[kind]:
        raise bad(_("the key data is not a whole {type} key").format(type=kind))
    if kind.endswith(("ed25519", "ed25519@openssh.com")) and len(parts[1]) != 32:
        raise bad(_("the key data is not a whole {type} key").format(type=kind))
    if kind.startswith("ecdsa-") and parts[1].decode("ascii", "replace") != kind.rsplit("-", 1)[1]:
        raise bad(_("the key data's curve is not the one {type} names").format(type=kind))
    key = PublicKey(kind, blob, fields[2].strip() if len(fields) > 2 else "")
    if not _schema_pattern().fullmatch(key.line):
        raise bad(_("the line does not match the roster's signing_key pattern"))
    return key


def fingerprint(public_key_line: str) -> str:
    """`SHA256:…` of a public key line, as `ssh-keygen -lf` prints it (the sha256 of the key
    data, base64 without padding). Raises BadValue for anything but a public key line."""
    return parse_public_key(public_key_line).fingerprint


# -- signing a commit ----------------------------------------------------------------------

def _shell_word(name: str) -> str:
    """`name` as one word of a shell command line (left as it is when that is safe)."""
    import shlex

    if re.search(r"[\s'\"\\$`;&|<>()*?!#~{}\[\]]", name) or not name:
        return shlex.quote(name)
    return name


def _roster_entry(config: Mapping, actor: Mapping) -> Mapping:
    name = actor.get("name")
    for person in (config or {}).get("staff") or []:
        if isinstance(person, Mapping) and person.get("name") == name:
            return person
    return actor


def _public_half(path: str) -> PublicKey:
    """The public key of the private key file `path`: `PATH.pub` beside it, else what
    `ssh-keygen -y` derives (without asking a passphrase). `path` may itself be a public key
    (the private key then lives in ssh-agent, which ssh-keygen asks for the signature)."""
    what = f"{ENV_KEY} ({path})"
    try:
        with open(path, "rb") as fh:
            head = fh.read(64 * 1024)
    except OSError as exc:
        raise BadValue(_("{what}: cannot read it ({error})").format(what=what, error=exc.strerror or exc)) from None
    text = head.decode("utf-8", "replace")
    first = text.split(None, 1)[0] if text.strip() else ""
    if first in _KEY_PARTS:
        return parse_public_key(text, what=what)
    st = os.stat(path)
    if st.st_uid == os.getuid() and st.st_mode & 0o077:
        # ssh-keygen ignores such a key, and git's message about it is many lines of @@@.
        raise BadValue(_("{what}: others may read this private key; ssh-keygen will not use it "
                         "(chmod 600 {path})").format(what=what, path=_shell_word(path)))
    if os.path.exists(path + ".pub"):
        with open(path + ".pub", encoding="utf-8", errors="replace") as fh:
            return parse_public_key(fh.read(), what=f"{ENV_KEY} ({path}.pub)")
    try:
        proc = subprocess.run(["ssh-keygen", "-y", "-P", "", "-f", path], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        raise BadValue(_("{what}: ssh-keygen could not read it (is OpenSSH installed?)").format(what=what)) from None
    if proc.returncode != 0:
        raise BadValue(_("{what}: cannot tell its public key (no {name}.pub beside it, and "
                         "ssh-keygen -y could not read it without a passphrase)").format(
            what=what, name=os.path.basename(path)))
    return parse_public_key(proc.stdout.decode("utf-8", "replace"), what=what)


def commit_args(config: Mapping, actor: Mapping, environ: Mapping[str, str] | None = None
                ) -> tuple[list[str], list[str]]:
    """(options for git before `commit`, options for `commit`) that sign the commit of
    `actor` (a roster entry, or a mapping with its `name`) with SSH, as `config` (wuye.yaml)
    asks; ([], ["--no-gpg-sign"]) for no signature.

    - The roster has a `signing_key` for the actor: signed with the private key file named by
      WUYECTL_SIGNING_KEY (in `environ`, default the process environment), whose public half
      (`KEY.pub` beside it, or `ssh-keygen -y`) must be that key. No such variable → Refused;
      the wrong key, an unreadable file, or one others may read → BadValue.
    - No key on the roster: not signed — unless policy `require_signatures: true`, then
      Refused (nobody without a key can write; register keys before turning the policy on).
    """
    environ = os.environ if environ is None else environ
    person = _roster_entry(config, actor)
    name = str(actor.get("name", ""))
    registered = person.get("signing_key")
    if not registered:
        policy = (config or {}).get("policy") or {}
        if policy.get("require_signatures") is True:
            raise Refused(_("policy require_signatures: {name} has no signing key on the roster "
                            "(wuyectl staff key {word} --file KEY.pub)").format(name=name, word=_shell_word(name)))
        return [], ["--no-gpg-sign"]   # nor by a key of the user's own git config (commit.gpgSign)
    expected = parse_public_key(str(registered), what=_("wuye.yaml: {name}'s signing_key").format(name=name))
    path = environ.get(ENV_KEY) or ""
    if not path:
        raise Refused(_("{name} has a signing key on the roster: set {variable} to its private key file").format(
            name=name, variable=ENV_KEY))
    # git runs ssh-keygen in the repo's top folder, not in the folder wuyectl was started in.
    path = os.path.abspath(os.path.expanduser(path))
    found = _public_half(path)
    if not found.same_key(expected):
        raise BadValue(_("{variable} ({path}) is {fingerprint}, not {name}'s signing key on the roster "
                         "({expected})").format(variable=ENV_KEY, path=path, fingerprint=found.fingerprint,
                                                name=name, expected=expected.fingerprint))
    return (["-c", "gpg.format=ssh", "-c", "gpg.ssh.program=ssh-keygen", "-c", f"user.signingKey={path}"],
            ["-S"])


# -- checking signatures -------------------------------------------------------------------

@dataclass(frozen=True)
class Signature:
    """The signature of one commit, as `verify` judges it.

    status — 'G': a good signature by a key `allowed` lists for the commit's actor (its
    author name). 'B': a bad one: the signature does not match the commit (git's 'B'), or it
    is good but made by a key `allowed` does not list for the actor — another person's key
    (git's 'G'), or nobody's (git's 'U'). 'N': not signed. Otherwise git's own letter
    ('E': could not be checked, e.g. ssh-keygen missing or a signature git cannot read;
    'X', 'Y', 'R': expired or revoked, which SSH keys without validity options never are).
    signer — the name `allowed` gives the signing key (None: no one's, not signed, or a
    signature that does not match, for which git names no key).
    fingerprint — the signing key's `SHA256:…` (None when git names none, as for signer).
    actor — the commit's author name; git_status — git's %G? before the actor check.
    """

    status: str
    signer: str | None = None
    fingerprint: str | None = None
    actor: str = ""
    git_status: str = "N"

    @property
    def good(self) -> bool:
        return self.status == "G"


_PRINCIPAL_PREFIX = "wuyectl-"


def principal(name: str) -> str:
    """The allowed-signers principal of a staff name. ssh-keygen reads the principals field
    as a comma-separated pattern list (`*` and `?` are wildcards, `!` negates) and takes a
    double-quoted field as is, up to the next quote (so Chinese names and spaces are fine
    within quotes, and nothing can escape a quote). A name that needs more — those
    characters, control characters, or one that looks like an encoded principal — becomes
    `wuyectl-` and its UTF-8 bytes in hex; `verify` maps principals back to names."""
    if (not name or name.startswith(_PRINCIPAL_PREFIX) or re.search(r'[",*?!\x00-\x1f\x7f]', name)
            or name != name.strip()):
        return _PRINCIPAL_PREFIX + name.encode("utf-8").hex()
    return name


def allowed_signers(allowed: Mapping[str, Iterable[str]]) -> tuple[str, dict[str, list[str]]]:
    """(the text of an allowed-signers file for `allowed`, fingerprint → the names that have
    that key). Each key may sign in git's namespace only. Key lines that are not valid keys
    (a hand-edited roster) are left out: they can have made no signature."""
    lines: list[str] = []
    names_of: dict[str, list[str]] = {}
    for name, keys in allowed.items():
        if isinstance(keys, str):
            keys = [keys]
        for line in keys or ():
            try:
                key = parse_public_key(str(line))
            except BadValue:
                continue
            holders = names_of.setdefault(key.fingerprint, [])
            if name in holders:
                continue
            holders.append(name)
            lines.append(f'"{principal(name)}" namespaces="git" {key.kind} {key.base64}')
    return "".join(line + "\n" for line in lines), names_of


def verify(repo_top: str, commits: Iterable[str], allowed: Mapping[str, Iterable[str]]) -> dict[str, Signature]:
    """The signature of each of `commits` (commit ids; the answer is keyed by the ids as
    given), judged against `allowed`: staff name → every public key line that person ever had
    (the roster's history).

    One `git log --no-walk` for all the commits (the ids go on its standard input, so any
    number of them fits), with an allowed-signers file made in a temporary folder. An unsigned
    commit costs git nothing more; a signed one costs git two ssh-keygen runs (find the
    principal, verify). A commit git does not know raises RepoError."""
    wanted = list(dict.fromkeys(str(c).strip() for c in commits))
    if not wanted:
        return {}
    full = {c: c for c in wanted if re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", c)}
    short = [c for c in wanted if c not in full]
    if short:   # abbreviated ids or names: resolved (git says which one it does not know)
        resolved = git.out(repo_top, ["rev-parse", *[f"{c}^{{commit}}" for c in short]]).split()
        full.update(zip(short, resolved))
    text, names_of = allowed_signers(allowed)
    names_by_principal = {principal(name): name for name in allowed}
    with tempfile.TemporaryDirectory(prefix="wuyectl-signers-") as folder:
        signers_file = os.path.join(folder, "allowed_signers")
        with open(signers_file, "w", encoding="utf-8") as fh:
            fh.write(text)
        ids = list(dict.fromkeys(full[c] for c in wanted))
        proc = git.run(repo_top, [
            "-c", f"gpg.ssh.allowedSignersFile={signers_file}", "-c", "gpg.ssh.program=ssh-keygen",
            "log", "--no-walk=unsorted", "--no-show-signature", "--no-use-mailmap", "--stdin",
            "--format=format:%H%x00%an%x00%G?%x00%GS%x00%GK%x00",
        ], input="".join(i + "\n" for i in ids).encode("ascii"))
    fields = proc.stdout.decode("utf-8", "replace").split("\0")
    found: dict[str, Signature] = {}
    for at in range(0, len(fields) - 4, 5):
        commit, actor, status, signer_principal, key = fields[at:at + 5]
        found[commit.strip()] = _judge(actor, status or "N", signer_principal, key, names_of, names_by_principal)
    return {asked: found.get(full[asked], Signature("E")) for asked in wanted}


def _judge(actor: str, status: str, signer_principal: str, key: str, names_of: Mapping[str, list[str]],
           names_by_principal: Mapping[str, str]) -> Signature:
    key = key or None
    holders = names_of.get(key or "", [])
    if status == "N":
        return Signature("N", None, None, actor, status)
    if status == "G":
        if actor in holders:
            return Signature("G", actor, key, actor, status)
        signer = names_by_principal.get(signer_principal, signer_principal or None)
        return Signature("B", holders[0] if holders else signer, key, actor, status)
    if status in ("U", "B"):
        return Signature("B", holders[0] if holders else None, key, actor, status)
    return Signature(status, holders[0] if holders else None, key, actor, status)
