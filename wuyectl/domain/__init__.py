"""The domain: what the office's records mean, with no I/O.

1. `kinds` — one module per record kind (ticket, visit, violation, archive, owner, survey)
   declaring everything about it, and the registry that collects them (`KINDS`).
2. `workflow` — the engine: a kind declares states and actions as data; `apply()` checks
   role, state and required fields and changes the record; `Workflow.replay()` gives the state
   a timeline leads to.
3. `sla` — the ticket's time limits (SPEC §2.1) computed from its timeline and "now".
4. `codes` — enumerated values (stable English code) with Chinese and English labels, and
   `resolve()` that accepts either as input; kinds bring their own when registered.
5. `privacy` — masking of the personal numbers the kinds declare.
6. `findings` — the codes of validation problems and audit findings.
"""
