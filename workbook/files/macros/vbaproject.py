"""Write a VBA project (`vbaProject.bin`) from module source text, per MS-OVBA.

The project carries source code only: `_VBA_PROJECT` has version 0xFFFF and no
performance cache, and every module's text offset is 0, so Office discards nothing
and compiles the modules from source when the workbook is opened.

Module sources are stored in the form a module stream holds them (what olevba
shows): an `Attribute VB_Name` line first. A module whose `VB_Base` attribute names
the Excel Workbook or Worksheet class is a document module, one naming the VBA class
base is a class module, any other is a standard module.

Choices: the project refers to stdole and the Office object library (the latter
declares `IRibbonControl` for ribbon callbacks), like a project Excel creates. Sheet
document modules are not written: Excel adds the module of any sheet that lacks
one when it opens the workbook; `ThisWorkbook` is written because the workbook's
code name (`set_vba_name`) refers to it.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

from workbook.files.macros.cfb import build_compound_file

VBA_DIR = Path(__file__).parent / "vba"
CODEPAGE = 1252
_CODEC = "cp1252"
PROJECT_NAME = "VBAProject"
# Fixed so the same sources always give the same bytes.
PROJECT_ID = "{6C1B4E5A-2F0D-4B8E-9C3A-5D7E8F901A2B}"
_SEED = 0x2A  # encryption seed of CMG/DPB/GC; any value is valid, a fixed one is reproducible

WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"
CLASS_BASE = "0{FCFB3D2A-A0FA-1068-A738-08002B3371B5}"

_REFERENCES = (
    (
        "stdole",
        r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0"
        r"#C:\Windows\System32\stdole2.tlb#OLE Automation",
    ),
    # Version 2.0: Office loads the newest registered 2.x library (as Excel itself writes).
    (
        "Office",
        r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0"
        r"#C:\Program Files\Common Files\Microsoft Shared\OFFICE16\MSO.DLL"
        r"#Microsoft Office 16.0 Object Library",
    ),
)
_NAME_RE = re.compile(r'\AAttribute VB_Name = "([A-Za-z][A-Za-z0-9_]{0,30})"\r\n')
_BASE_RE = re.compile(r'^Attribute VB_Base = "([^"]*)"\r$', re.MULTILINE)


# --- MS-OVBA 2.4.1 compression -------------------------------------------------------


def compress(data: bytes) -> bytes:
    """Compress `data` into an MS-OVBA CompressedContainer (section 2.4.1.3.6)."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        chunk = data[start : start + 4096]
        body = _compress_chunk(chunk)
        if len(body) <= 4096:
            out += struct.pack("<H", 0xB000 | (len(body) - 1)) + body
        else:  # 2.4.1.3.10: a raw chunk always holds 4096 bytes, padded with zeros
            out += struct.pack("<H", 0x3FFF) + chunk.ljust(4096, b"\0")
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    """Token sequences for one chunk (2.4.1.3.7), greedy longest match like the spec."""
    out = bytearray()
    heads: dict[bytes, list[int]] = {}  # 3-byte prefix -> earlier positions, oldest first
    pos, end = 0, len(chunk)
    while pos < end:
        flag_at = len(out)
        out.append(0)
        for bit in range(8):
            if pos >= end:
                break
            length, offset = _match(chunk, pos, heads)
            if length:
                bits = max((pos - 1).bit_length(), 4)
                out += struct.pack("<H", ((offset - 1) << (16 - bits)) | (length - 3))
                out[flag_at] |= 1 << bit
                step = length
            else:
                out.append(chunk[pos])
                step = 1
            for p in range(pos, pos + step):
                heads.setdefault(chunk[p : p + 3], []).append(p)
            pos += step
    return bytes(out)


def _match(chunk: bytes, pos: int, heads: dict[bytes, list[int]]) -> tuple[int, int]:
    """Longest earlier match at `pos` (nearest wins ties), capped as CopyToken Help says."""
    candidates = heads.get(chunk[pos : pos + 3])
    if not candidates or pos + 3 > len(chunk):
        return 0, 0
    bits = max((pos - 1).bit_length(), 4)  # ceil(log2(pos)) for pos >= 1
    maximum = (0xFFFF >> bits) + 3
    best_len, best_pos = 0, 0
    for cand in reversed(candidates[-256:]):  # bounded search keeps worst cases fast
        length = 3
        while (
            length < maximum
            and pos + length < len(chunk)
            and chunk[cand + length] == chunk[pos + length]
        ):
            length += 1
        if length > best_len:
            best_len, best_pos = length, cand
            if length == maximum:
                break
    return best_len, pos - best_pos


