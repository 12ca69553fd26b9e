"""Result tables, written twice: CSV for machines, Markdown for people."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import pandas as pd

from jettransfer.data.atomic import atomic_path


def write_table(rows: Sequence[dict[str, Any]], csv_path: str | os.PathLike, markdown_path: str | os.PathLike,
                title: str, formats: dict[str, str] | None = None, notes: Sequence[str] = (),
                errors: dict[str, str] | None = None,
                markdown_rows: Sequence[dict[str, Any]] | None = None) -> pd.DataFrame:
    """`markdown_rows`, when given, lay the Markdown out differently from the CSV's rows (e.g. wide,
    as a paper prints the table, beside a long, machine-readable CSV)."""
    frame = pd.DataFrame(list(rows))
    shown = frame if markdown_rows is None else pd.DataFrame(list(markdown_rows))
    with atomic_path(csv_path) as tmp:
        frame.to_csv(tmp, index=False)
    with atomic_path(markdown_path) as tmp:
        tmp.write_text(markdown_table(shown, title, formats or {}, notes, errors or {}))
    return frame


def markdown_table(frame: pd.DataFrame, title: str, formats: dict[str, str], notes: Sequence[str] = (),
                   errors: dict[str, str] | None = None) -> str:
    """`errors` maps a column to the column of its uncertainty, shown as "value ± error"."""
    errors = errors or {}

    def cell(column: str, value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, float):
            if math.isnan(value):
                return "-"
            if math.isinf(value):
                return "inf"
            return format(value, formats.get(column, ".4g"))
        return str(value)

    def value_cell(column: str, row: pd.Series) -> str:
        text = cell(column, row[column])
        error = cell(column, row[errors[column]]) if column in errors else "-"
        return text if "-" in (text, error) else f"{text} ± {error}"

    columns = [c for c in frame.columns if c not in errors.values()]
    lines = [f"# {title}", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(value_cell(c, row) for c in columns) + " |")
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"
