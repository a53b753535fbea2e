"""Request models for the FastAPI file-sharing service."""

from __future__ import annotations

import subprocess
from pathlib import Path

from fastapi import FastAPI
from pydantic import BaseModel, EmailStr, Field, HttpUrl, constr

app = FastAPI()
SHARE_ROOT = Path("/srv/shares")


class UploadRequest(BaseModel):
    # expect: input-length-only
    filename: str = Field(..., min_length=1, max_length=255)
    # ok: input-length-only -- free-text description, only stored and escaped on output
    description: str = Field("", max_length=2000)
    # ok: input-length-only -- pattern restricts the characters
    folder: str = Field("inbox", pattern=r"^[a-z0-9-]{1,40}$")


class ShareRequest(BaseModel):
    # ok: input-length-only -- EmailStr validates the format
    recipient: EmailStr
    # expect: input-length-only
    callback_url: constr(min_length=8, max_length=2048)
    # ok: input-length-only -- HttpUrl validates the URL
    homepage: HttpUrl | None = None


class MirrorRequest(BaseModel):
    # expect: input-length-only
    hostname: str = Field(..., max_length=253)


@app.post("/upload")
def upload(req: UploadRequest) -> dict:
    # expect: path-traversal -- filename was only length-checked
    target = SHARE_ROOT / req.folder / req.filename
    target.parent.mkdir(parents=True, exist_ok=True)
    target.touch()
    return {"path": str(target)}


@app.post("/share")
async def share(req: ShareRequest) -> dict:
    return {"recipient": req.recipient, "callback": req.callback_url}


@app.post("/mirror")
def mirror(req: MirrorRequest) -> dict:
    """Mirror the share to another host with rsync."""
    # expect: command-injection -- argument injection: a hostname starting with "-" is an rsync option
    subprocess.run(["rsync", "-a", str(SHARE_ROOT), f"{req.hostname}:/srv/mirror/"], check=True, timeout=300)
    return {"mirrored_to": req.hostname}
