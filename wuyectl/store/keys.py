"""The office's keys: personal values sealed so that only the people allowed to reveal can read
them, and a household's numbers erased from all of history by destroying its key.

Three layers, each a standard construction from a well-kept library:

1. **A data key per subject** — a household (`3-2-1201`: its owner file and the tickets of the
   unit), or a record that belongs to none (a ticket with no unit, a visitor). It is an X25519
   key pair; a value is sealed to its public half with HPKE (RFC 9180: DHKEM(X25519),
   HKDF-SHA256, ChaCha20-Poly1305; `cryptography`). A pair, not one secret, so that a clerk can
   record a phone number she may not read back.
2. **The office key** — another X25519 pair. Each data key's private half is sealed to it (HPKE
   again). A person joining or leaving the reveal roles changes one file, not 5,000.
3. **The people** — the office key's private half is encrypted with age (`pyrage`, the age v1
   format) to the SSH keys (ssh-ed25519, ssh-rsa) that the people allowed to reveal registered
   on the roster (`wuyectl staff key`), so keys follow roles, not machines: a person reveals
   with the private key WUYECTL_SIGNING_KEY names, the one that signs their commits, and the
   `age` tool can read the same file (`age -d -i ~/.ssh/id_ed25519`).

The keystore lives outside the records' history, in the repository's own folder:

    .git/wuyectl/keys/current                      the office key in use (its id)
    .git/wuyectl/keys/K-xxxxxxxx/office.json       its public half, its private half for the
                                                   people (age), who they are
    .git/wuyectl/keys/K-xxxxxxxx/data/SUBJECT.ID.json   a data key: public half, private half
                                                   sealed to the office key

Removing a person makes a new office key and seals every data key to it again, in a new
folder that `current` then names (one atomic rename), so a reader or a crash sees the old set
or the new one whole. Erasing a subject deletes its data key files: what was sealed to them,
in every version git keeps, can no longer be opened by anyone.

Every change is made under the repository lock (the transaction holds it); reading needs none.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from ..domain.privacy import ERASED  # noqa: F401  (what a value whose data key is gone opens to)
from ..errors import BadValue, NotFound, Refused
from ..i18n import _

FOLDER = "keys"
FORMAT = 1
AGE_TYPES = ("ssh-ed25519", "ssh-rsa")          # the SSH keys age can encrypt to
ENV_KEY = "WUYECTL_SIGNING_KEY"


def _suite():
    from cryptography.hazmat.primitives import hpke

    return hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _raw_private(key) -> bytes:
    from cryptography.hazmat.primitives import serialization as s

    return key.private_bytes(s.Encoding.Raw, s.PrivateFormat.Raw, s.NoEncryption())


def _raw_public(key) -> bytes:
    from cryptography.hazmat.primitives import serialization as s

    return key.public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)


def _new_pair():
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    return X25519PrivateKey.generate()


def _private(raw: bytes):
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    return X25519PrivateKey.from_private_bytes(raw)


def _public(raw: bytes):
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    return X25519PublicKey.from_public_bytes(raw)


def _info(purpose: str, key_id: str) -> bytes:
    """HPKE's `info`: binds a ciphertext to what it is and to the key it was made for, so a
    sealed value moved to another key's name, or a data key to another subject, fails."""
    return f"wuyectl/{FORMAT} {purpose} {key_id}".encode("utf-8")


# -- who the office key is for -----------------------------------------------------------------
@dataclass(frozen=True)
class Recipient:
    name: str
    line: str            # the roster's public key line
    fingerprint: str


def recipients(config: Mapping) -> tuple[list[Recipient], list[str]]:
    """(the people the office key is for: on the roster, not gone, in a reveal role, with an
    SSH key age can encrypt to; the names of those in a reveal role who are left out, with why)."""
    from ..domain.privacy import reveal_roles
    from .signing import parse_public_key

    roles = reveal_roles(config)
    found: list[Recipient] = []
    left_out: list[str] = []
    for person in config.get("staff") or []:
        if not isinstance(person, Mapping) or person.get("role") not in roles or person.get("active") is False:
            continue
        name = str(person.get("name"))
        line = person.get("signing_key")
        if not line:
            left_out.append(_("{name} (no SSH key on the roster)").format(name=name))
            continue
        try:
            key = parse_public_key(str(line))
        except BadValue:
            left_out.append(_("{name} (the roster's key line is not a key)").format(name=name))
            continue
        if key.kind not in AGE_TYPES:
            left_out.append(_("{name} (a {type} key: keys are wrapped for ssh-ed25519 or ssh-rsa)").format(
                name=name, type=key.kind))
            continue
        found.append(Recipient(name, f"{key.kind} {key.base64}", key.fingerprint))
    return found, left_out


