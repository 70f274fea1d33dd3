"""The command line: parse options, call `wuyectl.api`, render, map errors.

1. `main.py` — the `wuyectl` group, error → exit-code mapping, command registration.
2. `options.py` — shared options as decorators (global options work before or after the verb).
3. `output.py` — the one renderer: table, JSON, YAML, CSV, bare IDs.
4. `commands/` — one module per group of commands.
Heavy libraries (ruamel.yaml, jsonschema, tabulate) are imported inside commands, so
`wuyectl --help` starts fast.
"""
