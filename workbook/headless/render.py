"""Render workbook sheets as LibreOffice draws them: a PDF with one page per sheet, then a
picture of any page (poppler's `pdftoppm`).

The tests use it to see that the Dashboard, charts and all, renders; `python -m
workbook.headless.render [FOLDER]` makes the pictures of the delivery sheets in docs/ from
the sample, optimised and recalculated.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from engine.errors import PmoError
from workbook.headless.recalc import _PROFILE_SETTINGS, _clean_env, find_soffice

PDF_FILTER = 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'
POPPLER_HINT = "apt-get install -y --no-install-recommends poppler-utils"
DOC_SHEETS = (
    "Status",
    "Latest status",
    "RAID",
    "Gates",
    "Health",
    "Benefits",
    "Reviews",
    "Dashboard",
)
DOCS_FOLDER = Path(__file__).resolve().parents[2] / "docs" / "images"
DASHBOARD_HEIGHT = 1700  # pixels at 60 dpi: the charts and every block but the project list


class RenderError(PmoError):
    """LibreOffice or pdftoppm is missing, or did not produce the picture."""


@dataclass(frozen=True)
class Picture:
    """An RGB raster of one page: `pixels` holds width x height x 3 bytes, row by row."""

    width: int
    height: int
    pixels: bytes

    def count(self, colour: tuple[int, int, int], tolerance: int = 24) -> int:
        """How many pixels are within `tolerance` of `colour` on each channel."""
        r0, g0, b0 = colour
        data = self.pixels
        found = 0
        for i in range(0, len(data), 3):
            if (
                abs(data[i] - r0) <= tolerance
                and abs(data[i + 1] - g0) <= tolerance
                and abs(data[i + 2] - b0) <= tolerance
            ):
                found += 1
        return found

    def ink(self, below: int = 200) -> float:
        """The share of pixels darker than `below` on every channel (text, lines, bars)."""
        data = self.pixels
        dark = sum(
            1
            for i in range(0, len(data), 3)
            if data[i] < below and data[i + 1] < below and data[i + 2] < below
        )
        return dark / max(1, self.width * self.height)


def render_pdf(book: Path, out_dir: Path, timeout: float = 240.0) -> Path:
    """The workbook as a PDF, one page per sheet in workbook order (macros never run)."""
    soffice = find_soffice()
    if soffice is None:
        raise RenderError("LibreOffice is not installed; see `pmo doctor`")
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="pmo-render-"))
    try:
        settings = profile / "user" / "registrymodifications.xcu"
        settings.parent.mkdir(parents=True)
        settings.write_text(_PROFILE_SETTINGS, encoding="utf-8")
        done = subprocess.run(
            [
                str(soffice),
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                PDF_FILTER,
                "--outdir",
                str(out_dir),
                str(book),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_clean_env(),
            check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdf = out_dir / f"{book.stem}.pdf"
    if done.returncode != 0 or not pdf.is_file():
        raise RenderError(f"LibreOffice did not render {book.name}: {done.stderr.strip()[-500:]}")
    return pdf


def _pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found is None:
        raise RenderError(f"pdftoppm is not installed; install it with: {POPPLER_HINT}")
    return found


def page_count(pdf: Path) -> int:
    """Pages in the PDF, as poppler's `pdfinfo` counts them."""
    found = shutil.which("pdfinfo")
    if found is None:
        raise RenderError(f"pdfinfo is not installed; install it with: {POPPLER_HINT}")
    done = subprocess.run([found, str(pdf)], capture_output=True, text=True, timeout=60)
    for line in done.stdout.splitlines():
        if line.startswith("Pages:"):
            return int(line.split(":", 1)[1])
    raise RenderError(f"pdfinfo could not read {pdf.name}: {done.stderr.strip()}")


def page_png(
    pdf: Path, page: int, target: Path, resolution: int = 60, height: int | None = None
) -> Path:
    """One page (1-based) as a PNG at `resolution` dots per inch, cut at `height` pixels."""
    target.parent.mkdir(parents=True, exist_ok=True)
    stem = target.with_suffix("")
    pages = ["-f", str(page), "-l", str(page), "-singlefile"]
    if height is not None:
        pages += ["-x", "0", "-y", "0", "-W", "100000", "-H", str(height)]
    subprocess.run(
        [_pdftoppm(), "-png", "-r", str(resolution), *pages, str(pdf), str(stem)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return stem.with_suffix(".png")


def page_picture(pdf: Path, page: int, resolution: int = 30) -> Picture:
    """One page (1-based) as an RGB raster."""
    with tempfile.TemporaryDirectory(prefix="pmo-page-") as folder:
        stem = Path(folder) / "page"
        pages = ["-f", str(page), "-l", str(page), "-singlefile"]
        subprocess.run(
            [_pdftoppm(), "-r", str(resolution), *pages, str(pdf), str(stem)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return _read_ppm(stem.with_suffix(".ppm").read_bytes())


def _read_ppm(data: bytes) -> Picture:
    """A binary PPM (P6, 8 bits) as a Picture."""
    fields: list[bytes] = []
    at = 0
    while len(fields) < 4:
        while data[at : at + 1].isspace():
            at += 1
        if data[at : at + 1] == b"#":
            at = data.index(b"\n", at) + 1
            continue
        end = at
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[at:end])
        at = end
    if fields[0] != b"P6" or fields[3] != b"255":
        raise RenderError("pdftoppm wrote a picture this reader does not know")
    width, height = int(fields[1]), int(fields[2])
    pixels = data[at + 1 : at + 1 + width * height * 3]
    return Picture(width, height, pixels)


def docs_pictures(folder: Path = DOCS_FOLDER, time_limit: float = 10.0) -> list[Path]:
    """Pictures of the delivery sheets of the sample, optimised and recalculated."""
    from workbook import service
    from workbook.book import schema
    from workbook.files.template import build_workbook
    from workbook.headless.recalc import Recalculator

    order = [s.name for s in schema.SHEETS]
    with tempfile.TemporaryDirectory(prefix="pmo-docs-") as temp:
        book = build_workbook(Path(temp) / "PMO_Portfolio.xlsm")
        service.optimise(
            service.FileTransport(book, backup=False),
            service.Overrides(time_limit=time_limit, seed=0, workers=1),
        )
        with Recalculator() as calc:
            outcome = calc.recalc(book)
            if not outcome.ok:
                raise RenderError(outcome.error)
        pdf = render_pdf(book, Path(temp))
        made = []
        for name in DOC_SHEETS:
            slug = name.lower().replace(" ", "-")
            # the Dashboard's last block lists every project: the picture stops above it
            height = DASHBOARD_HEIGHT if name == schema.DASHBOARD.name else None
            made.append(page_png(pdf, order.index(name) + 1, folder / f"{slug}.png", height=height))
        return made


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS_FOLDER
    for path in docs_pictures(target):
        print(path)