# -- the person's own key -------------------------------------------------------------------
@dataclass
class Identity:
    """The private SSH key of the person revealing (WUYECTL_SIGNING_KEY), as age reads it."""

    path: str
    age: object

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Identity":
        environ = os.environ if environ is None else environ
        path = environ.get(ENV_KEY) or ""
        if not path:
            raise Refused(_("reading personal numbers takes your SSH key: set {variable} to your private key "
                            "file (the one whose public half is yours on the roster)").format(variable=ENV_KEY))
        return cls.from_file(os.path.abspath(os.path.expanduser(path)))

    @classmethod
    def from_file(cls, path: str) -> "Identity":
        from pyrage import IdentityError, ssh

        try:
            with open(path, "rb") as fh:
                data = fh.read(256 * 1024)
        except OSError as exc:
            raise BadValue(_("{variable} ({path}): cannot read it ({error})").format(
                variable=ENV_KEY, path=path, error=exc.strerror or exc)) from None
        try:
            return cls(path, ssh.Identity.from_buffer(data))
        except IdentityError as exc:
            why = str(exc)
            head = data.lstrip()[:64]
            if "decrypted" in why:
                reason = _("it has a passphrase; age reads only a key without one (ssh-keygen -p -f KEY removes it; "
                           "keep the file readable by you alone)")
            elif head.startswith((b"ssh-", b"ecdsa-", b"sk-")):
                reason = _("this is a public key: give the private key file (the one without .pub)")
            elif head.startswith(b"-----BEGIN"):
                reason = _("a kind of key the office key cannot be wrapped for: ssh-ed25519 or ssh-rsa only")
            else:
                reason = _("not an unencrypted OpenSSH private key (ssh-ed25519 or ssh-rsa)")
            raise BadValue(_("{variable} ({path}): {reason}").format(variable=ENV_KEY, path=path,
                                                                      reason=reason)) from None


