"""The domain: what the office's records mean, with no I/O.

1. `codes` — every enumerated value (stable English code) with its Chinese and English label,
   and `resolve()` that accepts either as input.
2. `workflow` — the engine: a kind declares states and actions as data (`kinds`), the engine
   checks role, state and required fields and returns the changed record.
3. `kinds` — the declarations: ticket, owner, visit.
4. `sla` — the time limits of SPEC §2.1 computed from a ticket's timeline and "now".
5. `privacy` — masking of phone and ID-card numbers.
"""
