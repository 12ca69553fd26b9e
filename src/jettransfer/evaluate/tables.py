"""Result tables, written twice: CSV for machines, Markdown for people."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import pandas as pd

from jettransfer.data.atomic import atomic_path


def write_table(rows: Sequence[dict[str, Any]], csv_path: str | os.PathLike, markdown_path: str | os.PathLike,
                title: str, formats: dict[str, str] | None = None, notes: Sequence[str] = ()) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows))
    with atomic_path(csv_path) as tmp:
        frame.to_csv(tmp, index=False)
    with atomic_path(markdown_path) as tmp:
        tmp.write_text(markdown_table(frame, title, formats or {}, notes))
    return frame


def markdown_table(frame: pd.DataFrame, title: str, formats: dict[str, str], notes: Sequence[str] = ()) -> str:
    def cell(column: str, value: Any) -> str:
        if isinstance(value, float):
            if math.isnan(value):
                return "-"
            if math.isinf(value):
                return "inf"
            return format(value, formats.get(column, ".4g"))
        return str(value)

    lines = [f"# {title}", "", "| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(cell(c, row[c]) for c in frame.columns) + " |")
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"
