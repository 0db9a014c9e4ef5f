"""Lets the xlwings add-in's "Run main" button re-optimise PMO_Portfolio.xlsm.

The add-in imports the module named after the workbook and calls its `main()`; keep this
file beside the workbook (`pmo new` writes one beside every new workbook).
"""

from udfs.entry import main

__all__ = ["main"]
