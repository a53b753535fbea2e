"""The language server in process (the server object, no transport), for scheduling tests
and the server-level incremental property: open and change documents as pygls would,
capture what it publishes, wait until it is quiet."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

from lsprotocol import types

from caveat.lsp.server import CaveatServer, did_change, did_open


def make_server() -> tuple[CaveatServer, list[types.PublishDiagnosticsParams]]:
    server = CaveatServer()
    published: list[types.PublishDiagnosticsParams] = []
    server.text_document_publish_diagnostics = published.append
    server.window_log_message = lambda params: None
    server.window_show_message = lambda params: None
    initialized = server.protocol.lsp_initialize(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=Path.cwd().as_uri()))
    if hasattr(initialized, "__next__"):
        list(initialized)
    return server, published


def open_document(server: CaveatServer, uri: str, text: str, version: int = 1) -> None:
    item = types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
    server.workspace.put_text_document(item)
    did_open(server, types.DidOpenTextDocumentParams(text_document=item))


def replace_text(server: CaveatServer, uri: str, version: int, text: str) -> None:
    change_document(server, uri, version, types.TextDocumentContentChangeWholeDocument(text=text))


def change_document(server: CaveatServer, uri: str, version: int, change) -> None:
    """One didChange with one content change (whole document or a range), as pygls applies it."""
    identifier = types.VersionedTextDocumentIdentifier(uri=uri, version=version)
    server.workspace.update_text_document(identifier, change)
    did_change(server, types.DidChangeTextDocumentParams(text_document=identifier, content_changes=[change]))


async def settle(server: CaveatServer, uri: str, timeout: float = 120) -> None:
    """Until the document's current version is published and all its work has finished
    (the API stage and the settled re-publication included)."""
    deadline = time.monotonic() + timeout
    state = server.documents[uri]
    while state.published_generation != state.generation or (state.task and not state.task.done()):
        assert time.monotonic() < deadline, "analysis did not finish"
        await asyncio.sleep(0.02)


async def published_current(server: CaveatServer, uri: str, timeout: float = 60) -> None:
    """Until the current version's local results are published (later stages may still run)."""
    deadline = time.monotonic() + timeout
    state = server.documents[uri]
    while state.published_generation != state.generation:
        assert time.monotonic() < deadline, "analysis did not publish"
        await asyncio.sleep(0.005)