# --- MS-OVBA 2.4.3 data encryption (CMG, DPB and GC in the PROJECT stream) -----------


def encrypt(data: bytes, project_id: str = PROJECT_ID, seed: int = _SEED) -> str:
    """Obfuscate `data` as MS-OVBA 2.4.3.2 specifies and return it as hex digits."""
    version, key = 2, sum(project_id.encode("ascii")) & 0xFF
    out = bytearray([seed, seed ^ version, seed ^ key])
    unencrypted1, encrypted1, encrypted2 = key, seed ^ key, seed ^ version
    ignored = bytes((seed & 6) // 2)  # arbitrary bytes; zeros keep the output reproducible
    for byte in ignored + struct.pack("<I", len(data)) + data:
        enc = byte ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(enc)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte
    return out.hex().upper()


def decrypt(hex_text: str, project_id: str = PROJECT_ID) -> bytes:
    """Inverse of `encrypt` (MS-OVBA 2.4.3.3); checks the version and project key."""
    raw = bytes.fromhex(hex_text)
    seed, version, key = raw[0], raw[1] ^ raw[0], raw[2] ^ raw[0]
    if version != 2 or key != sum(project_id.encode("ascii")) & 0xFF:
        raise ValueError("not data encrypted for this project")
    unencrypted1, encrypted1, encrypted2 = key, raw[2], raw[1]
    plain = bytearray()
    for enc in raw[3:]:
        byte = enc ^ ((encrypted2 + unencrypted1) & 0xFF)
        plain.append(byte)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte
    ignored = (seed & 6) // 2
    length = struct.unpack("<I", plain[ignored : ignored + 4])[0]
    return bytes(plain[ignored + 4 : ignored + 4 + length])


# --- Module sources --------------------------------------------------------------------


def module_text(source: str) -> str:
    """The text a module stream stores for `source`: CRLF line ends, ending in CRLF."""
    text = source.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
    return text if text.endswith("\r\n") else text + "\r\n"


def module_kind(source: str) -> str:
    """'document', 'class' or 'standard', from the module's VB_Base attribute."""
    match = _BASE_RE.search(module_text(source))
    if match is None:
        return "standard"
    if match.group(1) in (WORKBOOK_BASE, WORKSHEET_BASE):
        return "document"
    return "class"


def load_sources(folder: Path = VBA_DIR) -> dict[str, str]:
    """Read the `.bas` and `.cls` files of `folder`: module name -> source text.

    Document modules come first, then the others in name order, so the project
    lists them as Excel would.
    """
    sources: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in (".bas", ".cls"):
            sources[path.stem] = path.read_bytes().decode(_CODEC)
    return dict(
        sorted(sources.items(), key=lambda kv: (module_kind(kv[1]) != "document", kv[0].lower()))
    )


def default_project() -> bytes:
    """The workbook's VBA project, built from the sources in `workbook/vba/`."""
    return build_vba_project(load_sources())


# --- The project -------------------------------------------------------------------------


def build_vba_project(modules: dict[str, str]) -> bytes:
    """Return the bytes of a `vbaProject.bin` holding `modules` (name -> source text).

    Each source must start with `Attribute VB_Name = "<name>"`. Sources are stored
    with CRLF line ends in code page 1252. The same input always gives the same bytes.
    """
    if not modules:
        raise ValueError("a VBA project needs at least one module")
    texts: dict[str, bytes] = {}
    for name, source in modules.items():
        text = module_text(source)
        match = _NAME_RE.match(text)
        if match is None or match.group(1) != name:
            raise ValueError(f'module {name!r} must start with Attribute VB_Name = "{name}"')
        try:
            texts[name] = text.encode(_CODEC)
        except UnicodeEncodeError as exc:
            line = text[: exc.start].count("\n") + 1
            raise ValueError(
                f"module {name!r} line {line}: character {text[exc.start]!r} "
                f"is not in code page {CODEPAGE}; use plain text"
            ) from exc
    if len({n.lower() for n in texts}) != len(texts):
        raise ValueError("module names must differ regardless of case")
    kinds = {name: module_kind(source) for name, source in modules.items()}

    streams = {
        "PROJECT": _project_stream(kinds),
        "PROJECTwm": _projectwm_stream(list(texts)),
        # 2.3.4.1: Reserved1 0x61CC, Version 0xFFFF (forces a recompile), Reserved2 0x00,
        # Reserved3 as Excel writes it; no PerformanceCache follows.
        "VBA/_VBA_PROJECT": bytes.fromhex("CC61FFFF000100"),
        "VBA/dir": compress(_dir_stream(kinds)),
    }
    for name, data in texts.items():
        streams[f"VBA/{name}"] = compress(data)
    return build_compound_file(streams)


def _project_stream(kinds: dict[str, str]) -> bytes:
    """2.3.1: the PROJECT stream, MBCS text with CRLF line ends."""
    lines = [f'ID="{PROJECT_ID}"']
    for name, kind in kinds.items():
        lines.append(
            {
                "document": f"Document={name}/&H00000000",
                "class": f"Class={name}",
                "standard": f"Module={name}",
            }[kind]
        )
    lines += [
        f'Name="{PROJECT_NAME}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{encrypt(bytes(4))}"',  # protection state: nothing protected
        f'DPB="{encrypt(bytes(1))}"',  # no password
        f'GC="{encrypt(bytes([0xFF]))}"',  # project visible
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
    ]
    return "\r\n".join(lines).encode(_CODEC) + b"\r\n"


def _projectwm_stream(names: list[str]) -> bytes:
    """2.3.3: module names in MBCS and UTF-16, each null-terminated, then 0x0000."""
    body = b"".join(n.encode(_CODEC) + b"\0" + n.encode("utf-16-le") + b"\0\0" for n in names)
    return body + b"\0\0"


def _record(rec_id: int, payload: bytes) -> bytes:
    return struct.pack("<HI", rec_id, len(payload)) + payload


def _text_pair(rec_id: int, reserved: int, text: str) -> bytes:
    """A record holding MBCS text then, after a reserved id, the same text in UTF-16."""
    return _record(rec_id, text.encode(_CODEC)) + _record(reserved, text.encode("utf-16-le"))


def _dir_stream(kinds: dict[str, str]) -> bytes:
    """2.3.4.2: the decompressed dir stream with every record Excel writes."""
    u32, u16 = (lambda v: struct.pack("<I", v)), (lambda v: struct.pack("<H", v))
    out = bytearray()
    # PROJECTINFORMATION
    out += _record(0x0001, u32(1))  # SYSKIND: 32-bit Windows (Office reads any)
    out += _record(0x0002, u32(0x409))  # LCID
    out += _record(0x0014, u32(0x409))  # LCIDINVOKE
    out += _record(0x0003, u16(CODEPAGE))
    out += _record(0x0004, PROJECT_NAME.encode(_CODEC))
    out += _text_pair(0x0005, 0x0040, "")  # DOCSTRING
    out += _text_pair(0x0006, 0x003D, "")  # HELPFILEPATH (HelpFile1, HelpFile2)
    out += _record(0x0007, u32(0))  # HELPCONTEXT
    out += _record(0x0008, u32(0))  # LIBFLAGS
    out += u16(0x0009) + u32(4) + u32(1) + u16(0)  # VERSION: major 1, minor 0
    out += _text_pair(0x000C, 0x003C, "")  # CONSTANTS
    # PROJECTREFERENCES
    for name, libid in _REFERENCES:
        out += _text_pair(0x0016, 0x003E, name)
        libid_bytes = libid.encode(_CODEC)
        registered = u32(len(libid_bytes)) + libid_bytes + u32(0) + u16(0)
        out += _record(0x000D, registered)
    # PROJECTMODULES
    out += _record(0x000F, u16(len(kinds)))
    out += _record(0x0013, u16(0xFFFF))  # PROJECTCOOKIE
    for name, kind in kinds.items():
        out += _record(0x0019, name.encode(_CODEC))  # MODULENAME
        out += _record(0x0047, name.encode("utf-16-le"))  # MODULENAMEUNICODE
        out += _text_pair(0x001A, 0x0032, name)  # MODULESTREAMNAME
        out += _text_pair(0x001C, 0x0048, "")  # MODULEDOCSTRING
        out += _record(0x0031, u32(0))  # MODULEOFFSET: source starts the stream
        out += _record(0x001E, u32(0))  # MODULEHELPCONTEXT
        out += _record(0x002C, u16(0xFFFF))  # MODULECOOKIE
        out += u16(0x0021 if kind == "standard" else 0x0022) + u32(0)  # MODULETYPE
        out += u16(0x002B) + u32(0)  # module terminator
    out += u16(0x0010) + u32(0)  # dir terminator
    return bytes(out)
