"""caveat's language server: one small function per LSP feature.

didOpen/didChange/didSave only record the new text and schedule analysis
(cheap and synchronous, as pygls requires for notifications). Analysis runs
in worker threads, never on the event loop:

1. local checks (bandit, caveat's rules) in one thread, incrementally per
   document (``Engine.document()``); their diagnostics are converted to LSP
   types in that thread too and published as soon as they are ready;
2. then the API stage (jedi) in another thread, after a short quiet period
   (``API_DELAY``) so that it does not compete with the next keystroke.

Every change bumps the document's generation; work for an older generation
stops at its next check and publishes nothing. Closing a document cancels its
work and drops its state (text, incremental splitter, findings). Hover and
code actions only read the last published state. Clients that support pull
diagnostics get them pulled; others get pushes.
"""
from __future__ import annotations

import asyncio
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from lsprotocol import types
from pygls.exceptions import FeatureRequestError, JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.uris import to_fs_path

from caveat import __version__
from caveat.baseline import BaselineCache, BaselineError, configured_file
from caveat.engine.analyzer import Analysis, Cancelled, Document, Engine
from caveat.engine import lazy, syntax_version
from caveat.engine.blocks import split_lines
from caveat.engine.findings import Finding, Position
from caveat.engine.gc_tuning import tune_for_analysis
from caveat.lsp import convert
from caveat.lsp.api_process import ApiProcess, WorkerUnavailable
from caveat.lsp.settings import SettingsStore, editor_table
from caveat.newcode import BufferLines
from caveat.project import STRICT, Settings
from caveat.rules import all_rules

log = logging.getLogger("caveat.lsp")
API_WAIT_FOR_PULL = 2.0  # seconds a pull waits for API results when the client cannot be told to re-pull
API_DELAY = 0.05  # seconds without a newer change before the API stage starts
# Seconds after a change during which blocks that do not parse show the findings they had
# before (no flicker while a line is half typed); then the settled result replaces them, which
# equals a from-scratch analysis (``caveat check``) of the same text.
KEEP_WHILE_TYPING = 1.0
# The API stage (jedi) runs in a worker process (see api_process.py); False runs it in
# a thread of the server, sharing the GIL with the local checks.
API_IN_WORKER_PROCESS = True


@dataclass
class DocumentState:
    document: Document
    generation: int = 0  # bumped on every change; our own, as LSP versions may be absent
    version: int | None = None
    published_generation: int = -1
    publications: int = 0  # diagnostics sent (or made ready for a pull): part of the pull result id
    composing: int = 0  # composes started (``CaveatServer._compose``): only the last one publishes
    api_done_generation: int = -1
    lines: list[str] = field(default_factory=list)  # the text the findings refer to
    local: Analysis | None = None
    api: Analysis | None = None
    findings: list[Finding] = field(default_factory=list)
    diagnostics: list[types.Diagnostic] = field(default_factory=list)  # ``findings`` for the client
    converted: dict = field(default_factory=dict)  # (finding, its lines) -> Diagnostic, reused across versions
    task: asyncio.Task | None = None
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False
    new_lines: frozenset[int] | None = frozenset()  # the lines of new code the findings were filtered with
    exact_due: bool = False  # ``new_lines`` were carried over an edit: git's exact answer is due

    def notify(self) -> None:
        """Wake whoever waits for this document's next state (pull requests)."""
        self.changed.set()
        self.changed = asyncio.Event()


@dataclass
class _Unreadable:
    """A message whose params could not be read (pygls would drop it and leave the client waiting)."""

    id: Any
    method: str | None
    error: JsonRpcException
    jsonrpc: str = "2.0"


