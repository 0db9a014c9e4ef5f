"""The PMO ribbon tab: its XML, its callbacks, and keeping it through openpyxl saves."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from defusedxml import ElementTree as SafeET

from engine.errors import FileError
from workbook.files.macros.ribbon import (
    CUSTOMUI_NS,
    PART,
    REL_TYPE,
    RIBBON_XML,
    add_ribbon,
    ensure_ribbon_relationship,
    has_ribbon,
)
from workbook.files.macros.vbaproject import build_vba_project, load_sources

NS = {"ui": CUSTOMUI_NS}
RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@pytest.fixture(scope="module")
def vba_project() -> bytes:
    return build_vba_project(load_sources())


@pytest.fixture
def xlsm(tmp_path: Path, vba_project: bytes) -> Path:
    path = tmp_path / "PMO_Portfolio.xlsm"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Intake")
    sheet.write("A1", "Project")
    book.add_vba_project(io.BytesIO(vba_project), is_stream=True)
    book.set_vba_name("ThisWorkbook")
    sheet.insert_button("C2", {"macro": "PMO_Validate", "caption": "Validate"})
    book.close()
    return path


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _rewrite(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _extensibility_targets(path: Path) -> list[str]:
    rels = SafeET.fromstring(_parts(path)["_rels/.rels"])
    return [
        r.get("Target") for r in rels.iter(f"{RELS_NS}Relationship") if r.get("Type") == REL_TYPE
    ]


def test_ribbon_xml_has_the_pmo_tab_and_its_buttons() -> None:
    root = SafeET.fromstring(RIBBON_XML.read_bytes())
    assert root.tag == f"{{{CUSTOMUI_NS}}}customUI"
    tabs = root.findall("ui:ribbon/ui:tabs/ui:tab", NS)
    assert [t.get("label") for t in tabs] == ["PMO"]
    buttons = tabs[0].findall("ui:group/ui:button", NS)
    assert [b.get("label") for b in buttons] == [
        "Validate",
        "Re-optimise",
        "Explain selected project",
        "Save scenario",
        "Efficient frontier",
        "Compare scenarios",
        "Refresh dashboard",
    ]
    assert all(b.get("imageMso") for b in buttons)
    ids = [e.get("id") for e in root.iter() if e.get("id") is not None]
    assert len(ids) == len(set(ids)), "control ids must be unique"


def test_every_on_action_is_a_ribbon_callback_in_the_vba() -> None:
    code = "\n".join(load_sources().values())
    actions = [
        e.get("onAction")
        for e in SafeET.fromstring(RIBBON_XML.read_bytes()).iter()
        if e.get("onAction") is not None
    ]
    assert len(actions) == 7
    for action in actions:
        signature = rf"^Public Sub {re.escape(action)}\(control As IRibbonControl\)\r?$"
        assert re.search(signature, code, re.M), f"no Sub {action}(control As IRibbonControl)"


def test_add_ribbon_inserts_part_and_relationship_once(xlsm: Path) -> None:
    assert not has_ribbon(xlsm)
    add_ribbon(xlsm)
    assert has_ribbon(xlsm)
    parts = _parts(xlsm)
    assert parts[PART] == RIBBON_XML.read_bytes()
    assert _extensibility_targets(xlsm) == [PART]
    add_ribbon(xlsm)  # idempotent: same package again
    assert _parts(xlsm) == parts


def test_openpyxl_drops_the_relationship_and_ensure_restores_it(
    xlsm: Path, vba_project: bytes
) -> None:
    add_ribbon(xlsm)
    openpyxl.load_workbook(xlsm, keep_vba=True).save(xlsm)
    parts = _parts(xlsm)
    assert PART in parts, "openpyxl keeps the part"
    assert not has_ribbon(xlsm), "but drops its relationship"
    assert ensure_ribbon_relationship(xlsm) is True
    assert has_ribbon(xlsm)
    assert ensure_ribbon_relationship(xlsm) is False  # nothing left to do
    restored = _parts(xlsm)
    assert restored["xl/vbaProject.bin"] == vba_project
    assert {n: d for n, d in restored.items() if n != "_rels/.rels"} == {
        n: d for n, d in parts.items() if n != "_rels/.rels"
    }
    openpyxl.load_workbook(xlsm, keep_vba=True)  # still a workbook openpyxl reads


def test_relationship_without_part_is_not_a_ribbon(xlsm: Path) -> None:
    add_ribbon(xlsm)
    parts = _parts(xlsm)
    del parts[PART]
    _rewrite(xlsm, parts)
    assert not has_ribbon(xlsm)
    assert ensure_ribbon_relationship(xlsm) is False  # no part: nothing to point at


def test_add_ribbon_takes_over_another_extensibility_relationship(xlsm: Path) -> None:
    parts = _parts(xlsm)
    parts["_rels/.rels"] = parts["_rels/.rels"].replace(
        b"</Relationships>",
        f'<Relationship Id="rIdPMORibbon" Type="{REL_TYPE}" '
        'Target="customUI/customUI.xml"/></Relationships>'.encode(),
    )
    _rewrite(xlsm, parts)
    add_ribbon(xlsm)
    assert _extensibility_targets(xlsm) == [PART]
    assert has_ribbon(xlsm)


def test_content_type_is_added_when_xml_has_no_default(xlsm: Path) -> None:
    parts = _parts(xlsm)
    types = parts["[Content_Types].xml"]
    parts["[Content_Types].xml"] = re.sub(rb'<Default Extension="xml"[^>]*/>', b"", types)
    _rewrite(xlsm, parts)
    add_ribbon(xlsm)
    types = _parts(xlsm)["[Content_Types].xml"].decode()
    assert f'PartName="/{PART}"' in types


def test_add_ribbon_with_custom_xml(xlsm: Path) -> None:
    text = f'<customUI xmlns="{CUSTOMUI_NS}"><ribbon/></customUI>'
    add_ribbon(xlsm, text)
    assert _parts(xlsm)[PART] == text.encode()
    assert has_ribbon(xlsm)


@pytest.mark.parametrize("text", ["<customUI", '<customUI xmlns="urn:other"/>'])
def test_bad_ribbon_xml_is_refused_and_file_untouched(xlsm: Path, text: str) -> None:
    before = xlsm.read_bytes()
    with pytest.raises(FileError, match="ribbon XML"):
        add_ribbon(xlsm, text)
    assert xlsm.read_bytes() == before
    assert [p.name for p in xlsm.parent.iterdir()] == [xlsm.name], "no temp file left behind"


def test_not_a_workbook_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsm"
    path.write_text("not a zip")
    with pytest.raises(FileError, match=re.escape(str(path))):
        has_ribbon(path)
    with pytest.raises(FileError, match="zip package"):
        add_ribbon(path)
