"""The use cases: what the office does, one module each, named by what a newcomer looks for.

1. `office` — making an office repo, the staff roster, who is acting, who may see personal
   numbers;
2. `tickets` — registering a request, dispatching it, its callback; `records` — any workflow
   action on records of any kind, escalation, an edit through the tool, opening a record of a
   kind that declares how;
3. `households`, `visits`, `violations`, `archive` — opening those records (and importing a
   roster, drawing a survey sample, lending and destroying archive items);
4. `ticket_import` — bringing in a ticket history from a spreadsheet;
5. `listing` — listing and showing records; `audit` — a record's log and the audit of the
   history; `sync` — fetch, merge, validate, push.

Each takes typed values and returns IDs or result objects; the rules are the kinds' own
(`domain/kinds`), the writing is the store's (`store.transaction`). `wuyectl.api` is the public
facade over these.
"""
