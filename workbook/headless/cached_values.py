"""Copy the cached values of formula cells from a recalculated copy into the original file.

Why not keep LibreOffice's own export: saving a workbook through LibreOffice rewrites the
VBA project, turns form buttons into other controls and drops the theme. So LibreOffice
only computes; this module edits the original package text in place: inside each
worksheet's <sheetData> it replaces the <v> (and the `t` type attribute) of formula cells,
and of cells covered by an array formula, and nothing else. Every other zip member and
every other byte of the worksheet XML stays as it was.

Cells whose result LibreOffice could not compute because it does not know the function
(#NAME?, e.g. XLOOKUP on LibreOffice 7.4 or an xlwings UDF) keep their previous cached
value and are reported as unsupported.
"""

from __future__ import annotations

import functools
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from defusedxml import ElementTree

from engine.errors import FileError
from workbook.files.atomic import rewrite_package
from workbook.files.guard import check_archive

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_OFFICE_DOCUMENT = "/officeDocument"
_SHARED_STRINGS = "/sharedStrings"

_CELL = re.compile(
    r"<(?P<p>(?:[A-Za-z_][\w.-]*:)?)c(?=[\s/>])(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</(?P=p)c>)",
    re.DOTALL,
)
_ATTR_R = re.compile(r"""\sr\s*=\s*["']([A-Z]+)([0-9]+)["']""")
_ATTR_T = re.compile(r"""\st\s*=\s*(?:"[^"]*"|'[^']*')""")
_SHEET_DATA = re.compile(r"<((?:[A-Za-z_][\w.-]*:)?)sheetData(?=[\s/>])")
_REF = re.compile(r"([A-Z]+)([0-9]+)")


@dataclass
class CopyStats:
    """What the copy did: cells refreshed, and cells it had to leave alone."""

    refreshed: int = 0
    unsupported: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def column_letters(index: int) -> str:
    """Zero-based column index to letters: 0 -> A, 27 -> AB."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def _rels(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str, str]]:
    """(id, type, target part) of each relationship of `part` ('' for the package)."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if rels_name not in archive.namelist():
        return []
    out = []
    for rel in ElementTree.fromstring(archive.read(rels_name)).iter(f"{_REL}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        resolved = target[1:] if target.startswith("/") else posixpath.join(folder, target)
        out.append((rel.get("Id", ""), rel.get("Type", ""), posixpath.normpath(resolved)))
    return out


def _workbook_part(archive: zipfile.ZipFile, name: str) -> str:
    for _, kind, target in _rels(archive, ""):
        if kind.endswith(_OFFICE_DOCUMENT):
            return target
    raise FileError(f"{name}: no workbook part in the package; is it an Excel workbook?")


def workbook_sheets(archive: zipfile.ZipFile, name: str) -> list[tuple[str, str]]:
    """(sheet name, worksheet part) for every sheet, in workbook order."""
    part = _workbook_part(archive, name)
    targets = {rid: target for rid, _, target in _rels(archive, part)}
    root = ElementTree.fromstring(archive.read(part))
    sheets = []
    for sheet in root.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_DOC_REL}id", ""))
        if target and target in archive.namelist():
            sheets.append((sheet.get("name", ""), target))
    return sheets


def _shared_strings(archive: zipfile.ZipFile, name: str) -> list[str]:
    part = _workbook_part(archive, name)
    for _, kind, target in _rels(archive, part):
        if kind.endswith(_SHARED_STRINGS) and target in archive.namelist():
            root = ElementTree.fromstring(archive.read(target))
            return ["".join(t.text or "" for t in si.iter(f"{_MAIN}t")) for si in root]
    return []


def _computed_values(
    archive: zipfile.ZipFile, part: str, strings: list[str]
) -> dict[str, tuple[str, str]]:
    """Cell reference -> (type, value text) for every cell with a value in `part`."""
    values: dict[str, tuple[str, str]] = {}
    for cell in ElementTree.fromstring(archive.read(part)).iter(f"{_MAIN}c"):
        ref = cell.get("r")
        kind = cell.get("t", "n")
        v = cell.find(f"{_MAIN}v")
        if ref is None:
            continue
        if kind == "inlineStr":
            text = "".join(t.text or "" for t in cell.iter(f"{_MAIN}t"))
            values[ref] = ("str", text)
        elif v is not None:
            text = v.text or ""
            if kind == "s":
                kind, text = "str", strings[int(text)] if text.isdigit() else ""
            values[ref] = (kind, text)
    return values


def _value_xml(prefix: str, kind: str, text: str, precise: float | None) -> tuple[str, str | None]:
    """The <v> element and the `t` attribute value (None for numbers) for one result."""
    if kind == "n":
        if precise is not None and text:
            # LibreOffice 7.4 writes 15 significant digits; the UNO double is exact.
            whole = precise.is_integer() and abs(precise) < 1e15
            text = str(int(precise)) if whole else repr(precise)
        return f"<{prefix}v>{text}</{prefix}v>", None
    if kind not in ("str", "b", "e"):
        kind = "str"
    return f"<{prefix}v>{escape(text)}</{prefix}v>", kind


@dataclass(frozen=True)
class _Patterns:
    formula_start: re.Pattern[str]
    formula: re.Pattern[str]
    values: re.Pattern[str]


