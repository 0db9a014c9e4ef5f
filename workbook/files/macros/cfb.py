"""A minimal writer for OLE compound files (MS-CFB, version 3, 512-byte sectors).

Enough to write a `vbaProject.bin`: storages and streams, a FAT, a mini FAT with the
mini stream for streams under 4096 bytes, and sibling trees that are valid red-black
trees. Output is deterministic: no timestamps, no CLSIDs, no random bytes.

Limits: no DIFAT sectors, so at most 109 FAT sectors (files up to ~6.8 MB).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
_MAX_HEADER_FAT = 109
_ROOT, _STORAGE, _STREAM = 5, 1, 2
_RED, _BLACK = 0, 1


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list[_Entry] = field(default_factory=list)
    sid: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = _BLACK
    start: int = ENDOFCHAIN
    size: int = 0


def _sort_key(name: str) -> tuple[int, str]:
    # MS-CFB 2.6.4: shorter names first, then code-point order of the upper-cased names.
    return (len(name), name.upper())


def _ceil_div(n: int, d: int) -> int:
    return -(-n // d)


def build_compound_file(streams: dict[str, bytes]) -> bytes:
    """Return a compound file holding `streams`, keyed by '/'-separated paths.

    Storages are created for every folder part of a path ("VBA/dir" makes storage
    "VBA" holding stream "dir"). Names are at most 31 characters.
    """
    root = _Entry("Root Entry", _ROOT)
    for path, data in streams.items():
        *folders, leaf = path.split("/")
        node = root
        for folder in folders:
            found = next((c for c in node.children if c.name == folder), None)
            if found is None:
                found = _Entry(folder, _STORAGE)
                node.children.append(found)
            elif found.kind != _STORAGE:
                raise ValueError(f"{path!r}: {folder!r} is a stream, not a storage")
            node = found
        if any(c.name.upper() == leaf.upper() for c in node.children):
            raise ValueError(f"duplicate entry {path!r}")
        node.children.append(_Entry(leaf, _STREAM, data=bytes(data)))

    entries: list[_Entry] = []
    _number(root, entries)
    for entry in entries:
        if len(entry.name) > 31:
            raise ValueError(f"entry name longer than 31 characters: {entry.name!r}")
        if entry.children:
            entry.child = _tree(
                sorted(entry.children, key=lambda e: _sort_key(e.name)),
                0,
                _depth(len(entry.children)),
            )

    # Small streams live in the mini stream, itself stored in the root entry's chain.
    mini_stream = bytearray()
    mini_fat: list[int] = []
    for entry in entries:
        if entry.kind == _STREAM and 0 < len(entry.data) < MINI_CUTOFF:
            first = len(mini_fat)
            count = _ceil_div(len(entry.data), MINI_SECTOR)
            mini_fat.extend(range(first + 1, first + count))
            mini_fat.append(ENDOFCHAIN)
            mini_stream += entry.data.ljust(count * MINI_SECTOR, b"\0")
            entry.start, entry.size = first, len(entry.data)

    # Regular sectors, in order: directory, mini FAT, mini stream, big streams, FAT.
    chains: list[tuple[_Entry | None, bytes]] = []
    directory = _directory(entries)  # start sectors are filled in once known, below
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    if mini_fat:
        mini_fat_bytes += struct.pack("<I", FREESECT) * (
            (_ceil_div(len(mini_fat_bytes), SECTOR) * SECTOR - len(mini_fat_bytes)) // 4
        )
    chains.append((None, directory))
    chains.append((None, mini_fat_bytes))
    chains.append((root, bytes(mini_stream)))
    for entry in entries:
        if entry.kind == _STREAM and len(entry.data) >= MINI_CUTOFF:
            chains.append((entry, entry.data))

    fat: list[int] = []
    starts: list[int] = []
    body = bytearray()
    for owner, data in chains:
        count = _ceil_div(len(data), SECTOR)
        start = len(fat) if count else ENDOFCHAIN
        starts.append(start)
        if count:
            fat.extend(range(start + 1, start + count))
            fat.append(ENDOFCHAIN)
            body += data.ljust(count * SECTOR, b"\0")
        if owner is not None:
            owner.start, owner.size = start, len(data)

    n_fat = 1
    while n_fat * (SECTOR // 4) < len(fat) + n_fat:
        n_fat += 1
    if n_fat > _MAX_HEADER_FAT:
        raise ValueError("compound file too large for a writer without DIFAT sectors")
    fat_first = len(fat)
    fat.extend([FATSECT] * n_fat)
    fat.extend([FREESECT] * (n_fat * (SECTOR // 4) - len(fat)))

    # Now that every start sector is known, write the directory for real.
    dir_start, mini_fat_start = starts[0], starts[1]
    body[: len(directory)] = _directory(entries)

    header = _header(
        n_fat=n_fat,
        dir_start=dir_start,
        mini_fat_start=mini_fat_start if mini_fat else ENDOFCHAIN,
        n_mini_fat=_ceil_div(len(mini_fat) * 4, SECTOR),
        fat_sectors=list(range(fat_first, fat_first + n_fat)),
    )
    return header + bytes(body) + struct.pack(f"<{len(fat)}I", *fat)


def _number(entry: _Entry, out: list[_Entry]) -> None:
    entry.sid = len(out)
    out.append(entry)
    for child in entry.children:
        _number(child, out)


def _depth(n: int) -> int:
    """Depth of the deepest node of a balanced tree of n nodes (root at depth 0)."""
    return max(n.bit_length() - 1, 0)


def _tree(nodes: list[_Entry], depth: int, deepest: int) -> int:
    """Link sorted `nodes` as a balanced tree and return the root's id.

    Nodes on the deepest level are red, the rest black: every path from the root to a
    leaf then crosses the same number of black nodes and no red node has a red parent.
    """
    if not nodes:
        return NOSTREAM
    mid = len(nodes) // 2
    node = nodes[mid]
    node.color = _RED if depth == deepest and depth > 0 else _BLACK
    node.left = _tree(nodes[:mid], depth + 1, deepest)
    node.right = _tree(nodes[mid + 1 :], depth + 1, deepest)
    return node.sid


def _directory(entries: list[_Entry]) -> bytes:
    """Directory records, padded to whole sectors with unused entries."""
    per_sector = SECTOR // 128
    unused = _ceil_div(len(entries), per_sector) * per_sector - len(entries)
    return b"".join(_dir_record(e) for e in entries) + _dir_record(None) * unused


def _dir_record(entry: _Entry | None) -> bytes:
    if entry is None:
        return (
            b"\0" * 64
            + struct.pack("<HBB3I", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM)
            + (b"\0" * 36 + struct.pack("<IQ", 0, 0))
        )
    name = (entry.name + "\0").encode("utf-16-le")
    return (
        name.ljust(64, b"\0")
        + struct.pack(
            "<HBB3I", len(name), entry.kind, entry.color, entry.left, entry.right, entry.child
        )
        + b"\0" * 16  # CLSID
        + b"\0" * 4  # state bits
        + b"\0" * 16  # creation and modification times
        + struct.pack(
            "<IQ",
            entry.start if entry.kind != _STORAGE else 0,
            entry.size if entry.kind != _STORAGE else 0,
        )
    )


def _header(
    *, n_fat: int, dir_start: int, mini_fat_start: int, n_mini_fat: int, fat_sectors: list[int]
) -> bytes:
    difat = fat_sectors + [FREESECT] * (_MAX_HEADER_FAT - len(fat_sectors))
    return (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIII", 0, n_fat, dir_start, 0)
        + struct.pack("<IIIII", MINI_CUTOFF, mini_fat_start, n_mini_fat, ENDOFCHAIN, 0)
        + struct.pack(f"<{_MAX_HEADER_FAT}I", *difat)
    )
