"""Logging: the format, and a guard on what must never be logged.

SQLAlchemy logs result rows when its engine logger is set to DEBUG (`echo="debug"`), and a
verification row holds the request (PHI); statements' parameters are already hidden by the
engine's `hide_parameters`. The guard drops row records, whoever turns that level on.
"""

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_ROW_MESSAGES = {"Row %r", "Col %r"}


class NoResultRows(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in _ROW_MESSAGES


def configure(level: str) -> None:
    logging.basicConfig(level=level, format=FORMAT)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    engine_log = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(existing, NoResultRows) for existing in engine_log.filters):
        engine_log.addFilter(NoResultRows())
