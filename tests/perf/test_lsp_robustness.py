"""The server over raw stdio keeps serving through malformed input.

A stream of malformed JSON, batches, unknown methods, params of the wrong
shape and requests for documents that are not open, interleaved with valid
requests: every request gets an answer (a result or a proper JSON-RPC error),
the valid ones are answered as usual, and diagnostics still arrive.
"""
from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time

SERVER = [sys.executable, "-m", "caveat", "serve"]


class RawClient:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.messages: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.proc.stdout
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self.messages.put(json.loads(stream.read(length)))

    def raw(self, body: bytes) -> None:
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def send(self, message) -> None:
        self.raw(json.dumps(message).encode())

    def collect(self, until, timeout: float = 60.0) -> list[dict]:
        seen: list[dict] = []
        deadline = time.monotonic() + timeout
        while not until(seen):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out; got {seen}")
            try:
                seen.append(self.messages.get(timeout=remaining))
            except queue.Empty:
                pass
        return seen

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def _request(rid, method, params):
    return {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}


def _notify(method, params):
    return {"jsonrpc": "2.0", "method": method, "params": params}


def test_malformed_stream_gets_errors_and_valid_requests_answers(tmp_path):
    # code being written (a repository, nothing committed) gets the strict set, where the
    # documents below have findings (in a plain folder `eval(input())` has none by default)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, capture_output=True)
    uri = (tmp_path / "a.py").as_uri()
    client = RawClient()
    try:
        client.send(_request(1, "initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}))
        client.send(_notify("initialized", {}))
        client.raw(b'{"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {')  # truncated JSON
        client.raw(b"\xff\xfe not json at all")
        client.send([1, 2, 3])  # a batch: not supported by LSP
        client.send("just a string")
        client.send(_request(3, "caveat/noSuchMethod", {}))
        client.send(_notify("caveat/noSuchNotification", {}))
        client.send(_request(4, "textDocument/hover", {"position": 3}))  # wrong shape
        client.send(_request(5, "textDocument/hover", {"textDocument": {"uri": (tmp_path / "nope.py").as_uri()},
                                                       "position": {"line": 0, "character": 0}}))
        client.send(_notify("textDocument/didChange", {"textDocument": {"uri": (tmp_path / "nope.py").as_uri(),
                                                                        "version": 2},
                                                       "contentChanges": [{"text": "x"}]}))
        client.send(_request(6, "textDocument/codeAction", {"textDocument": {"uri": uri}}))  # missing fields
        client.send(_request(7, "textDocument/diagnostic", {"textDocument": {"uri": (tmp_path / "nope.py").as_uri()}}))
        client.send(_notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1,
                                                                      "text": "import os\nos.system('ls ' + input())\n"}}))
        client.send(_notify("textDocument/didOpen", {"textDocument": {"uri": 42}}))  # bad notification: dropped
        client.send(_request(8, "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}))
        answered = lambda seen: {m.get("id") for m in seen} >= {1, 3, 4, 5, 6, 7, 8} and any(
            m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri and m["params"]["diagnostics"]
            for m in seen)
        seen = client.collect(answered)
        by_id = {m["id"]: m for m in seen if "id" in m and "method" not in m and m["id"] is not None}
        assert "capabilities" in by_id[1]["result"]
        assert by_id[3]["error"]["code"] == -32601
        assert by_id[4]["error"]["code"] == -32602
        assert by_id[5]["error"]["code"] == -32602 and "not open" in by_id[5]["error"]["message"]
        assert by_id[6]["error"]["code"] == -32602
        assert by_id[7]["error"]["code"] == -32602
        assert "result" in by_id[8]  # a valid request for an open document: answered (null: nothing there)
        nulls = [m["error"]["code"] for m in seen if "error" in m and m.get("id") is None]
        assert nulls.count(-32700) == 2  # the two unparsable bodies
        assert nulls.count(-32600) == 2  # the batch and the string
        assert not [m for m in seen if m.get("method") == "window/showMessage"]  # no error pop-ups
        # Still serving: a new document is analysed and shutdown is orderly.
        other = (tmp_path / "b.py").as_uri()
        client.send(_notify("textDocument/didOpen", {"textDocument": {"uri": other, "languageId": "python",
                                                                      "version": 1, "text": "eval(input())\n"}}))
        client.collect(lambda seen: any(m.get("method") == "textDocument/publishDiagnostics"
                                        and m["params"]["uri"] == other and m["params"]["diagnostics"] for m in seen))
        client.send(_request(9, "shutdown", None))
        client.collect(lambda seen: any(m.get("id") == 9 for m in seen))
        client.send(_notify("exit", None))
        assert client.proc.wait(timeout=20) == 0
    finally:
        client.close()
