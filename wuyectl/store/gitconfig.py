"""A repository's own git config file, read as git reads the settings that describe the
repository itself (its object format, core.sharedRepository): the file alone, no includes —
and cheaper than a git process on every command."""
from __future__ import annotations


def config_values(config: str, section: str, name: str) -> list[str | None]:
    """Every value of `section.name` in one git config file, in order (the last wins, as in
    git; None for a bare `name` line, git's "true"), read from the file itself: no includes,
    as git reads a repository's own format settings, and cheaper than a git process."""
    try:
        with open(config, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return []
    found: list[str | None] = []
    current = ""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):                      # [core] (a key may follow on the line)
            header, _, line = line[1:].partition("]")
            current = header.strip().split(" ")[0].lower()
            line = line.strip()
        if not line or line[0] in "#;" or current != section:
            continue
        key, eq, value = line.partition("=")
        if key.strip().lower() == name:
            found.append(value.split("#")[0].split(";")[0].strip().strip('"').strip() if eq else None)
    return found
