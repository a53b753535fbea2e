"""Ingestion endpoints: file uploads, raw event batches and S3 imports (FastAPI)."""

from __future__ import annotations

import hashlib

import boto3
from fastapi import FastAPI, HTTPException, Request, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import Event, engine

app = FastAPI()
s3 = boto3.client("s3")
MAX_UPLOAD = 20 * 1024 * 1024


@app.post("/uploads")
async def upload(file: UploadFile) -> dict:
    """Store an upload and return its checksum."""
    # expect: unbounded-materialization
    data = await file.read()
    return {"name": file.filename, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


@app.post("/uploads/chunked")
async def upload_chunked(file: UploadFile) -> dict:
    digest = hashlib.sha256()
    size = 0
    # ok: unbounded-materialization -- fixed-size chunks with a running size limit
    while chunk := await file.read(1024 * 1024):
        size += len(chunk)
        if size > MAX_UPLOAD:
            raise HTTPException(status_code=413)
        digest.update(chunk)
    return {"name": file.filename, "sha256": digest.hexdigest(), "size": size}


@app.post("/events/raw")
async def raw_events(request: Request) -> dict:
    """Newline-delimited JSON events from the mobile SDK."""
    # expect: unbounded-materialization
    body = await request.body()
    return {"received": body.count(b"\n")}


@app.post("/events/stream")
async def stream_events(request: Request) -> dict:
    received = 0
    size = 0
    # ok: unbounded-materialization -- consumes the body as a stream with a cap
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD:
            raise HTTPException(status_code=413)
        received += chunk.count(b"\n")
    return {"received": received}


@app.post("/imports/s3")
def import_from_s3(bucket: str, key: str) -> dict:
    """Import a customer-provided export that they dropped in our S3 bucket."""
    obj = s3.get_object(Bucket=bucket, Key=key)
    # expect: unbounded-materialization
    payload = obj["Body"].read()
    return {"bytes": len(payload)}


@app.get("/imports/s3/{bucket}")
def list_imports(bucket: str) -> dict:
    """Every object in the customer's import bucket."""
    resource = boto3.resource("s3")
    # expect: unbounded-materialization
    keys = [o.key for o in resource.Bucket(bucket).objects.all()]
    return {"keys": keys}


@app.get("/events/export")
def export_events() -> dict:
    with Session(engine) as session:
        # expect: unbounded-materialization
        events = session.scalars(select(Event).order_by(Event.id)).all()
        return {"events": [e.as_dict() for e in events]}


@app.get("/events/latest")
def latest_events() -> dict:
    with Session(engine) as session:
        # ok: unbounded-materialization -- LIMIT 200
        events = session.scalars(select(Event).order_by(Event.id.desc()).limit(200)).all()
        return {"events": [e.as_dict() for e in events]}


@app.get("/events/checksum")
def events_checksum() -> dict:
    digest = hashlib.sha256()
    with Session(engine) as session:
        # ok: unbounded-materialization -- yield_per streams rows in batches
        for event in session.scalars(select(Event).order_by(Event.id).execution_options(yield_per=1000)):
            digest.update(event.payload_bytes)
    return {"sha256": digest.hexdigest()}
