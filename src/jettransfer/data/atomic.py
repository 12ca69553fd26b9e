"""Write-then-rename, so a failed or interrupted stage never leaves a half-written file."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path to write; it replaces `path` only if the block succeeds.

    The temporary file has the final file's name, inside a private folder beside it: some
    formats record their own file name (ROOT does), and the bytes must not depend on the
    temporary name. Writers that pick a format from the suffix (numpy, matplotlib) also see it.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    workdir = final.parent / f".{final.name}.partial-{os.getpid()}"
    workdir.mkdir(exist_ok=True)
    try:
        tmp = workdir / final.name
        yield tmp
        os.replace(tmp, final)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
