"""Checks on a workbook file before any parser sees it: quick, and in bounded memory.

openpyxl, pandas and calamine trust the zip and the XML they are given. A zip bomb, millions
of cells or of shared strings, or an XML entity bomb can make them run for minutes or
exhaust memory (calamine has aborted the whole process on one). The limits follow Apache
POI's (`ZipSecureFile`): a member that inflates more than 100 times its compressed size is
refused unless it is small. A sheet is judged by the cells it holds, never by the area its
`<dimension>` claims: the readers and the writer here walk cells sparsely.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from openpyxl.utils.cell import range_boundaries

from engine.errors import FileError
from workbook.files.atomic import os_error_words

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and password-protected workbooks
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([^"]*)"')
_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")
_CHUNK = 1 << 20
# what reading a damaged zip raises: a bad header, a bad deflate stream, a part cut short, an
# unknown compression method or an encrypted part
DAMAGED_ZIP = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


@dataclass(frozen=True, slots=True)
class Limits:
    """How much a workbook may claim before it is refused."""

    max_file_bytes: int = 200_000_000
    max_members: int = 10_000
    max_member_bytes: int = 500_000_000  # inflated size of one part
    max_total_bytes: int = 1_000_000_000  # inflated size of all parts
    min_inflate_ratio: float = 0.01  # compressed / inflated, as Apache POI
    ratio_grace_bytes: int = 100_000  # parts smaller than this are not ratio-checked
    max_cells: int = 2_000_000  # cells actually present, all sheets together
    max_strings: int = 500_000  # different texts (shared strings); openpyxl reads them all


DEFAULT_LIMITS = Limits()


def check_workbook_file(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise FileError naming the problem if the file is not a workbook we can safely parse."""
    path = Path(path)
    try:
        _check_file(path, limits)
    except OSError as error:  # unreadable, vanished, or a folder on the way
        raise FileError(f"{path}: cannot be read: {os_error_words(error)}") from error


def _check_file(path: Path, limits: Limits) -> None:
    name = path.name
    if not path.exists():
        raise FileError(f"{path}: no such file")
    if path.is_dir():
        raise FileError(f"{path}: is a folder, not a workbook file")
    if not path.is_file():
        raise FileError(f"{path}: is not a regular file (a pipe or a device), not a workbook")
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise FileError(
            f"{name}: the file is {size:,} bytes; workbooks over "
            f"{limits.max_file_bytes:,} bytes are refused"
        )
    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic == OLE_MAGIC:
        raise FileError(
            f"{name}: this is an old .xls workbook or a password-protected one; "
            "save it from Excel as .xlsm (Excel Macro-Enabled Workbook) without a "
            "password"
        )
    if magic[:4] not in ZIP_MAGIC:
        raise FileError(
            f"{name}: not an Excel workbook (.xlsx/.xlsm are zip packages, this "
            "file is not one); save it from Excel as .xlsm"
        )
    try:
        with zipfile.ZipFile(path) as package:
            _check_members(name, package, limits)
    except DAMAGED_ZIP as error:
        raise FileError(
            f"{name}: the workbook package is damaged ({error}); open it in Excel and save it again"
        ) from error


def _check_members(name: str, package: zipfile.ZipFile, limits: Limits) -> None:
    check_archive(package, name, limits)
    members = package.infolist()
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise FileError(
            f"{name}: a zip file but not an Excel workbook (no xl/ parts); save "
            "it from Excel as .xlsm"
        )
    cells = 0
    for member in members:
        if not member.filename.lower().endswith((".xml", ".rels", ".vml")):
            _read_through(package, member)  # a damaged binary part (the VBA project) too
            continue
        cells += _scan_part(name, package, member, limits, limits.max_cells - cells)


