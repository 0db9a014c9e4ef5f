"""engine/ stays pure: importing it never loads an Excel package."""

from __future__ import annotations

import subprocess
import sys


def test_engine_imports_no_excel_package():
    code = (
        "import sys, engine, engine.optimiser, engine.greedy, engine.checker, engine.explain;"
        "bad = [m for m in ('openpyxl', 'xlwings', 'xlsxwriter') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
