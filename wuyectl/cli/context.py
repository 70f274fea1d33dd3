"""What one invocation was told (--repo, --as, --lang, the office opened): kept on click's
root context, where the options store it and completion reads it."""
from __future__ import annotations

import click

_KEY = "wuyectl.settings"
seen: list[dict] = []   # this invocation's settings, for messages printed once click's context is gone


def settings(ctx: click.Context | None = None) -> dict:
    ctx = ctx or click.get_current_context()
    found = ctx.find_root().meta.setdefault(_KEY, {})
    seen[:] = [found]
    return found