class CaveatProtocol(LanguageServerProtocol):
    """pygls' protocol, answering every malformed request with a proper JSON-RPC error.

    pygls drops a request whose params do not match the method's type (the client
    waits forever), fails on batches and non-object messages, and pops up an error
    for a change to a document that is not open. Here: invalid params get -32602
    for the request's id, anything that is not a JSON-RPC object gets -32600
    (id null), unparsable JSON gets -32700 (see ``CaveatServer.report_server_error``),
    and notifications that cannot be applied are logged and dropped.
    """

    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if isinstance(data, dict) and "method" in data:
                return _Unreadable(data.get("id"), data.get("method"), error)
            raise

    def handle_message(self, message):
        if isinstance(message, _Unreadable):
            if message.id is not None:
                self.send_error(message.id, message.error.code,
                                f"{message.error.message}: invalid params for {message.method}")
            else:
                log.warning("dropped %s notification with invalid params", message.method)
            return
        if not hasattr(message, "jsonrpc") or not isinstance(getattr(message, "jsonrpc", None), str):
            self.send_error(None, -32600, "Invalid Request: not a JSON-RPC message object")
            return
        super().handle_message(message)

    def send_error(self, msg_id, code: int, message: str) -> None:
        self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})

    def _handle_notification(self, method_name, params):
        # A change to a document that is not open cannot be applied: ignore it quietly.
        if method_name in (types.TEXT_DOCUMENT_DID_CHANGE, types.TEXT_DOCUMENT_DID_SAVE):
            uri = getattr(getattr(params, "text_document", None), "uri", None)
            if uri is not None and uri not in self.workspace.text_documents:
                log.info("ignored %s for a document that is not open: %s", method_name, uri)
                return None
        return super()._handle_notification(method_name, params)


class CaveatServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("caveat", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         protocol_cls=CaveatProtocol)
        self._engine: Engine | None = None
        self._fixes_loaded = False
        self.settings = SettingsStore(self.show_warning)
        self.baselines = BaselineCache()
        self.documents: dict[str, DocumentState] = {}
        self.local_pool = ThreadPoolExecutor(1, thread_name_prefix="caveat-local")
        self.api_pool = ThreadPoolExecutor(1, thread_name_prefix="caveat-api")  # waits for the API worker
        self.api_worker = ApiProcess() if API_IN_WORKER_PROCESS else None
        self.pull_mode = False
        self.refresh_support = False
        self.config_support = False
        self.environment: str | None = None
        self._logged: set[str] = set()
        self._newer_syntax_said: set[tuple[int, int]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.new_code = BufferLines()  # which lines of a buffer are new since git HEAD

    @property
    def engine(self) -> Engine:
        # Built on first use, in the worker thread (rules and bandit's plugins load then).
        if self._engine is None:
            self._engine = Engine()
        return self._engine

    def warm_up(self) -> None:
        """In the local worker, before the first document: load the rules and bandit's plugins."""
        try:
            from caveat.providers import bandit_provider

            settings = self.settings.for_path(None)
            bandit_provider._test_set(self.engine._excluded_bandit_tests(settings))
            tune_for_analysis()
        except Exception:  # the first analysis will report it
            log.exception("warm-up failed")

    # --- messages ---------------------------------------------------------
    def report_server_error(self, error: Exception, source) -> None:
        """Out-of-band errors: a parse error gets its JSON-RPC answer; the rest goes to the log
        (pygls would pop up a message in the editor for each)."""
        if isinstance(error, (ValueError, UnicodeDecodeError)) and source is JsonRpcException:
            self.protocol.send_error(None, -32700, f"Parse error: {error}")
            return
        if source is FeatureRequestError:
            return  # the request's own error response says it
        log.error("%s: %r", getattr(source, "__name__", source), error)
        try:
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Error,
                                                           message=f"caveat: internal error: {error!r}"))
        except Exception:  # no transport: nothing more to do
            pass

    def show_warning(self, message: str) -> None:
        self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=message))

    def log_once(self, message: str, level: types.MessageType = types.MessageType.Info) -> None:
        if message not in self._logged:
            self._logged.add(message)
            self.window_log_message(types.LogMessageParams(type=level, message=message))

    # --- scheduling -------------------------------------------------------
    def schedule(self, uri: str) -> None:
        document = self.workspace.get_text_document(uri)
        state = self.documents.get(uri)
        if state is None:
            state = self.documents[uri] = DocumentState(_LazyDocument(self))
        state.generation += 1
        state.version = document.version
        if state.task is not None and not state.task.done():
            state.task.cancel()
        state.task = asyncio.ensure_future(self._analyse(uri, state, state.generation, document.source))

    def close(self, uri: str) -> None:
        state = self.documents.pop(uri, None)
        if state is None:
            return
        state.closed = True
        state.generation += 1  # running work sees it is stale and stops
        if state.task is not None and not state.task.done():
            state.task.cancel()
        state.document.close()
        state.lines, state.findings, state.diagnostics, state.converted = [], [], [], {}
        state.local = state.api = None
        state.notify()

    async def _analyse(self, uri: str, state: DocumentState, generation: int, text: str) -> None:
        """Local checks (published at once), then the API stage; meanwhile, if blocks that do
        not parse kept their findings from earlier versions, the settled local result once the
        buffer has been quiet for ``KEEP_WHILE_TYPING`` (not waiting for the API stage, which
        can take seconds). Each step publishes only if no newer change arrived."""
        path = to_fs_path(uri) or uri
        settings = self.settings.for_path(path)

        def cancelled() -> bool:
            return state.generation != generation or state.closed

        loop = self._loop = asyncio.get_running_loop()
        changed_at = loop.time()
        try:
            local, findings, diagnostics, lines, kept_api = await loop.run_in_executor(
                self.local_pool, self._local_stage, state, text, path, settings, cancelled, state.api, state.lines)
        except Cancelled:
            return
        if cancelled():
            return
        for note in local.notes:
            self.log_once(f"caveat: {path}: {note}")
        # state.api always holds the API findings that are valid for state.lines: an API stage
        # that a newer change cancelled must not leave older findings paired with newer lines.
        state.lines, state.local, state.api = lines, local, kept_api
        state.findings, state.diagnostics = findings, diagnostics
        self._published(uri, state, generation)
        if state.exact_due:
            loop.run_in_executor(self.api_pool, self._exact_new_lines, uri, state, generation, path, text)
        if not self._fixes_loaded:
            # After the first diagnostics, not before: libcst (quick-fixes) costs ~0.25 s to
            # import, which would otherwise land on the first keystroke whose fix needs it.
            self._fixes_loaded = True
            loop.run_in_executor(self.local_pool, lazy.load, "libcst")
        settling = None
        if local.kept:  # findings kept from earlier versions: shown while typing, not once quiet
            settling = asyncio.ensure_future(self._settle(uri, state, generation, text, path, settings, cancelled,
                                                          changed_at + KEEP_WHILE_TYPING))
        try:
            await self._api_then_publish(uri, state, generation, text, path, settings, cancelled)
            if settling is not None:
                await settling
        finally:
            if settling is not None and not settling.done():
                settling.cancel()

    async def _api_then_publish(self, uri: str, state: DocumentState, generation: int, text: str, path: str,
                                settings: Settings, cancelled) -> None:
        await asyncio.sleep(API_DELAY)
        if cancelled():
            return
        try:
            api = await self._loop.run_in_executor(self.api_pool, self._api_stage, text, path, settings, cancelled)
        except Cancelled:
            return
        except Exception as error:
            log.exception("API checks failed for %s", uri)
            self.log_once(f"caveat: API checks of {path} failed: {error!r}", types.MessageType.Error)
            api = Analysis([])
        if cancelled():
            return
        for note in api.notes:
            if note.startswith("environment:"):
                self.environment = note.split(":", 1)[1].strip()
            self.log_once(f"caveat: {note}")
        shown_api, state.api = state.api, api
        state.api_done_generation = generation
        if api.raw or (shown_api and shown_api.raw):
            await self._compose(uri, state, generation, text, settings, cancelled)
        else:
            state.notify()
        from caveat.providers.api import stopped_by_budget  # (loaded by the API worker, not at start-up)

        if not cancelled() and stopped_by_budget(api.notes):  # continue where the time budget stopped
            await self._api_then_publish(uri, state, generation, text, path, settings, cancelled)

    async def _settle(self, uri: str, state: DocumentState, generation: int, text: str, path: str,
                      settings: Settings, cancelled, at: float) -> None:
        """At ``at`` (loop time), if still current: the local result without kept findings."""
        await asyncio.sleep(max(0.0, at - self._loop.time()))
        if cancelled():
            return
        try:
            local = await self._loop.run_in_executor(
                self.local_pool, lambda: state.document.analyze(text, path, settings, cancelled, keep=False,
                                                                new_lines=state.new_lines))
        except Cancelled:
            return
        except Exception as error:  # a bug in caveat must not take the server down
            log.exception("analysis failed for %s", path)
            self.log_once(f"caveat: analysis of {path} failed: {error!r}", types.MessageType.Error)
            return
        if cancelled():
            return
        state.local = local
        await self._compose(uri, state, generation, text, settings, cancelled)

    async def _compose(self, uri: str, state: DocumentState, generation: int, text: str, settings: Settings,
                       cancelled) -> None:
        """Publish the current local result merged with the current API findings. The API stage
        and the settled re-analysis each update their half and compose: the one started last
        sees both (the local worker runs them in order; an earlier one publishes nothing)."""
        local, api, lines = state.local, state.api, state.lines
        state.composing += 1
        mine = state.composing

        def merged():
            findings = self.engine.merge(text, settings, local, api, new_lines=state.new_lines) \
                if api is not None and api.raw else local.findings
            findings = self._not_baselined(to_fs_path(uri) or uri, settings, lines, findings)
            return findings, self._convert(state, lines, findings)

        findings, diagnostics = await self._loop.run_in_executor(self.local_pool, merged)
        if cancelled() or state.composing != mine:  # a later compose has the newer halves
            return
        state.findings, state.diagnostics = findings, diagnostics
        self._published(uri, state, generation, refresh=True)

    def _api_stage(self, text: str, path: str, settings: Settings, cancelled) -> Analysis:
        if self.api_worker is not None:
            try:
                return self.api_worker.analyze(text, path, settings, cancelled)
            except WorkerUnavailable as error:
                self.api_worker = None
                self.call_soon_threadsafe(self.log_once, f"caveat: cannot start the API worker process "
                                          f"({error}); API checks run in the server", types.MessageType.Warning)
        return self.engine.analyze_api(text, path, settings, cancelled)

    def stop_workers(self) -> None:
        if self.api_worker is not None:
            self.api_worker.close()

    def _local_stage(self, state: DocumentState, text: str, path: str, settings: Settings, cancelled,
                     previous_api: Analysis | None, previous_lines: list[str]):
        """In the local worker thread: analyse, merge the API findings that still hold,
        convert to LSP diagnostics."""
        lines: list[str] = []
        try:
            state.new_lines, state.exact_due = frozenset(), False
            if settings.new_code_strict:
                state.new_lines, state.exact_due = self.new_code.lines(
                    path, text, outside_git_all_new=settings.new_code == STRICT)
            local = state.document.analyze(text, path, settings, cancelled, new_lines=state.new_lines)
            lines = state.document.lines if text else []
            if text and not lines:  # not split (a file over the size limit)
                lines = split_lines(text)
            kept_api = _still_valid(previous_api, previous_lines, lines) if previous_api else None
            findings = self.engine.merge(text, settings, local, kept_api, new_lines=state.new_lines) \
                if kept_api and kept_api.raw else local.findings
            findings = self._not_baselined(path, settings, lines, findings)
            if cancelled():
                raise Cancelled()
            self._say_newer_syntax(findings)
            return local, findings, self._convert(state, lines, findings), lines, kept_api
        except Cancelled:
            raise
        except Exception as error:  # a bug in caveat must not take the server down
            log.exception("analysis failed for %s", path)
            self.call_soon_threadsafe(self.log_once, f"caveat: analysis of {path} failed: {error!r}",
                                      types.MessageType.Error)
            return Analysis([]), [], [], lines or split_lines(text), None

    def _say_newer_syntax(self, findings: list[Finding]) -> None:
        """Once per session: the project uses syntax newer than the Python caveat runs on."""
        versions = [v for f in findings if f.code == "CAV004" and (v := syntax_version.required_version(f.message))]
        if versions and max(versions) not in self._newer_syntax_said:
            self._newer_syntax_said.add(max(versions))
            self.call_soon_threadsafe(self.show_warning, f"caveat: {syntax_version.advice(max(versions), 0)}")

    def _not_baselined(self, path: str, settings: Settings, lines: list[str], findings: list[Finding]) -> list[Finding]:
        """Hide the findings the project's baseline records (``[tool.caveat] baseline``)."""
        file = configured_file(settings)
        if file is None or not findings:
            return findings
        try:
            baseline = self.baselines.get(file)
        except BaselineError as error:
            self.call_soon_threadsafe(self.log_once, f"caveat: {error}; showing every finding",
                                      types.MessageType.Warning)
            return findings
        return baseline.split(path, findings, lines)[0] if baseline.knows(path) else findings

    def _exact_new_lines(self, uri: str, state: DocumentState, generation: int, path: str, text: str) -> None:
        """Off the typing path: git's exact new lines of this version; when they differ from the
        carried-over ones, analyse again (the analysis caches make that cheap)."""
        if state.generation != generation or state.closed:
            return
        exact = self.new_code.refresh(path, text)
        if exact != state.new_lines and state.generation == generation and not state.closed:
            self.call_soon_threadsafe(self._reschedule, uri, generation)

    def _reschedule(self, uri: str, generation: int) -> None:
        state = self.documents.get(uri)
        if state is not None and state.generation == generation and uri in self.workspace.text_documents:
            self.schedule(uri)

    def call_soon_threadsafe(self, callback, *args) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(callback, *args)

    def _convert(self, state: DocumentState, lines: list[str], findings: list[Finding]) -> list[types.Diagnostic]:
        codec = self.workspace.position_codec
        infos = all_rules()
        previous, converted = state.converted, {}
        n = len(lines)
        result = []
        for finding in findings:
            key = (finding, lines[finding.line - 1] if 0 < finding.line <= n else "",
                   lines[finding.end_line - 1] if 0 < finding.end_line <= n else "")
            diagnostic = previous.get(key)
            if diagnostic is None:
                diagnostic = convert.to_diagnostic(codec, lines, finding, infos.get(finding.code))
            converted[key] = diagnostic
            result.append(diagnostic)
        state.converted = converted
        return result

    def _published(self, uri: str, state: DocumentState, generation: int, refresh: bool = False) -> None:
        state.published_generation = generation
        state.publications += 1
        state.notify()
        if not self.pull_mode:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=uri, version=state.version, diagnostics=state.diagnostics))
        elif refresh and self.refresh_support:
            self.workspace_diagnostic_refresh(None)

    def diagnostics(self, uri: str, state: DocumentState) -> list[types.Diagnostic]:
        return state.diagnostics

    def state_of(self, uri: str) -> DocumentState:
        state = self.documents.get(uri)
        if state is None:
            raise JsonRpcInvalidParams(f"caveat: document is not open: {uri}")
        return state

    def reanalyse_all(self) -> None:
        for uri in list(self.documents):
            self.schedule(uri)


