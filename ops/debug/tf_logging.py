"""``tf.logging`` (TF1) and ``tf.get_logger``: Python's logging as TensorFlow sets it up.

As TF's ``tf_logging``: one logger named ``tensorflow``; unless the program configured the
root logger itself, it gets a stderr handler printing ``INFO:tensorflow:message``, and its
verbosity (default: the root's, WARNING) is what ``set_verbosity`` sets.
"""
from __future__ import annotations

import logging as _logging
import sys as _sys
import threading as _threading
from typing import Any

DEBUG = _logging.DEBUG
INFO = _logging.INFO
WARN = _logging.WARNING
ERROR = _logging.ERROR
FATAL = _logging.FATAL

_lock = _threading.Lock()
_logger: _logging.Logger | None = None


def get_logger() -> _logging.Logger:
    """The ``tensorflow`` logger, given TF's stderr handler on first use."""
    global _logger
    with _lock:
        if _logger is None:
            logger = _logging.getLogger("tensorflow")
            if not _logging.getLogger().handlers:   # the program configured logging itself
                handler = _logging.StreamHandler(_sys.stderr)
                handler.setFormatter(_logging.Formatter(_logging.BASIC_FORMAT, None))
                logger.addHandler(handler)
            _logger = logger
    return _logger


def log(level: int, msg: Any, *args, **kwargs) -> None:
    get_logger().log(level, msg, *args, **kwargs)


def debug(msg: Any, *args, **kwargs) -> None:
    get_logger().debug(msg, *args, **kwargs)


def info(msg: Any, *args, **kwargs) -> None:
    get_logger().info(msg, *args, **kwargs)


def warning(msg: Any, *args, **kwargs) -> None:
    get_logger().warning(msg, *args, **kwargs)


warn = warning


def error(msg: Any, *args, **kwargs) -> None:
    get_logger().error(msg, *args, **kwargs)


def fatal(msg: Any, *args, **kwargs) -> None:
    get_logger().fatal(msg, *args, **kwargs)


def vlog(level: int, msg: Any, *args, **kwargs) -> None:
    """TF's verbose log: level ``level`` of Python's numbering."""
    get_logger().log(level, msg, *args, **kwargs)


def log_if(level: int, msg: Any, condition: bool, *args) -> None:
    if condition:
        vlog(level, msg, *args)


_counts: dict[tuple, int] = {}


def _next_count(key: tuple) -> int:
    with _lock:
        count = _counts.get(key, 0)
        _counts[key] = count + 1
    return count


def log_every_n(level: int, msg: Any, n: int, *args) -> None:
    """Logs on the first call from a call site and every ``n``-th after it."""
    caller = _sys._getframe(1)
    if _next_count((caller.f_code.co_filename, caller.f_lineno)) % max(n, 1) == 0:
        vlog(level, msg, *args)


def log_first_n(level: int, msg: Any, n: int, *args) -> None:
    """Logs only the first ``n`` calls from a call site."""
    caller = _sys._getframe(1)
    if _next_count((caller.f_code.co_filename, caller.f_lineno)) < n:
        vlog(level, msg, *args)


def flush() -> None:
    for handler in get_logger().handlers:
        handler.flush()


def set_verbosity(v: int) -> None:
    get_logger().setLevel(v)


def get_verbosity() -> int:
    return get_logger().getEffectiveLevel()


EXPORTS = {
    "logging": ["DEBUG", "ERROR", "FATAL", "INFO", "WARN", "debug", "error", "fatal", "flush",
                "get_verbosity", "info", "log", "log_every_n", "log_first_n", "log_if",
                "set_verbosity", "vlog", "warn", "warning"],
    "": ["get_logger"],
}
