"""Writing output files: all or nothing."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from symnn.errors import SymnnError


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a file through a temporary file in the same directory and a rename.

    Text is written as UTF-8 with ``\\n`` line ends. An error leaves no partial file.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if path.is_dir():
        raise SymnnError(f"-o: {path} is a directory; expected a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise SymnnError(f"-o: no such directory: {folder}")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_folder(outdir: Path, files: dict[str, bytes | str]) -> None:
    """Write each file (path relative to ``outdir`` -> contents), making folders as needed."""
    for relative, data in files.items():
        path = outdir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
