"""Uploaded files: streamed to disk in chunks, hashed, and refused past a size limit."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

from fangkong.errors import TooLarge

CHUNK = 1024 * 1024


def copy_limited(stream: BinaryIO, target: Path, limit: int) -> tuple[int, str]:
    """Copy `stream` into a new file `target`: (size, sha256); TooLarge (413) past `limit` bytes."""
    digest, size = hashlib.sha256(), 0
    with target.open("xb") as out:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"the file is larger than {limit // (1024 * 1024)} MB", field="file")
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest()
