"""Put the PMO ribbon tab into a macro workbook and keep it there.

The tab is the part `customUI/customUI14.xml` plus a relationship to it from the
package's root `_rels/.rels`. openpyxl keeps the part when it saves with
`keep_vba=True` but drops the relationship, so call `ensure_ribbon_relationship`
after every openpyxl save.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from defusedxml import ElementTree as SafeET

from engine.errors import FileError
from workbook.files.atomic import rewrite_package

RIBBON_XML = Path(__file__).parent / "ribbon" / "customUI14.xml"
PART = "customUI/customUI14.xml"
REL_TYPE = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
CUSTOMUI_NS = "http://schemas.microsoft.com/office/2009/07/customui"
_RELS = "_rels/.rels"
_TYPES = "[Content_Types].xml"
_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_MAX_XML = 5_000_000  # package parts we parse are tiny; refuse anything absurd
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def add_ribbon(xlsm_path: str | os.PathLike[str], xml_text: str | None = None) -> None:
    """Insert the ribbon part (default: `workbook/ribbon/customUI14.xml`) and its relationship.

    Idempotent: an existing part is replaced and the relationship is added once.
    The file is rewritten through a temporary file in the same folder, so a failure
    leaves the original untouched.
    """
    text = RIBBON_XML.read_text(encoding="utf-8") if xml_text is None else xml_text
    try:
        root = SafeET.fromstring(text.encode("utf-8"))
    except Exception as exc:  # defusedxml raises several kinds
        raise FileError(
            f"The ribbon XML is not well-formed: {exc}. Fix the customUI markup before adding it."
        ) from exc
    if root.tag != f"{{{CUSTOMUI_NS}}}customUI":
        raise FileError(
            f'The ribbon XML root must be <customUI xmlns="{CUSTOMUI_NS}">, found {root.tag!r}.'
        )
    _rewrite(Path(xlsm_path), ribbon=text.encode("utf-8"))


def ensure_ribbon_relationship(xlsm_path: str | os.PathLike[str]) -> bool:
    """Re-add the root relationship to the ribbon part if the part exists without it.

    Returns True when the file was changed.
    """
    path = Path(xlsm_path)
    with _open(path) as zf:
        names = set(zf.namelist())
        if PART not in names or _has_relationship(_read_xml(zf, _RELS, path)):
            return False
    _rewrite(path, ribbon=None)
    return True


def has_ribbon(xlsm_path: str | os.PathLike[str]) -> bool:
    """True when the ribbon part is present AND the root relationship points to it."""
    path = Path(xlsm_path)
    with _open(path) as zf:
        if PART not in zf.namelist():
            return False
        return _has_relationship(_read_xml(zf, _RELS, path))


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise FileError(
            f"Cannot open {path} as an .xlsm workbook (a zip package): {exc}. "
            "Check the path and that the file is not damaged."
        ) from exc


def _read_xml(zf: zipfile.ZipFile, name: str, path: Path) -> ET.Element:
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise FileError(
            f"{path} has no {name}: it is not a valid Office package. "
            "Re-create it with the template builder."
        ) from None
    if info.file_size > _MAX_XML:
        raise FileError(f"{path}: {name} claims {info.file_size} bytes; refusing to parse it.")
    try:
        return SafeET.fromstring(zf.read(name))
    except Exception as exc:
        raise FileError(f"{path}: {name} is not well-formed XML: {exc}.") from exc


def _has_relationship(rels: ET.Element) -> bool:
    return any(
        rel.get("Type") == REL_TYPE and rel.get("Target", "").lstrip("/") == PART
        for rel in rels.iter(f"{{{_RELS_NS}}}Relationship")
    )


def _with_relationship(rels: ET.Element) -> bytes:
    """The root relationships with exactly one extensibility relationship, to our part."""
    tag = f"{{{_RELS_NS}}}Relationship"
    for rel in list(rels):
        # Office honours one extensibility part per package: drop any other target.
        if rel.tag == tag and rel.get("Type") == REL_TYPE:
            rels.remove(rel)
    ids = {rel.get("Id") for rel in rels}
    new_id = next(
        f"rIdPMORibbon{n or ''}" for n in range(len(ids) + 1) if f"rIdPMORibbon{n or ''}" not in ids
    )
    ET.SubElement(rels, tag, {"Id": new_id, "Type": REL_TYPE, "Target": PART})
    return _serialise(rels, _RELS_NS)


def _with_xml_content_type(types: ET.Element) -> bytes | None:
    """Content types that cover the ribbon part, or None when they already do."""
    for child in types:
        if child.tag == f"{{{_TYPES_NS}}}Default" and child.get("Extension", "").lower() == "xml":
            return None
        if child.tag == f"{{{_TYPES_NS}}}Override" and child.get("PartName") == f"/{PART}":
            return None
    ET.SubElement(
        types,
        f"{{{_TYPES_NS}}}Override",
        {"PartName": f"/{PART}", "ContentType": "application/xml"},
    )
    return _serialise(types, _TYPES_NS)


def _serialise(root: ET.Element, namespace: str) -> bytes:
    ET.register_namespace("", namespace)
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body).encode("utf-8")


def _rewrite(path: Path, ribbon: bytes | None) -> None:
    """Copy the package with a new root relationship (and ribbon part, if given)."""
    with _open(path) as zf:
        rels = _with_relationship(_read_xml(zf, _RELS, path))
        types = _with_xml_content_type(_read_xml(zf, _TYPES, path))
        replaced = {_RELS: rels}
        if types is not None:
            replaced[_TYPES] = types
        if ribbon is not None:
            replaced[PART] = ribbon
    rewrite_package(path, replaced, path, added_time=_FIXED_TIME)
