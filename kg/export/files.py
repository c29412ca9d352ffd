"""Writing an export to files, for `kg export`: one file written under a
temporary name and renamed, a folder of CSV tables, or standard output."""
from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ..errors import KGError
from .registry import Format
from .tables import write_folder, write_zip

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["save"]


def save(subgraph: "nx.MultiDiGraph", fmt: Format, output: str | Path,
         stdout: BinaryIO | None = None) -> list[Path]:
    """Write an export where the CLI was told to, and say what was written.

    `stdout` given: the bytes go there.  Format ``csv`` with `output` an
    existing folder or a name ending in ``/``: ``<name>-edges.csv`` and
    ``<name>-nodes.csv`` in it; ending in ``.zip``: a zip of both.  Anything
    else is one file, written to a temporary name and renamed, so an
    interrupted export never leaves half a file.
    """
    if stdout is not None:
        stdout.write(fmt.load()(subgraph))
        stdout.flush()
        return []
    output_text = str(output)
    path = Path(output)
    stem = f"{subgraph.graph.get('base_name') or 'export'}-"
    if fmt.name == "csv" and (path.is_dir() or output_text.endswith(("/", os.sep))):
        return write_folder(subgraph, path, stem)
    if fmt.name == "csv" and path.suffix.lower() == ".zip":
        data = write_zip(subgraph, stem)
    else:
        data = fmt.load()(subgraph)
    partial = path.with_name(f".{path.name}.partial")
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a folder", str(path))
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True)
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as err:
        # A path the user cannot write (a folder, /proc, no permission) is a
        # one-line error, never a traceback, and no .partial file stays
        # (web and CLI paths).
        with contextlib.suppress(OSError):
            partial.unlink()
        raise KGError(f"cannot write {output_text}: {err.strerror or err}") from None
    return [path]
