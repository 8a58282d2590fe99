"""Reading the user's own small files (wallet, config.toml, cookies.txt).

They are a few KB: reading at most a bounded amount keeps a wrong path
(/dev/zero, a disk image) from reading forever or filling memory.
"""

from __future__ import annotations

from pathlib import Path

MAX_BYTES = 4 * 1024 * 1024


def read_text(path: Path, encoding: str) -> str:
    """The file's text; OSError when it cannot be read or is too large to be one."""
    with open(path, "rb") as fh:
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise OSError(f"larger than {MAX_BYTES // 1024 // 1024} MB: is it the right file?")
    return data.decode(encoding)