class _LazyDocument:
    """``Engine.document()`` made on first use, so opening a file never builds the engine on the event loop."""

    def __init__(self, server: CaveatServer) -> None:
        self._server = server
        self._document: Document | None = None

    def analyze(self, *args, **kwargs) -> Analysis:
        if self._document is None:
            self._document = self._server.engine.document()
        return self._document.analyze(*args, **kwargs)

    @property
    def lines(self) -> list[str]:
        return self._document.lines if self._document is not None else []

    def close(self) -> None:
        if self._document is not None:
            self._document.close()
            self._document = None


def _still_valid(api: Analysis, old_lines: list[str], new_lines: list[str]) -> Analysis | None:
    """API findings survive an edit that keeps the line count and their lines' text,
    so they do not flicker while the API stage re-runs."""
    if len(old_lines) != len(new_lines):
        return None
    kept = [f for f in api.raw if 0 < f.line <= len(new_lines) and old_lines[f.line - 1] == new_lines[f.line - 1]]
    return Analysis([], raw=kept)


server = CaveatServer()


@server.feature(types.INITIALIZE)
def initialize(ls: CaveatServer, params: types.InitializeParams) -> None:
    from pathlib import Path

    root = params.root_uri or (params.workspace_folders[0].uri if params.workspace_folders else None)
    if root:
        ls.settings.root = Path(to_fs_path(root) or ".")
    options = params.initialization_options or {}
    mode = editor_table(options).get("diagnosticMode", "auto") if isinstance(options, dict) else "auto"
    capabilities = params.capabilities
    text_caps = capabilities.text_document
    supports_pull = bool(text_caps and text_caps.diagnostic is not None)
    ls.pull_mode = mode == "pull" or (mode == "auto" and supports_pull)
    workspace_caps = capabilities.workspace
    ls.refresh_support = bool(workspace_caps and workspace_caps.diagnostics and workspace_caps.diagnostics.refresh_support)
    ls.config_support = bool(workspace_caps and workspace_caps.configuration)
    table = {k: v for k, v in editor_table(options).items() if k != "diagnosticMode"}
    ls.settings.set_editor(table)