@functools.cache
def _patterns(prefix: str) -> _Patterns:
    """Regexes for child elements written with the cell's namespace prefix."""
    p = re.escape(prefix)
    return _Patterns(
        formula_start=re.compile(rf"<{p}f(?=[\s/>])([^>]*)"),
        formula=re.compile(rf"<{p}f(?:\s[^>]*)?/>|<{p}f(?:\s[^>]*)?>.*?</{p}f>", re.DOTALL),
        values=re.compile(
            rf"<{p}v(?:\s[^>]*)?/>|<{p}v(?:\s[^>]*)?>.*?</{p}v>|<{p}is(?:\s[^>]*)?>.*?</{p}is>",
            re.DOTALL,
        ),
    )


def _strip_values(prefix: str, body: str) -> str:
    return _patterns(prefix).values.sub("", body)


def _insert_after_formula(prefix: str, body: str, value: str) -> str:
    found = _patterns(prefix).formula.search(body)
    at = found.end() if found else 0
    return body[:at] + value + body[at:]


def rewrite_sheet(
    xml: str,
    sheet: str,
    computed: dict[str, tuple[str, str]],
    numbers: dict[tuple[int, int], float],
    stats: CopyStats,
) -> str:
    """Return `xml` with the cached values of formula cells replaced by `computed` ones."""
    opening = _SHEET_DATA.search(xml)
    if opening is None:
        return xml
    start = opening.start()
    closing = xml.find(f"</{opening[1]}sheetData", start)
    end = len(xml) if closing < 0 else closing
    arrays: list[tuple[int, int, int, int]] = []

    def in_array(row: int, col: int) -> bool:
        return any(r1 <= row <= r2 and c1 <= col <= c2 for r1, c1, r2, c2 in arrays)

    def replace(match: re.Match[str]) -> str:
        prefix, attrs, body = match["p"], match["attrs"], match["body"] or ""
        formula = _patterns(prefix).formula_start.search(body)
        ref_match = _ATTR_R.search(attrs)
        if ref_match is None:
            if formula:
                stats.missing.append(f"{sheet}!(cell without reference)")
            return match[0]
        col, row = _column_index(ref_match[1]), int(ref_match[2]) - 1
        if formula:
            if re.search(r"""\st\s*=\s*["']array["']""", formula[1]):
                area = re.search(
                    r"""\sref\s*=\s*["']([A-Z]+[0-9]+)(?::([A-Z]+[0-9]+))?""", formula[1]
                )
                if area:
                    first = _REF.fullmatch(area[1])
                    last = _REF.fullmatch(area[2] or area[1])
                    if first and last:
                        arrays.append(
                            (
                                int(first[2]) - 1,
                                _column_index(first[1]),
                                int(last[2]) - 1,
                                _column_index(last[1]),
                            )
                        )
        elif not in_array(row, col):
            return match[0]
        ref = f"{ref_match[1]}{ref_match[2]}"
        result = computed.get(ref)
        if result is None:
            stats.missing.append(f"{sheet}!{ref}")
            return match[0]
        kind, text = result
        if kind == "e" and text == "#NAME?":
            stats.unsupported.append(f"{sheet}!{ref}")
            return match[0]
        value, type_attr = _value_xml(prefix, kind, text, numbers.get((row, col)))
        attrs = _ATTR_T.sub("", attrs).rstrip()
        if type_attr:
            attrs += f' t="{type_attr}"'
        body = _insert_after_formula(prefix, _strip_values(prefix, body), value)
        stats.refreshed += 1
        return f"<{prefix}c{attrs}>{body}</{prefix}c>"

    return xml[:start] + _CELL.sub(replace, xml[start:end]) + xml[end:]


def copy_cached_values(
    original: Path,
    computed: Path,
    numbers: dict[str, list[list[float]]],
    dest: Path,
    *,
    before_commit: Callable[[], None] | None = None,
) -> CopyStats:
    """Write `original` to `dest` with formula results taken from `computed`.

    `numbers` holds exact numeric results, {sheet: [[row, col, value], ...]} zero-based.
    The write is atomic: a temporary file in `dest`'s folder replaces `dest` only once
    complete, so a failure never leaves a half-written workbook. `before_commit` runs just
    before, under the commit lock (see `workbook.files.atomic.replacing`).
    """
    stats = CopyStats()
    name = original.name
    try:
        with zipfile.ZipFile(original) as source, zipfile.ZipFile(computed) as result:
            check_archive(source, name)
            check_archive(result, f"{name} (recalculated copy)")
            computed_parts = dict(workbook_sheets(result, name))
            strings = _shared_strings(result, name)
            replaced: dict[str, bytes] = {}
            for sheet, part in workbook_sheets(source, name):
                if sheet not in computed_parts:
                    stats.missing.append(f"{sheet}!(whole sheet)")
                    continue
                raw = source.read(part)
                try:
                    xml = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise FileError(f"{name}: sheet {sheet!r} is not UTF-8 XML.") from exc
                exact = {(int(r), int(c)): v for r, c, v in numbers.get(sheet, [])}
                values = _computed_values(result, computed_parts[sheet], strings)
                new = rewrite_sheet(xml, sheet, values, exact, stats)
                if new != xml:
                    replaced[part] = new.encode("utf-8")
        rewrite_package(original, replaced, dest, before_commit=before_commit)
    except zipfile.BadZipFile as exc:
        raise FileError(f"{name}: not a valid .xlsx/.xlsm archive ({exc}).") from exc
    except ElementTree.ParseError as exc:
        raise FileError(f"{name}: broken XML inside the workbook ({exc}).") from exc
    return stats
