"""The read index never serves stale data: whatever git or a person does, listings match the files."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import ticket_path


def _statuses(cli) -> dict:
    return {t["id"]: (t["status"], t["description"]) for t in json.loads(cli("get", "tickets", "-o", "json").out)}


def test_listing_follows_hand_edits_commits_checkouts_and_a_deleted_index(cli, git, office, new_ticket):
    a, b = new_ticket(), new_ticket()
    seen = _statuses(cli)
    assert seen == {a: ("received", seen[a][1]), b: ("received", seen[b][1])}
    path = office / ticket_path(a)
    original = path.read_text(encoding="utf-8")
    # 1. a hand edit, not committed
    path.write_text(original.replace("description: ", "description: 手改 "), encoding="utf-8")
    assert _statuses(cli)[a][1].startswith("手改 ")
    # 2. the same edit committed by hand
    git("commit", "-q", "--no-verify", "-am", "hand")
    assert _statuses(cli)[a][1].startswith("手改 ")
    # 3. an action through the tool, then going back a commit with git
    assert cli("assign", b, "--to", "李明", "--as", "王芳").code == 0
    assert _statuses(cli)[b][0] == "assigned"
    git("reset", "-q", "--hard", "HEAD~1")
    assert _statuses(cli)[b][0] == "received"
    # 4. a new record file made by hand, and one removed by hand
    copy = office / ticket_path("T-20261122-A009")
    copy.write_text(original.replace(a, "T-20261122-A009"), encoding="utf-8")
    assert "T-20261122-A009" in _statuses(cli)
    copy.unlink()
    (office / ticket_path(b)).unlink()
    assert set(_statuses(cli)) == {a}
    git("checkout", "-q", "--", ticket_path(b))
    # 5. deleting the index changes no output
    before = cli("get", "tickets", "-o", "json").out
    for name in ("index.sqlite", "index.sqlite-wal", "index.sqlite-shm"):
        (office / ".git" / "wuyectl" / name).unlink(missing_ok=True)
    assert cli("get", "tickets", "-o", "json").out == before
    # 6. a corrupt index is rebuilt, never trusted
    (office / ".git" / "wuyectl" / "index.sqlite").write_bytes(b"not a database")
    assert cli("get", "tickets", "-o", "json").out == before
    assert Path(office / ".git" / "wuyectl" / "index.sqlite").read_bytes()[:15] == b"SQLite format 3"