@server.feature(types.INITIALIZED)
async def initialized(ls: CaveatServer, params: types.InitializedParams) -> None:
    ls.local_pool.submit(ls.warm_up)  # while the editor is still opening files
    if ls.api_worker is not None:
        ls.api_worker.start()
    ls.log_once(f"caveat {__version__} ready ({'pull' if ls.pull_mode else 'push'} diagnostics)")
    await _pull_configuration(ls)


async def _pull_configuration(ls: CaveatServer) -> None:
    if not ls.config_support:
        return
    try:
        result = await asyncio.wait_for(ls.workspace_configuration_async(types.ConfigurationParams(
            items=[types.ConfigurationItem(section="caveat")])), timeout=5)
    except Exception as error:  # the client may not answer; editor settings then stay as they were
        log.info("workspace/configuration failed: %r", error)
        return
    if result and isinstance(result[0], dict) and result[0]:
        table = {k: v for k, v in editor_table(result[0]).items() if k != "diagnosticMode"}
        ls.settings.set_editor(table)
        ls.reanalyse_all()


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(ls: CaveatServer, params: types.DidChangeConfigurationParams) -> None:
    settings = params.settings
    if isinstance(settings, dict) and ("caveat" in settings or editor_table(settings)):
        # caveat's own section, even an empty one (the user cleared their settings).
        ls.settings.set_editor({k: v for k, v in editor_table(settings).items() if k != "diagnosticMode"})
        ls.reanalyse_all()
    else:
        await _pull_configuration(ls)


