"""Logging: the format (text, or JSON with `BV_LOG_FORMAT=json`), the request id on every line, and a
guard on what must never be logged.

SQLAlchemy logs result rows when its engine logger is set to DEBUG (`echo="debug"`), and a
verification row holds the request (PHI); statements' parameters are already hidden by the
engine's `hide_parameters`. The guard drops row records, whoever turns that level on.
"""

import logging

from pythonjsonlogger.json import JsonFormatter

from service import request_ids

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
# The same fields as the text format, as keys of one JSON object per line.
JSON_FIELDS = ("asctime", "levelname", "name", "request_id", "message")
_ROW_MESSAGES = {"Row %r", "Col %r"}


class NoResultRows(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in _ROW_MESSAGES


class RequestId(logging.Filter):
    """Puts the id of the request (or task) being worked on on each record; "-" outside one."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_ids.current.get() or "-"
        return True


def formatter(log_format: str = "text") -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter(JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})
    if log_format != "text":
        raise ValueError(f"BV_LOG_FORMAT must be text or json, not {log_format!r}")
    return logging.Formatter(FORMAT)


def configure(level: str, log_format: str = "text") -> None:
    chosen = formatter(log_format)
    logging.basicConfig(level=level)
    for handler in logging.getLogger().handlers:
        # Only the handler basicConfig made (or an earlier call): a test runner's capture keeps its own format.
        if type(handler) is logging.StreamHandler:
            handler.setFormatter(chosen)
            if not any(isinstance(existing, RequestId) for existing in handler.filters):
                handler.addFilter(RequestId())
    logging.getLogger("alembic").setLevel(logging.WARNING)
    engine_log = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(existing, NoResultRows) for existing in engine_log.filters):
        engine_log.addFilter(NoResultRows())
