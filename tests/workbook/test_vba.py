"""The VBA project writer: compression, encryption, compound file, and what readers see."""

from __future__ import annotations

import io
import json
import os
import random
import re
import struct
import subprocess
import zipfile
from pathlib import Path

import olefile
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, VBA_Project, decompress_stream

from workbook.files.macros import vbaproject
from workbook.files.macros.cfb import build_compound_file
from workbook.files.macros.vbaproject import (
    build_vba_project,
    compress,
    decrypt,
    encrypt,
    load_sources,
    module_kind,
    module_text,
)

EXPECTED_MODULES = {
    "ThisWorkbook": "document",
    "Dictionary": "class",
    "PMOButtons": "standard",
    "xlwings": "standard",
}
BUTTON_MACROS = {
    "PMO_Validate": "validate",
    "PMO_Reoptimise": "reoptimise",
    "PMO_ExplainSelected": "explain_selected",
    "PMO_SaveScenario": "save_scenario",
    "PMO_Frontier": "frontier",
    "PMO_CompareScenarios": "compare_scenarios",
    "PMO_RefreshDashboard": "refresh_dashboard",
    "PMO_Main": "main",
}


@pytest.fixture(scope="module")
def sources() -> dict[str, str]:
    return load_sources()


@pytest.fixture(scope="module")
def project(sources: dict[str, str]) -> bytes:
    return build_vba_project(sources)