@server.feature(types.SHUTDOWN)
def shutdown(ls: CaveatServer, *args) -> None:
    ls.stop_workers()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: CaveatServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: CaveatServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: CaveatServer, params: types.DidSaveTextDocumentParams) -> None:
    if params.text_document.uri in ls.documents:
        ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: CaveatServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.close(params.text_document.uri)
    if not ls.pull_mode:
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))


@server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC,
                types.DiagnosticOptions(identifier="caveat", inter_file_dependencies=False, workspace_diagnostics=False))
async def pull_diagnostics(ls: CaveatServer, params: types.DocumentDiagnosticParams):
    uri = params.text_document.uri
    state = ls.state_of(uri)
    while state.published_generation != state.generation:
        await state.changed.wait()  # each notify() installs a fresh event
        if state.closed:
            raise JsonRpcInvalidParams(f"caveat: document was closed: {uri}")
    if not ls.refresh_support and state.api_done_generation != state.generation:
        generation = state.generation
        try:
            async with asyncio.timeout(API_WAIT_FOR_PULL):
                while state.api_done_generation != generation and state.generation == generation and not state.closed:
                    await state.changed.wait()
        except TimeoutError:
            pass
    result_id = f"{state.published_generation}.{state.api_done_generation}.{state.publications}"
    if params.previous_result_id == result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    return types.RelatedFullDocumentDiagnosticReport(items=ls.diagnostics(uri, state), result_id=result_id)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix], resolve_provider=False))
