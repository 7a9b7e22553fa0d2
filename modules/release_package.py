"""The local environment's Rust package of one release, made at synth time from the stub: the
stub's entries and a ``RELEASE`` file naming the release, with fixed times and modes, so the
same release gives the same bytes (and code hash) on every synth and another release other
bytes (a new Lambda version). No zip per release in git."""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
import zipfile
from pathlib import Path

ARCHIVE_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry holds
RELEASE_FILE = "RELEASE"
_FOLDER: list[Path] = []


def release_bytes(stub: Path, version: str) -> bytes:
    """The package of release ``version`` from the stub zip ``stub``, as bytes."""
    target = tempfile.SpooledTemporaryFile()
    with zipfile.ZipFile(stub) as source, zipfile.ZipFile(target, "w",
                                                           zipfile.ZIP_DEFLATED) as out:
        for entry in sorted(source.infolist(), key=lambda e: e.filename):
            if entry.filename == RELEASE_FILE:
                continue
            copied = zipfile.ZipInfo(entry.filename, ARCHIVE_TIME)
            copied.external_attr = entry.external_attr  # keeps bootstrap executable
            copied.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(copied, source.read(entry))
        release = zipfile.ZipInfo(RELEASE_FILE, ARCHIVE_TIME)
        release.external_attr = 0o644 << 16
        release.compress_type = zipfile.ZIP_DEFLATED
        out.writestr(release, f"{version}\n")
    target.seek(0)
    return target.read()


def release_package(stub: Path, version: str) -> Path:
    """``release_bytes`` written to a file of its own (in a folder removed when this process
    exits, after synthesis has copied it), named by its content's hash."""
    if not _FOLDER:
        _FOLDER.append(Path(tempfile.mkdtemp(prefix="scorer-rust-release-")))
        atexit.register(shutil.rmtree, _FOLDER[0], True)
    data = release_bytes(stub, version)
    path = _FOLDER[0] / f"rust-{hashlib.sha256(data).hexdigest()[:16]}.zip"
    path.write_bytes(data)
    return path
