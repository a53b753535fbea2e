"""Import jobs that unpack customer-supplied archives into a workspace directory."""

from __future__ import annotations

import logging
import os
import shutil
import tarfile
import zipfile
from pathlib import Path

log = logging.getLogger(__name__)

WORKSPACES = Path("/var/lib/importer/workspaces")


def unpack_tarball(archive: str, workspace: str) -> Path:
    """Unpack a ``.tar.gz`` upload into its workspace."""
    dest = WORKSPACES / workspace
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        # expect: path-traversal
        tar.extractall(dest)
    return dest


def unpack_tarball_filtered(archive: str, workspace: str) -> Path:
    dest = WORKSPACES / workspace
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        # ok: path-traversal -- the "data" filter rejects absolute paths, "..", and links out
        tar.extractall(dest, filter="data")
    return dest


def unpack_zip(archive: str, workspace: str) -> Path:
    """Unpack a ``.zip`` upload."""
    dest = WORKSPACES / workspace
    with zipfile.ZipFile(archive) as zf:
        # ok: path-traversal -- ZipFile.extractall sanitises member names
        zf.extractall(dest)
    return dest


def unpack_zip_flat(archive: str, workspace: str) -> list[Path]:
    """Unpack a zip, writing members ourselves so we can skip macOS metadata."""
    dest = WORKSPACES / workspace
    written = []
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            if info.is_dir() or info.filename.startswith("__MACOSX/"):
                continue
            # expect: path-traversal @zipslip
            target = os.path.join(dest, info.filename)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            # expect: path-traversal @zipslip
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            written.append(Path(target))
    return written


def unpack_tar_members(archive: str, workspace: str) -> None:
    """Only extract regular files whose names look sane."""
    dest = (WORKSPACES / workspace).resolve()
    with tarfile.open(archive) as tar:
        safe = []
        for member in tar.getmembers():
            target = (dest / member.name).resolve()
            if member.isfile() and target.is_relative_to(dest):
                safe.append(member)
        # ok: path-traversal -- members pre-filtered against the destination
        tar.extractall(dest, members=safe, filter="data")


def remove_workspace(workspace: str) -> None:
    """Delete a workspace after the import finished (name comes from the job message)."""
    # expect: path-traversal @rm
    target = os.path.join(str(WORKSPACES), workspace)
    # expect: path-traversal @rm
    if target.startswith(str(WORKSPACES)):
        shutil.rmtree(target)


def remove_workspace_safe(workspace: str) -> None:
    target = os.path.realpath(os.path.join(WORKSPACES, workspace))
    # ok: path-traversal -- realpath + commonpath containment check
    if os.path.commonpath([target, str(WORKSPACES)]) == str(WORKSPACES) and target != str(WORKSPACES):
        shutil.rmtree(target)
