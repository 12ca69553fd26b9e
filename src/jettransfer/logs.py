"""Logging for pipeline jobs: everything, tracebacks included, goes to the rule's log file.

Snakemake deletes a job's log before it runs the job again (a retry, or a rerun after a
failure), so a job that fails keeps a copy of its log beside it, `<name>.failed-<time>.log`,
and says so in the log's last line.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import time
from pathlib import Path

log = logging.getLogger("jettransfer")


def setup_job_logging(log_path: str | os.PathLike | None) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        os.makedirs(os.path.dirname(os.fspath(log_path)) or ".", exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w"))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        handlers=handlers, force=True)

    def log_uncaught(kind, value, traceback):
        log.critical("job failed", exc_info=(kind, value, traceback))
        keep_failed_log(log_path)

    def log_terminated(signum, frame):
        log.critical("job terminated by %s (a scheduler's time or memory limit, scancel, or Snakemake stopping)",
                     signal.Signals(signum).name)
        keep_failed_log(log_path)
        raise SystemExit(128 + signum)

    sys.excepthook = log_uncaught
    signal.signal(signal.SIGTERM, log_terminated)


def keep_failed_log(log_path: str | os.PathLike | None) -> Path | None:
    """Copy the log of a failed job where Snakemake will not delete it; the copy's path."""
    if not log_path or not os.path.exists(log_path):
        return None
    path = Path(log_path)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    kept = path.with_name(f"{path.stem}.failed-{stamp}{path.suffix}")
    attempt = 1
    while kept.exists():  # a retry that failed within the same second
        attempt += 1
        kept = path.with_name(f"{path.stem}.failed-{stamp}-{attempt}{path.suffix}")
    log.critical("this log is kept as %s", kept)
    for handler in logging.getLogger().handlers:
        handler.flush()
    shutil.copyfile(path, kept)
    return kept
