"""Logging for pipeline jobs: everything, tracebacks included, goes to the rule's log file."""

from __future__ import annotations

import logging
import os
import sys


def setup_job_logging(log_path: str | os.PathLike | None) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        os.makedirs(os.path.dirname(os.fspath(log_path)) or ".", exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w"))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        handlers=handlers, force=True)

    def log_uncaught(kind, value, traceback):
        logging.getLogger("jettransfer").critical("job failed", exc_info=(kind, value, traceback))

    sys.excepthook = log_uncaught
