"""``tf.logging`` (TF1): Python's logging under TF's names and verbosity constants."""
import logging as _logging

DEBUG = _logging.DEBUG
INFO = _logging.INFO
WARN = _logging.WARNING
ERROR = _logging.ERROR
FATAL = _logging.FATAL

_logger = _logging.getLogger("sessionflow")
debug = _logger.debug
info = _logger.info
warn = warning = _logger.warning
error = _logger.error
fatal = _logger.critical
log = _logger.log


def set_verbosity(v: int) -> None:
    _logger.setLevel(v)


def get_verbosity() -> int:
    return _logger.getEffectiveLevel()


EXPORTS = {"logging": ["DEBUG", "ERROR", "FATAL", "INFO", "WARN", "debug", "error", "fatal",
                       "get_verbosity", "info", "log", "set_verbosity", "warn", "warning"]}
