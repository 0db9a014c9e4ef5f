"""`python -m workbook`: the `pmo` command."""

import sys

from workbook.cli import main

sys.exit(main())
