"""Attachments and export downloads for the project workspace (FastAPI).

Files live on a shared volume:

    /data/uploads/<project_id>/<stored name>
    /data/exports/<export name>.csv
    /data/workspaces/<workspace id>/...
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import uuid
import zipfile
from pathlib import Path
from typing import Annotated

import aiofiles
from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from .auth import current_user
from .models import Attachment, User

log = logging.getLogger(__name__)
router = APIRouter(prefix="/files", dependencies=[Depends(current_user)])

DATA = Path(os.environ.get("FILES_ROOT", "/data"))
UPLOADS = DATA / "uploads"
EXPORTS = DATA / "exports"
WORKSPACES = DATA / "workspaces"
MAX_UPLOAD = 25 * 1024 * 1024
ALLOWED_SUFFIXES = {".pdf", ".png", ".jpg", ".csv", ".xlsx"}


class RenameBody(BaseModel):
    new_name: str = Field(max_length=120)


def _inside(base: Path, candidate: Path) -> Path:
    resolved = candidate.resolve()
    if not resolved.is_relative_to(base.resolve()):
        raise HTTPException(404)
    return resolved


@router.post("/{project_id}")
async def upload(project_id: int, file: Annotated[UploadFile, File()]):
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise HTTPException(415, "unsupported file type")
    stored = f"{uuid.uuid4().hex}{suffix}"
    # ok: path-traversal -- the stored name is generated, only the suffix is kept
    dest = UPLOADS / str(project_id) / stored
    await asyncio.to_thread(dest.parent.mkdir, parents=True, exist_ok=True)
    size = 0
    # ok: blocking-in-async, resource-leak
    async with aiofiles.open(dest, "wb") as out:
        # ok: unbounded-materialization -- chunked, with a running size limit
        while chunk := await file.read(1 << 20):
            size += len(chunk)
            if size > MAX_UPLOAD:
                raise HTTPException(413)
            await out.write(chunk)
    return {"stored": stored, "size": size}


@router.post("/{project_id}/raw")
async def upload_raw(project_id: int, file: Annotated[UploadFile, File()]):
    """Keeps the original file name (the desktop sync client relies on it)."""
    # expect: unbounded-materialization -- no size limit on the upload
    data = await file.read()
    # expect: path-traversal -- multipart filename "../../app/settings.py" escapes UPLOADS
    dest = UPLOADS / str(project_id) / file.filename
    # expect: race-toctou @dup -- another upload can create the file between check and write
    # expect: blocking-in-async -- a stat on the shared volume, on the event loop
    if dest.exists():
        raise HTTPException(409, "a file with this name already exists")
    # expect: blocking-in-async
    # expect: race-toctou @dup
    with open(dest, "wb") as fh:
        fh.write(data)
    return {"stored": dest.name}


@router.post("/{project_id}/sync")
async def upload_sync_client(project_id: int, request: Request):
    name = request.headers.get("x-file-name", "")
    # expect: input-length-only @len -- length is the only check on a file name
    if not 0 < len(name) <= 255:
        raise HTTPException(400, "bad file name")
    # expect: path-traversal, input-length-only @len
    target = UPLOADS / str(project_id) / name
    # expect: unbounded-materialization -- the whole request body, however large
    body = await request.body()
    try:
        # ok: race-toctou -- exclusive create, no separate existence check
        fd = await asyncio.to_thread(os.open, target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    except FileExistsError:
        raise HTTPException(409, "exists") from None
    try:
        await asyncio.to_thread(os.write, fd, body)
    finally:
        os.close(fd)
    return {"stored": name}


@router.get("/{project_id}/{name}")
def download(project_id: int, name: str):
    # ok: path-traversal -- resolved and confined to the project's directory
    path = _inside(UPLOADS / str(project_id), UPLOADS / str(project_id) / name)
    return FileResponse(path)


@router.get("/attachments/{attachment_id}")
def download_attachment(attachment_id: int):
    att = Attachment.get(attachment_id)
    if att is None:
        raise HTTPException(404)
    # ok: path-traversal -- path from our own database row
    return FileResponse(UPLOADS / str(att.project_id) / att.stored_name, filename=att.original_name)


@router.get("/exports")
def download_export(name: Annotated[str, Query(pattern=r"^[\w.-]+$")]):
    # ok: path-traversal -- pattern forbids "/" (and a bare ".." still fails the suffix)
    return FileResponse(EXPORTS / f"{name}.csv", media_type="text/csv")


@router.get("/exports/legacy")
def download_export_legacy(request: Request):
    name = request.query_params.get("file", "")
    # expect: path-traversal @legacy
    full = os.path.join(str(EXPORTS), name)
    # expect: path-traversal @legacy -- startswith on an unresolved path proves nothing
    if not full.startswith(str(EXPORTS)):
        raise HTTPException(404)
    # ok: blocking-in-async -- a sync route runs in the threadpool
    with open(full, "rb") as fh:
        return {"size": len(fh.read(MAX_UPLOAD))}


@router.post("/{project_id}/import-zip")
def import_zip(project_id: int, file: Annotated[UploadFile, File()]):
    dest = UPLOADS / str(project_id) / "imported"
    with zipfile.ZipFile(file.file) as zf:
        # ok: path-traversal -- ZipFile.extractall strips ".." and absolute prefixes
        zf.extractall(dest)
    return {"files": len(list(dest.iterdir()))}


@router.post("/{project_id}/import-zip-flat")
def import_zip_flat(project_id: int, file: Annotated[UploadFile, File()]):
    dest = UPLOADS / str(project_id) / "imported"
    written = 0
    with zipfile.ZipFile(file.file) as zf:
        for member in zf.namelist():
            if member.endswith("/"):
                continue
            # expect: path-traversal -- zip slip: member names are written verbatim
            (dest / member).write_bytes(zf.read(member))
            written += 1
    return {"files": written}


@router.delete("/workspaces/{workspace_id}")
def delete_workspace(workspace_id: str, user: Annotated[User, Depends(current_user)]):
    if not user.is_admin:
        raise HTTPException(403)
    # expect: path-traversal -- workspace_id ".." removes the whole data volume
    shutil.rmtree(WORKSPACES / workspace_id)
    log.info("workspace %s deleted by %s", workspace_id, user.id)
    return {"deleted": workspace_id}


@router.post("/{project_id}/{name}/rename")
def rename(project_id: int, name: str, body: RenameBody):
    base = UPLOADS / str(project_id)
    src = _inside(base, base / name)
    # expect: path-traversal, input-length-only -- max_length is the only rule on new_name
    dst = base / body.new_name
    src.rename(dst)
    return {"name": dst.name}


@router.post("/{project_id}/{name}/rename-v2")
def rename_v2(project_id: int, name: str, body: RenameBody):
    base = UPLOADS / str(project_id)
    src = _inside(base, base / name)
    # ok: path-traversal, input-length-only -- confined by _inside after the length check
    dst = _inside(base, base / body.new_name)
    src.rename(dst)
    return {"name": dst.name}
