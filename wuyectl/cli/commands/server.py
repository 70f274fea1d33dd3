"""`server`: the hooks on the bare repository the offices push to (docs/server.md)."""
from __future__ import annotations

import os
import sys

import click

from ...errors import Exit
from ...i18n import _


@click.group()
def server():
    """The git server's side: hooks that refuse what `wuyectl audit` would flag and keep a
    receipt of every push (docs/server.md; gitolite3 included)."""


@server.command("install")
@click.argument("bare_repo", metavar="BARE_REPO")
def install(bare_repo):
    """Install the pre-receive and post-receive hooks into BARE_REPO (a bare repository on the
    server, e.g. /var/lib/gitolite3/repositories/office.git). The hooks run this same Python,
    which the server's account (gitolite3) must be able to run and import wuyectl with."""
    from ...app import server as serving

    written = serving.install(bare_repo)
    click.echo(_("{folder}: {hooks} (run by {python})").format(
        folder=os.path.dirname(written[0]), hooks=", ".join(os.path.basename(p) for p in written), python=sys.executable))


def _hook_input() -> tuple[str, list]:
    from ...app import server as serving

    gitdir = os.path.abspath(os.environ.get("GIT_DIR") or ".")
    return gitdir, serving.parse_updates(sys.stdin.read())


@server.command("pre-receive")
def pre_receive():
    """Run by the pre-receive hook: read git's `OLD NEW REF` lines and refuse the push (exit 5,
    one line per problem) when a ref is deleted or rewritten, or a new commit fails the
    history replay or was made by someone else than the pusher (gitolite's GL_USER)."""
    from ...app import server as serving

    gitdir, updates = _hook_input()
    problems = serving.refusals(gitdir, updates, login=os.environ.get("GL_USER") or None)
    for line in problems:
        click.echo(f"wuyectl: refused: {line}", err=True)
    if problems:
        raise SystemExit(Exit.REFUSED)


@server.command("post-receive")
def post_receive():
    """Run by the post-receive hook: note each accepted push (the server's time, the pusher,
    the ref, old and new) on its new tip in refs/notes/wuyectl-received."""
    from ...app import server as serving

    gitdir, updates = _hook_input()
    serving.record_receipts(gitdir, updates)


COMMANDS = [server]