def _read_through(package: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """Inflate a part to its end, in chunks, so that its checksum is checked."""
    with package.open(member) as stream:
        while stream.read(_CHUNK):
            pass


def _is_sheet(part: str) -> bool:
    return part.startswith("xl/worksheets/") and part.endswith(".xml")


def _is_strings(part: str) -> bool:
    return part.lower().endswith("sharedstrings.xml")


def check_archive(package: zipfile.ZipFile, name: str, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse a package whose part count, inflated sizes or compression ratios look like a
    zip bomb, before any part is inflated."""
    members = package.infolist()
    if len(members) > limits.max_members:
        raise FileError(
            f"{name}: the package has {len(members):,} parts (limit "
            f"{limits.max_members:,}); this is not a normal workbook"
        )
    total = 0
    for member in members:
        inflated = member.file_size
        total += inflated
        if inflated > limits.max_member_bytes:
            raise FileError(
                f"{name}: part {member.filename} would inflate to {inflated:,} "
                f"bytes (limit {limits.max_member_bytes:,}); refusing to read it"
            )
        if (
            inflated > limits.ratio_grace_bytes
            and member.compress_size < inflated * limits.min_inflate_ratio
        ):
            ratio = member.compress_size / inflated if inflated else 1.0
            raise FileError(
                f"{name}: part {member.filename} inflates {1 / max(ratio, 1e-12):,.0f}"
                f" times its compressed size (a zip bomb?); refusing to read it"
            )
    if total > limits.max_total_bytes:
        raise FileError(
            f"{name}: the parts would inflate to {total:,} bytes in all (limit "
            f"{limits.max_total_bytes:,}); refusing to read it"
        )


def _scan_part(
    name: str, package: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits, cells_left: int
) -> int:
    """Stream one XML part: refuse DTDs and entities; count a sheet's cells (its size is the
    cells it holds, not the dimension it claims) and the shared strings."""
    part = member.filename
    with package.open(member) as stream:
        chunk = stream.read(_CHUNK)
        # a DOCTYPE can only come before the root element, so the first chunk tells
        if _DOCTYPE.search(chunk):
            raise FileError(
                f"{name}: part {part} declares XML entities "
                "(a DOCTYPE), which workbooks never need; refusing to read it"
            )
        if _is_sheet(part):
            _check_dimension(name, part, chunk)
            return _count(stream, chunk, _CELL, cells_left, lambda: _too_many_cells(name, limits))
        if _is_strings(part):
            _count(
                stream, chunk, _STRING, limits.max_strings, lambda: _too_many_strings(name, limits)
            )
        return 0


def _count(stream, chunk: bytes, tag: re.Pattern[bytes], most: int, refuse) -> int:
    """How many `tag`s the stream holds from `chunk` on; `refuse()` as soon as past `most`."""
    found, tail = 0, b""
    while chunk:
        found += len(tag.findall(chunk)) + _straddling(tag, tail, chunk)
        if found > most:
            refuse()
        tail = chunk[-16:]
        chunk = stream.read(_CHUNK)
    return found


def _too_many_cells(name: str, limits: Limits) -> None:
    raise FileError(
        f"{name}: the sheets hold more than {limits.max_cells:,} cells; refusing to read it"
    )


def _too_many_strings(name: str, limits: Limits) -> None:
    raise FileError(
        f"{name}: the workbook holds more than {limits.max_strings:,} different texts (shared "
        "strings); refusing to read it. Open it in Excel and save it again, which drops texts "
        "no cell uses"
    )


def _straddling(tag: re.Pattern[bytes], tail: bytes, chunk: bytes) -> int:
    # a tag split across two chunks is counted once, here
    joint = tail + chunk[:16]
    return len(tag.findall(joint)) - len(tag.findall(tail)) - len(tag.findall(chunk[:16]))


def _check_dimension(name: str, part: str, head: bytes) -> None:
    """A malformed dimension is refused; a large one is not: no code here reads a sheet by
    the area it claims, and one value in XFD1048576 makes a true claim of 17 billion."""
    found = _DIMENSION.search(head[:65_536])
    if not found:
        return
    ref = found.group(1).decode("ascii", "replace")
    try:
        range_boundaries(ref)
    except (ValueError, TypeError):
        raise FileError(
            f"{name}: part {part} has a malformed dimension {ref!r}; open the "
            "workbook in Excel and save it again"
        ) from None
