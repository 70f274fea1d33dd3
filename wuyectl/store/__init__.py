"""The office repo on disk: everything that reads or writes files or runs git.

1. `office.Office.open(path)` finds the office (the folder with `wuye.yaml`) and its git repo.
2. Reads: `office.load(id)` parses one record (round-trip); `cache.Index` gives every record of a
   kind as plain data, re-parsing only files whose git blob id changed.
3. Writes go through one door, `transaction.Transaction`: take the repo lock, re-read, apply,
   validate, write atomically, `git add` + `git commit` only those paths; on any failure the
   files and the index are put back. A journal in `.git/wuyectl/` lets the next command
   finish the clean-up if the process was killed half-way. `commit_paths` commits files a
   caller wrote itself (init, a sync's merge) through the same journal.
   Every file is written with the mode git would give it (`shared`: the umask's, plus what
   `core.sharedRepository` adds; a rewritten file keeps its mode), so an office folder
   several accounts share stays theirs; the lock (`lock`) also records which computer holds
   it, for file servers whose locks do not reach between computers.
4. `validate` holds the validators (schema, IDs and paths, the references and people each
   kind declares, each kind's own checks), each returning `Problem`s with file:line:col and a
   code.
"""
