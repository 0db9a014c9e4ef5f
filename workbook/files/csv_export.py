"""The plan and its inputs as CSV files, one per table, for tools other than Excel.

`write_csv(portfolio, result, folder)` writes the frames of `engine.frames`: the result's
(`projects.csv`, `utilisation.csv`, `summary.csv`, `messages.csv`) and the inputs' with an
`input_` prefix (`input_projects.csv`, `input_demands.csv`, ...). UTF-8, a header row, no
index column, months as `YYYY-MM`, blanks for missing values. Each file is replaced whole
(never left half-written); the folder is created when missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from engine.errors import FileError
from engine.frames import portfolio_frames, result_frames
from engine.model import Portfolio
from engine.result import Result
from workbook.files.atomic import replacing

INPUT_PREFIX = "input_"


def csv_tables(portfolio: Portfolio, result: Result) -> dict[str, pd.DataFrame]:
    """File stem -> DataFrame, in the order they are written: the result's, then the inputs'."""
    tables = dict(result_frames(portfolio, result))
    tables.update(
        {f"{INPUT_PREFIX}{name}": data for name, data in portfolio_frames(portfolio).items()}
    )
    return tables


def write_csv(portfolio: Portfolio, result: Result, folder: str | os.PathLike[str]) -> list[Path]:
    """Write every table as `<name>.csv` into `folder` (created if missing); the paths written.

    Raises FileError when the folder cannot be created or a file cannot be written.
    """
    target = Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise FileError(
            f"cannot create the CSV folder {target}: {error.strerror or error}"
        ) from None
    written = []
    for name, data in csv_tables(portfolio, result).items():
        path = target / f"{name}.csv"
        try:
            with replacing(path) as temp:
                data.to_csv(temp, index=False, encoding="utf-8")
        except OSError as error:
            raise FileError(f"cannot write {path}: {error.strerror or error}") from None
        written.append(path)
    return written
