"""Render one sheet of a workbook with LibreOffice, to PDF and then to a PNG, and measure ink.

LibreOffice prints every sheet, hidden or not, each on one page (SinglePageSheets), in the
workbook's order: the sheet's page is its position, checked by its title (cell A1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl

from workbook.headless.recalc import LibreOffice

PDF_FILTER = 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'


def render_sheet(
    office: LibreOffice, book: Path, sheet: str, folder: Path, scale: float = 1.0
) -> Path:
    """`folder/<sheet>.png`: the sheet as LibreOffice prints it."""
    folder.mkdir(parents=True, exist_ok=True)
    only = folder / f"render-{book.name}"
    shutil.copy(book, only)
    wb = openpyxl.load_workbook(book, read_only=True)
    page = wb.sheetnames.index(sheet)
    wb.close()
    with tempfile.TemporaryDirectory() as profile:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL"))}
        subprocess.run(
            [
                str(office.soffice),
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--convert-to",
                PDF_FILTER,
                "--outdir",
                str(folder),
                str(only),
            ],
            check=True,
            capture_output=True,
            timeout=180,
            env=env,
        )
    pdf = folder / f"{only.stem}.pdf"
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        title = document[page].get_textpage().get_text_range()
        assert title.startswith(sheet), f"page {page} is not the sheet {sheet}: {title[:40]!r}"
        image = document[page].render(scale=scale).to_pil()
    finally:
        document.close()
    png = folder / f"{sheet}.png"
    image.save(png)
    shutil.copy(pdf, folder / f"{sheet}.pdf")
    return png


def ink(png: Path, box: tuple[float, float, float, float] = (0, 0, 1, 1)) -> dict[str, float]:
    """Share of non-white pixels, and of coloured (not grey) ones, in a box of the image
    (fractions of width and height: left, top, right, bottom)."""
    from PIL import Image

    image = Image.open(png).convert("RGB")
    w, h = image.size
    crop = image.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    flat = getattr(crop, "get_flattened_data", None) or crop.getdata  # Pillow 12 renamed it
    pixels = list(flat())
    dark = sum(1 for r, g, b in pixels if min(r, g, b) < 230)
    coloured = sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 40)
    total = max(len(pixels), 1)
    return {"ink": dark / total, "colour": coloured / total}