@pytest.fixture(scope="module")
def xlsm(project: bytes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workbook carrying the project, written the way the template builder does."""
    path = tmp_path_factory.mktemp("vba") / "built.xlsm"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Intake")
    sheet.write("A1", "Project")
    book.add_vba_project(io.BytesIO(project), is_stream=True)
    book.set_vba_name("ThisWorkbook")
    sheet.set_vba_name("Sheet1")
    sheet.insert_button("C2", {"macro": "PMO_Validate", "caption": "Validate"})
    book.close()
    return path


def _chunk_flags(container: bytes) -> list[int]:
    """CompressedChunkFlag of every chunk of a CompressedContainer."""
    flags, pos = [], 1
    while pos < len(container):
        header = struct.unpack_from("<H", container, pos)[0]
        assert (header >> 12) & 0b111 == 0b011, "chunk signature must be 0b011"
        flags.append(header >> 15)
        pos += (header & 0x0FFF) + 3
    assert pos == len(container), "chunks must tile the container exactly"
    return flags


def _expected_decompression(data: bytes, container: bytes) -> bytes:
    """A raw final chunk is padded to 4096 bytes (MS-OVBA 2.4.1.3.10); otherwise exact."""
    if data and _chunk_flags(container)[-1] == 0:
        return data.ljust(-(-len(data) // 4096) * 4096, b"\0")
    return data


# --- compression ---------------------------------------------------------------------


def test_compression_matches_the_spec_examples() -> None:
    # MS-OVBA 3.2.1 (no compression possible) and 3.2.2 (normal compression).
    assert compress(b"abcdefghijklmnopqrstuv.") == bytes.fromhex(
        "01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E"
    )
    assert compress(b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa") == bytes.fromhex(
        "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00"
        " 20 6D 6E 6F 70 06 71 02 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C"
    )


def test_sources_over_4kb_round_trip_through_oletools(sources: dict[str, str]) -> None:
    text = module_text(sources["xlwings"]).encode("cp1252")
    assert len(text) > 4 * 4096
    container = compress(text)
    assert decompress_stream(container) == text
    # Every chunk is a compressed one: raw chunks are legal but Excel is reported to
    # drop modules stored that way, and source text never needs them.
    assert set(_chunk_flags(container)) == {1}
    assert len(container) < len(text) // 2


@pytest.mark.parametrize("size", [1, 3, 4095, 4096, 4097, 8192, 8193])
def test_chunk_boundaries_round_trip(size: int) -> None:
    for data in (
        b"a" * size,
        (b"Sub X()\r\nEnd Sub\r\n" * size)[:size],
        bytes(range(256)) * (size // 256) + bytes(range(size % 256)),
    ):
        container = compress(data)
        assert decompress_stream(container) == _expected_decompression(data, container)


def test_incompressible_chunks_are_stored_raw_and_padded() -> None:
    data = random.Random(7).randbytes(2 * 4096 + 3700)
    container = compress(data)
    assert _chunk_flags(container) == [0, 0, 0]
    assert decompress_stream(container) == data + bytes(4096 - 3700)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=10_000))
def test_random_bytes_round_trip(data: bytes) -> None:
    container = compress(data)
    assert decompress_stream(container) == _expected_decompression(data, container)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from([b"a", b"b", b"Sub ", b"\r\n", b"End Sub", b"xyz" * 30]), max_size=2_000
    ).map(b"".join)
)
def test_repetitive_bytes_round_trip_without_raw_chunks(data: bytes) -> None:
    container = compress(data)
    assert decompress_stream(container) == data
    assert set(_chunk_flags(container)) <= {1}


# --- PROJECT stream encryption ------------------------------------------------------


def test_decrypt_reads_values_excel_wrote() -> None:
    # From the PROJECT stream of xlwings' Excel-saved quickstart_standalone.xlsm.
    project_id = "{5CF9CDAB-B77B-4FE4-BD7E-D29900070E1B}"
    assert decrypt("8D8FA61394EA98EA98EA98EA98", project_id) == bytes(4)
    assert decrypt("8D8FA61394EF95EF95EF", project_id) == b"\x00"
    assert decrypt("8D8FA61394EF95EF9510", project_id) == b"\xff"


@pytest.mark.parametrize("seed", [0, 1, 2, 4, 6, 0x8D, 0xFF])
def test_encrypt_round_trips(seed: int) -> None:
    for data in (b"", b"\x00", b"\xff", bytes(4), b"secret password"):
        hex_text = encrypt(data, seed=seed)
        assert decrypt(hex_text) == data
        assert len(hex_text) == 2 * (3 + (seed & 6) // 2 + 4 + len(data))


# --- the project as readers see it --------------------------------------------------


def test_sources_are_the_expected_modules(sources: dict[str, str]) -> None:
    assert {name: module_kind(src) for name, src in sources.items()} == EXPECTED_MODULES
    assert next(iter(sources)) == "ThisWorkbook"


def test_olevba_extracts_every_module_exactly(xlsm: Path, sources: dict[str, str]) -> None:
    parser = VBA_Parser(str(xlsm))
    try:
        found = {name: (stream, code) for _, stream, name, code in parser.extract_macros()}
    finally:
        parser.close()
    ext = {"document": "cls", "class": "cls", "standard": "bas"}
    assert set(found) == {f"{n}.{ext[k]}" for n, k in EXPECTED_MODULES.items()}
    for name, source in sources.items():
        stream, code = found[f"{name}.{ext[EXPECTED_MODULES[name]]}"]
        assert stream == f"VBA/{name}"
        # extract_macros returns the whole stored text, Attribute lines included (only
        # olevba's display filters them), so the comparison is exact: the source file
        # with CRLF line ends and a final CRLF.
        assert code == module_text(source)


def test_project_parses_strictly(project: bytes) -> None:
    ole = olefile.OleFileIO(io.BytesIO(project), raise_defects=olefile.DEFECT_INCORRECT)
    assert sorted("/".join(e) for e in ole.listdir()) == sorted(
        ["PROJECT", "PROJECTwm", "VBA/_VBA_PROJECT", "VBA/dir"]
        + [f"VBA/{n}" for n in EXPECTED_MODULES]
    )
    # Version 0xFFFF and no performance cache: Office recompiles from source.
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000100")
    vba = VBA_Project(ole, "", "PROJECT", "VBA/dir", relaxed=False)  # raises on any surprise
    vba.parse_project_stream()
    codes = {Path(p).name: code for p, _, code in vba.parse_modules()}
    assert set(codes) == set(EXPECTED_MODULES)
    assert vba.codepage == 1252 and vba.projectname == "VBAProject"
    for module in vba.modules:
        assert module.textoffset == 0
        assert module.type == (0x21 if EXPECTED_MODULES[module.name] == "standard" else 0x22)
        assert module.streamname == module._streamname_unicode == module.name


def _dir_records(data: bytes) -> list[tuple[int, bytes]]:
    """(id, payload) of every record of a decompressed dir stream."""
    records, pos = [], 0
    while pos < len(data):
        rec_id, size = struct.unpack_from("<HI", data, pos)
        if rec_id == 0x0009:  # PROJECTVERSION: Reserved is 4, then 6 bytes follow
            size = 6
        records.append((rec_id, data[pos + 6 : pos + 6 + size]))
        pos += 6 + size
    assert pos == len(data)
    return records


def _project_lines(project: bytes) -> list[str]:
    ole = olefile.OleFileIO(io.BytesIO(project))
    return ole.openstream("PROJECT").read().decode("cp1252").split("\r\n")


def test_dir_stream_holds_every_record_in_order(project: bytes) -> None:
    ole = olefile.OleFileIO(io.BytesIO(project))
    ids = [r for r, _ in _dir_records(decompress_stream(ole.openstream("VBA/dir").read()))]
    information = [
        0x01,
        0x02,
        0x14,
        0x03,
        0x04,
        0x05,
        0x40,
        0x06,
        0x3D,
        0x07,
        0x08,
        0x09,
        0x0C,
        0x3C,
    ]
    references = [0x16, 0x3E, 0x0D] * 2
    module = [0x19, 0x47, 0x1A, 0x32, 0x1C, 0x48, 0x31, 0x1E, 0x2C]
    modules = []
    for kind in EXPECTED_MODULES.values():
        modules += [*module, 0x21 if kind == "standard" else 0x22, 0x2B]
    assert ids == information + references + [0x0F, 0x13] + modules + [0x10]


def test_project_stream_lists_modules_and_unprotected_state(project: bytes) -> None:
    lines = _project_lines(project)
    project_id = lines[0].removeprefix("ID=").strip('"')
    assert re.fullmatch(r"\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", project_id)
    assert lines[1:5] == [
        "Document=ThisWorkbook/&H00000000",
        "Class=Dictionary",
        "Module=PMOButtons",
        "Module=xlwings",
    ]
    values = dict(line.split("=", 1) for line in lines if line.startswith(("CMG", "DPB", "GC")))
    assert decrypt(values["CMG"].strip('"'), project_id) == bytes(4)  # nothing protected
    assert decrypt(values["DPB"].strip('"'), project_id) == b"\x00"  # no password
    assert decrypt(values["GC"].strip('"'), project_id) == b"\xff"  # visible
    assert "[Host Extender Info]" in lines


def test_same_sources_give_same_bytes(sources: dict[str, str], project: bytes) -> None:
    assert build_vba_project(dict(sources)) == project
    lf_sources = {n: s.replace("\r\n", "\n") for n, s in sources.items()}
    assert build_vba_project(lf_sources) == project
    changed = dict(sources, PMOButtons=sources["PMOButtons"] + "' changed\r\n")
    assert build_vba_project(changed) != project


def test_xlsm_keeps_the_project_bytes(xlsm: Path, project: bytes) -> None:
    with zipfile.ZipFile(xlsm) as zf:
        assert zf.read("xl/vbaProject.bin") == project
        assert b'codeName="ThisWorkbook"' in zf.read("xl/workbook.xml")


@pytest.mark.parametrize(
    ("modules", "message"),
    [
        ({}, "at least one module"),
        ({"Foo": 'Attribute VB_Name = "Bar"\r\n'}, 'must start with Attribute VB_Name = "Foo"'),
        ({"Foo": "Sub X()\r\nEnd Sub\r\n"}, 'must start with Attribute VB_Name = "Foo"'),
        ({"Foo": 'Attribute VB_Name = "Foo"\r\n\' \u2713 done\r\n'}, "line 2"),
        ({"Foo": 'Attribute VB_Name = "Foo"\n', "FOO": 'Attribute VB_Name = "FOO"\n'}, "case"),
    ],
)
def test_bad_sources_are_refused_with_a_reason(modules: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        build_vba_project(modules)


# --- the VBA sources -----------------------------------------------------------------


def test_button_macros_call_python_entry_points(sources: dict[str, str]) -> None:
    code = module_text(sources["PMOButtons"])
    for macro, function in BUTTON_MACROS.items():
        body = re.search(rf"^Public Sub {macro}\(\)\r\n(.*?)^End Sub", code, re.S | re.M)
        assert body, f"{macro} missing or takes arguments"
        assert body.group(1).strip() == f'RunPython "import udfs.entry as e; e.{function}()"'


def test_vendored_xlwings_module_is_the_installed_one(sources: dict[str, str]) -> None:
    import xlwings

    vendored = re.search(
        r"^Public Const XLWINGS_VERSION As String = \"(.+)\"", sources["xlwings"], re.M
    )
    assert vendored
    if vendored.group(1) != xlwings.__version__:
        pytest.skip(
            f"installed xlwings {xlwings.__version__} differs from the vendored "
            f"module {vendored.group(1)}: refresh workbook/vba/xlwings.bas"
        )
    shipped = (Path(xlwings.__file__).parent / "xlwings.bas").read_bytes().decode("cp1252")
    assert module_text(shipped) == module_text(sources["xlwings"])
    assert "BSD 3-clause" in sources["xlwings"][:400]


# --- the compound file writer --------------------------------------------------------


def _check_red_black(ole: olefile.OleFileIO, sid: int) -> int:
    """Black height of the sibling tree rooted at `sid`; asserts the red-black rules."""
    if sid == olefile.NOSTREAM:
        return 1
    entry = ole.direntries[sid]
    for side in (entry.sid_left, entry.sid_right):
        if side != olefile.NOSTREAM:
            assert not (entry.color == 0 and ole.direntries[side].color == 0), "red-red"
    left, right = _check_red_black(ole, entry.sid_left), _check_red_black(ole, entry.sid_right)
    assert left == right, "unequal black heights"
    return left + entry.color  # color 1 is black


def _in_order(ole: olefile.OleFileIO, sid: int) -> list[str]:
    if sid == olefile.NOSTREAM:
        return []
    entry = ole.direntries[sid]
    return [*_in_order(ole, entry.sid_left), entry.name, *_in_order(ole, entry.sid_right)]


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 17, 40])
def test_compound_file_is_valid(count: int) -> None:
    rng = random.Random(count)
    streams = {"top": b"t" * 10, "Store/empty": b""}
    for i in range(count):
        size = rng.choice([1, 63, 64, 65, 4095, 4096, 4097, 20_000])
        streams[f"Store/s{'x' * (i % 7)}{i}"] = rng.randbytes(size)
    data = build_compound_file(streams)
    assert len(data) % 512 == 0
    ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    for path, content in streams.items():
        assert ole.openstream(path).read() == content
    for entry in ole.direntries:
        if entry is not None and entry.sid_child != olefile.NOSTREAM:
            assert ole.direntries[entry.sid_child].color == 1, "tree root must be black"
            _check_red_black(ole, entry.sid_child)
            names = _in_order(ole, entry.sid_child)
            assert names == sorted(names, key=lambda n: (len(n), n.upper()))
    assert build_compound_file(streams) == data


def test_compound_file_rejects_long_names() -> None:
    with pytest.raises(ValueError, match="31 characters"):
        build_compound_file({"x" * 32: b"1"})


# --- LibreOffice loads the workbook and sees the modules ------------------------------

_LO_SCRIPT = r"""
import json, os, subprocess, sys, time, uuid
import uno
from com.sun.star.beans import PropertyValue

soffice, src, copy, profile = sys.argv[1:5]
pipe = "pmo" + uuid.uuid4().hex
proc = subprocess.Popen(
    [soffice, "--headless", "--invisible", "--nologo", "--norestore",
     "-env:UserInstallation=" + uno.systemPathToFileUrl(profile),
     "--accept=pipe,name=%s;urp;" % pipe],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def prop(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p

desktop = None
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(600):
        try:
            ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
            break
        except Exception:
            if proc.poll() is not None:
                raise SystemExit("soffice exited early")
            time.sleep(0.1)
    else:
        raise SystemExit("soffice did not answer")
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0,
                                       (prop("Hidden", True),))
    out = {}
    for name in doc.BasicLibraries.getElementNames():
        lib = doc.BasicLibraries.getByName(name)
        out[name] = {m: [lib.getModuleInfo(m).ModuleType if lib.hasModuleInfo(m) else None,
                         lib.getByName(m)] for m in lib.getElementNames()}
    doc.storeToURL(uno.systemPathToFileUrl(copy),
                   (prop("FilterName", "Calc MS Excel 2007 VBA XML"),))
    doc.close(True)
    print(json.dumps(out))
finally:
    if desktop is not None:
        try:
            desktop.terminate()
        except Exception:
            pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
"""


@pytest.fixture(scope="module")
def libreoffice_view(
    libreoffice, xlsm: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict, Path]:
    """Module names, types and text as LibreOffice sees them, and its re-saved copy.

    The `libreoffice` fixture (tests/conftest.py) skips without LibreOffice, or fails
    when CI=true.
    """
    work = tmp_path_factory.mktemp("lo")
    script = work / "lo_modules.py"
    script.write_text(_LO_SCRIPT)
    copy = work / "resaved.xlsm"
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    }
    run = subprocess.run(
        [
            str(libreoffice.python),
            str(script),
            str(libreoffice.soffice),
            str(xlsm),
            str(copy),
            str(work / "profile"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1]), copy


@pytest.mark.libreoffice
def test_libreoffice_sees_the_modules(
    libreoffice_view: tuple[dict, Path], sources: dict[str, str]
) -> None:
    libraries, _ = libreoffice_view
    modules = libraries["VBAProject"]
    # com.sun.star.script.ModuleType: 1 normal, 2 class, 4 document
    lo_type = {"standard": 1, "class": 2, "document": 4}
    assert {n: t for n, (t, _) in modules.items()} == {
        n: lo_type[k] for n, k in EXPECTED_MODULES.items()
    }
    # LibreOffice replaces the Attribute lines with its own two header lines.
    for name in ("PMOButtons", "xlwings"):
        lo_lines = modules[name][1].replace("\r\n", "\n").split("\n")
        assert lo_lines[:2] == ["Rem Attribute VBA_ModuleType=VBAModule", "Option VBASupport 1"]
        ours = [
            line
            for line in module_text(sources[name]).split("\r\n")
            if not line.startswith("Attribute ")
        ]
        assert [line.rstrip() for line in lo_lines[2:] if line.strip()] == [
            line.rstrip() for line in ours if line.strip()
        ]


@pytest.mark.libreoffice
def test_libreoffice_writes_the_same_dir_records(
    libreoffice_view: tuple[dict, Path], project: bytes
) -> None:
    """An independent writer (LibreOffice re-saving the workbook) emits the same records."""
    _, copy = libreoffice_view
    with zipfile.ZipFile(copy) as zf:
        theirs = zf.read("xl/vbaProject.bin")

    def shape(data: bytes) -> tuple[list[int], dict[str, list[int]]]:
        ole = olefile.OleFileIO(io.BytesIO(data))
        records = _dir_records(decompress_stream(ole.openstream("VBA/dir").read()))
        ids = [r for r, _ in records]
        first = ids.index(0x19)
        head, modules, current = ids[:first], {}, None
        for rec_id, payload in records[first:]:
            if rec_id == 0x19:
                current = payload.decode("cp1252")
                modules[current] = []
            if current is not None and rec_id != 0x10:
                modules[current].append(rec_id)
        return head, modules

    assert shape(theirs) == shape(project)


def test_module_texts_use_crlf(sources: dict[str, str]) -> None:
    for name, source in sources.items():
        text = module_text(source)
        assert "\n" not in text.replace("\r\n", ""), name
        assert text.startswith(f'Attribute VB_Name = "{name}"\r\n')
    assert vbaproject.VBA_DIR.is_dir()