# -- the keystore -----------------------------------------------------------------------------
class Keystore:
    """The keys of one repository (`.git/wuyectl/keys`)."""

    def __init__(self, gitdir: str):
        self.root = os.path.join(gitdir, "wuyectl", FOLDER)

    # reading
    def current(self) -> str | None:
        try:
            with open(os.path.join(self.root, "current"), encoding="ascii") as fh:
                text = fh.read().strip()
        except FileNotFoundError:
            return None
        return text or None

    def exists(self) -> bool:
        return self.current() is not None

    def office(self) -> dict:
        kek = self.current()
        if kek is None:
            raise NotFound(_("this office has no keys yet (wuyectl migrate encrypt makes them)"))
        with open(os.path.join(self.root, kek, "office.json"), encoding="utf-8") as fh:
            return json.load(fh)

    def _data_folder(self, kek: str | None = None) -> str:
        return os.path.join(self.root, kek or self.current() or "-", "data")

    def data_key(self, key_id: str) -> dict | None:
        try:
            with open(os.path.join(self._data_folder(), key_id + ".json"), encoding="utf-8") as fh:
                return json.load(fh)
        except FileNotFoundError:
            return None

    def data_keys(self, subject: str | None = None) -> list[str]:
        """The ids of the data keys (of `subject`, or all)."""
        try:
            names = os.listdir(self._data_folder())
        except FileNotFoundError:
            return []
        ids = sorted(n[:-5] for n in names if n.endswith(".json"))
        if subject is None:
            return ids
        return [i for i in ids if i.rsplit(".", 1)[0] == subject]

    # writing (under the repository lock)
    def _write(self, path: str, doc: Mapping) -> None:
        from .shared import atomic_write

        atomic_write(path, (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8"))

    def create(self, config: Mapping, by: str, at: str) -> dict:
        """The office's first office key, for the people `recipients(config)` gives."""
        if self.exists():
            return self.office()
        kek = _new_pair()
        kek_id = "K-" + secrets.token_hex(4)
        doc = self._office_doc(kek_id, kek, config, by, at)
        os.makedirs(self._data_folder(kek_id), exist_ok=True)
        self._write(os.path.join(self.root, kek_id, "office.json"), doc)
        self._switch(kek_id)
        return doc

    def _office_doc(self, kek_id: str, kek, config: Mapping, by: str, at: str) -> dict:
        import pyrage
        from pyrage import ssh

        from ..domain import codes
        from ..domain.privacy import reveal_roles

        people, _left_out = recipients(config)
        if not people:
            roles = reveal_roles(config)
            raise Refused(_("nobody could read the sealed numbers: no one in the reveal roles ({roles}) has an "
                            "SSH key on the roster that keys can be wrapped for (wuyectl staff key NAME "
                            "--file KEY.pub, ssh-ed25519 or ssh-rsa)").format(roles=codes.shown_list("role", roles)))
        wrapped = pyrage.encrypt(_raw_private(kek), [ssh.Recipient.from_str(p.line) for p in people])
        return {"format": FORMAT, "id": kek_id, "public": _b64(_raw_public(kek.public_key())),
                "wrapped": _b64(wrapped), "at": at, "by": by,
                "recipients": [{"name": p.name, "fingerprint": p.fingerprint} for p in people]}

    def _switch(self, kek_id: str) -> None:
        from .shared import atomic_write

        atomic_write(os.path.join(self.root, "current"), (kek_id + "\n").encode("ascii"))

    def new_data_key(self, subject: str, at: str) -> tuple[str, object]:
        """A new data key for `subject`: (its id, its public key)."""
        office = self.office()
        pair = _new_pair()
        key_id = f"{subject}.{secrets.token_hex(4)}"
        sealed = _suite().encrypt(_raw_private(pair), _public(_unb64(office["public"])), info=_info("data-key", key_id))
        public = pair.public_key()
        self._write(os.path.join(self._data_folder(office["id"]), key_id + ".json"),
                    {"format": FORMAT, "id": key_id, "subject": subject, "public": _b64(_raw_public(public)),
                     "sealed": _b64(sealed), "office_key": office["id"], "at": at})
        return key_id, public

    def destroy(self, subject: str) -> list[str]:
        """Delete every data key of `subject`; the ids deleted."""
        return [key_id for key_id in self.data_keys(subject) if self.destroy_key(key_id)]

    def destroy_key(self, key_id: str) -> bool:
        """Delete one data key (False: there was none)."""
        path = os.path.join(self._data_folder(), key_id + ".json")
        if not os.path.exists(path):
            return False
        _shred(path)
        return True

    def rewrap(self, config: Mapping, identity: Identity, by: str, at: str) -> tuple[str, list[str], list[str]]:
        """Wrap the office key for exactly the people `config` allows; returns (what was done:
        "same" | "wrapped" | "rotated", names added, names removed). When anyone is removed,
        the office key is replaced by a new one and every data key sealed to it again, so a
        removed person's key opens nothing wrapped from now on."""
        office = self.office()
        people, _left_out = recipients(config)
        before = {r["fingerprint"]: r["name"] for r in office.get("recipients", [])}
        after = {p.fingerprint: p.name for p in people}
        added = [after[f] for f in after if f not in before]
        removed = [before[f] for f in before if f not in after]
        if not added and not removed:
            return "same", [], []
        kek = unwrap_office_key(office, identity)
        if not removed:
            doc = self._office_doc(office["id"], kek, config, by, at)
            self._write(os.path.join(self.root, office["id"], "office.json"), doc)
            return "wrapped", added, removed
        new = _new_pair()
        new_id = "K-" + secrets.token_hex(4)
        doc = self._office_doc(new_id, new, config, by, at)
        folder = self._data_folder(new_id)
        os.makedirs(folder, exist_ok=True)
        suite = _suite()
        new_public = new.public_key()
        for key_id in self.data_keys():
            entry = self.data_key(key_id)
            if entry is None:
                continue
            raw = suite.decrypt(_unb64(entry["sealed"]), kek, info=_info("data-key", key_id))
            entry = {**entry, "sealed": _b64(suite.encrypt(raw, new_public, info=_info("data-key", key_id))),
                     "office_key": new_id}
            self._write(os.path.join(folder, key_id + ".json"), entry)
        self._write(os.path.join(self.root, new_id, "office.json"), doc)
        old = office["id"]
        self._switch(new_id)
        shutil.rmtree(os.path.join(self.root, old), ignore_errors=True)
        return "rotated", added, removed

    def tidy(self) -> None:
        """Remove office-key folders `current` does not name (a rotation that was cut short)."""
        kek = self.current()
        try:
            names = os.listdir(self.root)
        except FileNotFoundError:
            return
        for name in names:
            if name.startswith("K-") and name != kek:
                shutil.rmtree(os.path.join(self.root, name), ignore_errors=True)


def _shred(path: str) -> None:
    """Overwrite a key file before unlinking it (a best effort: a copy-on-write or journalled
    filesystem, or a backup, may keep the old blocks; the README says so)."""
    try:
        size = os.path.getsize(path)
        with open(path, "r+b") as fh:
            fh.write(secrets.token_bytes(size))
            fh.flush()
            os.fsync(fh.fileno())
    except OSError:
        pass
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def unwrap_office_key(office: Mapping, identity: Identity):
    import pyrage

    try:
        raw = pyrage.decrypt(_unb64(office["wrapped"]), [identity.age])
    except pyrage.DecryptError:
        names = ", ".join(r["name"] for r in office.get("recipients", [])) or "-"
        raise Refused(_("{path}: the office's keys are not wrapped for this key (they are for: {names}); "
                        "a person who can reveal runs `wuyectl keys rewrap` after your key is on the roster").format(
            path=identity.path, names=names)) from None
    return _private(raw)


# -- sealing and opening values ---------------------------------------------------------------
class Sealer:
    """Seals values for the subjects a write touches, making a data key for a subject that has
    none (the keystore write happens before the commit; a key left by a failed commit seals
    nothing and is harmless)."""

    def __init__(self, store: Keystore, at: str):
        self.store = store
        self.at = at
        self._keys: dict[str, tuple[str, object]] = {}
        self._sealed: dict[tuple[str, str, str], str] = {}

    def key_for(self, subject: str) -> tuple[str, object]:
        if subject not in self._keys:
            entries = [e for e in map(self.store.data_key, self.store.data_keys(subject)) if e]
            if entries:
                entry = max(entries, key=lambda e: e.get("at", ""))
                self._keys[subject] = (entry["id"], _public(_unb64(entry["public"])))
            else:
                self._keys[subject] = self.store.new_data_key(subject, self.at)
        return self._keys[subject]

    def seal(self, subject: str, sort: str, value: str) -> str:
        """One write seals a value once: a number a step records both in a field and in its
        event (`--set`) reads the same in both, as the audit's replay of the step expects."""
        from ..domain.privacy import mask_as, sealed_text

        memo = (subject, sort, str(value))
        if memo not in self._sealed:
            key_id, public = self.key_for(subject)
            payload = _suite().encrypt(str(value).encode("utf-8"), public, info=_info(sort, key_id))
            self._sealed[memo] = sealed_text(key_id, mask_as(sort, value), _b64(payload))
        return self._sealed[memo]


UNREADABLE = object()    # the ciphertext does not open with its key (damaged, or moved by hand)


class Opener:
    """Opens sealed values for a person whose key the office key is wrapped for."""

    def __init__(self, store: Keystore, identity: Identity | None = None, *, check: Callable[[], None] | None = None):
        """`identity`: the key to open with (default: WUYECTL_SIGNING_KEY's, read only when a
        value is opened, after `check` — which the caller uses to make sure it is the acting
        person's own key)."""
        self.store = store
        self._identity = identity
        self._check = check
        self._data: dict[str, object] = {}

    @cached_property
    def office_key(self):
        if self._identity is None and self._check is not None:
            self._check()
        identity = self._identity or Identity.from_env()
        return unwrap_office_key(self.store.office(), identity)

    @cached_property
    def search_secret(self) -> tuple[str, bytes]:
        """(its id, the secret) that keys the hashes of values for looking records up by a
        number: derived from the office key (HKDF-SHA256), so only the people it is wrapped for
        have it, and a new office key makes a new one."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        secret = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                      info=f"wuyectl/{FORMAT} search".encode()).derive(_raw_private(self.office_key))
        return self.store.office()["id"], secret

    def keyed(self, sort: str, value: str) -> str:
        """The keyed hash (HMAC-SHA256 under the search secret) of a value in clear."""
        import hmac

        return hmac.new(self.search_secret[1], f"{sort}:{value}".encode("utf-8"), "sha256").hexdigest()

    def _data_key(self, key_id: str):
        if key_id not in self._data:
            entry = self.store.data_key(key_id)
            if entry is None:
                self._data[key_id] = None
            else:
                raw = _suite().decrypt(_unb64(entry["sealed"]), self.office_key, info=_info("data-key", key_id))
                self._data[key_id] = _private(raw)
        return self._data[key_id]

    def open(self, value: str, sort: str):
        """The clear text of a sealed value; ERASED when its data key no longer exists."""
        from cryptography.exceptions import InvalidTag

        from ..domain.privacy import sealed_parts

        parts = sealed_parts(value)
        if parts is None:
            return value
        key_id, _mask, payload = parts
        key = self._data_key(key_id)
        if key is None:
            return ERASED
        try:
            return _suite().decrypt(_unb64(payload), key, info=_info(sort, key_id)).decode("utf-8")
        except (InvalidTag, ValueError):
            return UNREADABLE


def subjects_sealed(values: Iterable[str]) -> set[str]:
    from ..domain.privacy import sealed_parts, subject_of_key

    return {subject_of_key(p[0]) for p in map(sealed_parts, values) if p}
