"""`make bench`: the service's speed and memory, each figure beside a reference measured in the same run.

`python -m bench` starts the real stack on loopback (gunicorn, Celery, a private Redis, a fresh
PostgreSQL database and a SQLite file), measures, prints one table and, last, one summary line.
`bench/README.md` says what each figure means and how it is measured.
"""