def code_action(ls: CaveatServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    state = ls.state_of(uri)
    only = params.context.only
    if only and not any(kind.startswith(types.CodeActionKind.QuickFix) or types.CodeActionKind.QuickFix.startswith(kind)
                        for kind in only):
        return []
    codec = ls.workspace.position_codec
    start = convert.from_lsp_position(codec, state.lines, params.range.start)
    end = convert.from_lsp_position(codec, state.lines, params.range.end)
    infos = all_rules()
    actions: list[types.CodeAction] = []
    suppressions: list[types.CodeAction] = []
    for finding in state.findings:
        if not _overlaps(finding, start, end):
            continue
        diagnostic = convert.to_diagnostic(codec, state.lines, finding, infos.get(finding.code))
        if finding.fix:
            actions.append(types.CodeAction(
                title=finding.fix.title, kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                is_preferred=finding.fix.safe,
                edit=convert.to_workspace_edit(codec, state.lines, uri, state.version, finding.fix)))
        suppress = _suppress_action(codec, state, uri, finding, diagnostic)
        if suppress:
            suppressions.append(suppress)
    return actions + suppressions


def _overlaps(finding: Finding, start: Position, end: Position) -> bool:
    f_start = (finding.line, finding.col)
    f_end = (finding.end_line, max(finding.end_col, finding.col + 1)) if finding.end_line == finding.line else (finding.end_line, finding.end_col)
    if finding.end_line == finding.line and finding.end_col <= finding.col:
        f_end = (finding.line, 10**9)
    return (start.line, start.col) <= f_end and f_start <= (end.line, end.col)


def _suppress_action(codec, state: DocumentState, uri: str, finding: Finding, diagnostic) -> types.CodeAction | None:
    from caveat.engine.blocks import _scan_line, LineState
    from caveat.engine.findings import Fix, TextEdit
    import re

    if not (0 < finding.line <= len(state.lines)):
        return None
    text = state.lines[finding.line - 1].rstrip("\r\n")
    existing = re.search(r"#\s*caveat\s*:\s*ignore\[([^\]]*)\]", text)
    if existing:
        codes = [c.strip() for c in existing.group(1).split(",") if c.strip()]
        if finding.code in codes:
            return None
        new_comment = f"# caveat: ignore[{', '.join(codes + [finding.code])}]"
        edit = TextEdit(Position(finding.line, existing.start()), Position(finding.line, existing.end()), new_comment)
    else:
        # Appending a comment inside a multi-line string would change the string.
        state_before = LineState()
        for line in state.lines[: finding.line - 1]:
            state_before = _scan_line(state_before, line)
        after = _scan_line(state_before, state.lines[finding.line - 1])
        if state_before.string or after.string or after.backslash:
            return None
        edit = TextEdit(Position(finding.line, len(text)), Position(finding.line, len(text)),
                        f"  # caveat: ignore[{finding.code}]")
    fix = Fix(f"Suppress {finding.code} with `# caveat: ignore[{finding.code}]`", (edit,), safe=False)
    return types.CodeAction(title=fix.title, kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                            is_preferred=False,
                            edit=convert.to_workspace_edit(codec, state.lines, uri, state.version, fix))


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: CaveatServer, params: types.HoverParams) -> types.Hover | None:
    state = ls.state_of(params.text_document.uri)
    codec = ls.workspace.position_codec
    pos = convert.from_lsp_position(codec, state.lines, params.position)
    hits = [f for f in state.findings if _overlaps(f, pos, pos)]
    if not hits:
        return None
    markdown = convert.hover_markdown(hits, all_rules(), ls.environment)
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown))


def run_server(tcp: str | None = None, log_file: str | None = None) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        handlers.append(logging.FileHandler(log_file))
    logging.basicConfig(level=logging.INFO, handlers=handlers, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("pygls").setLevel(logging.WARNING)
    try:
        if tcp:
            host, _, port = tcp.rpartition(":")
            server.start_tcp(host or "127.0.0.1", int(port))
        else:
            server.start_io()
    finally:
        server.stop_workers()
