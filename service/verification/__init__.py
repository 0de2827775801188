"""A verification's lifecycle, one module per step, each importing only those listed before it:

- `row`: a verification's row as the lifecycle holds it (one field per column of the table);
- `store`: every statement the lifecycle runs on the verifications table, on SQLite and PostgreSQL;
- `cache`: finished results in Redis, the task's claim, and `announcements` that a task is done;
- `document`: the contract's JSON of a verification, and its link;
- `queue`: sending the tasks, and `finished`: what follows a verification's end (webhook, batch);
- `accept`: the API's side (submit, idempotency, joining an identical request, waiting);
- `run`: the worker's side (mark running, evaluate the rules, finish, announce).

Views call `accept` and `document`; tasks call `run`.
"""
