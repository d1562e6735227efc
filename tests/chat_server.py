"""A small scripted OpenAI-compatible server for tests: real HTTP on 127.0.0.1.

`/v1/chat/completions` answers deterministically from the last user turn (or calls a
tool when the request offers one and the prompt asks for it); `/v1/models` lists models
with a `shutdown_date`. Faults are scripted: `fail(status, headers, times)` makes the
next requests fail (429 with Retry-After, 500, ...). Every request body is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ChatServer:
    def __init__(self, models: dict[str, int | None] | None = None, delay: float = 0.0):
        # model id -> shutdown_date (Unix time) or None
        self.models = models or {}
        self.delay = delay
        self.requests: list[dict] = []
        self.faults: list[tuple[int, dict, dict]] = []
        self.lock = threading.Lock()
        self.httpd: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # ------------------------------------------------------------------ script

    def fail(self, status: int, headers: dict | None = None, times: int = 1, code: str = "error") -> None:
        with self.lock:
            for _ in range(times):
                self.faults.append((status, headers or {}, {"error": {"message": f"scripted {status}",
                                                                      "type": code, "code": code}}))

    @staticmethod
    def answer_for(model: str, messages: list[dict]) -> str:
        user = next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), "")
        return f"[{model}] {str(user)[:60]}"

    # ------------------------------------------------------------------ server

    @property
    def base_url(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "ChatServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, str(value))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802 - http.server's name
                if self.path.rstrip("/") == "/v1/models":
                    data = [{"id": m, "object": "model", "created": 1700000000, "owned_by": "test",
                             **({"shutdown_date": d} if d is not None else {})} for m, d in server.models.items()]
                    self._send(200, {"object": "list", "data": data})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": "not found"}})
                    return
                with server.lock:
                    server.requests.append(body)
                    fault = server.faults.pop(0) if server.faults else None
                if fault:
                    self._send(fault[0], fault[2], fault[1])
                    return
                if server.models and body.get("model") not in server.models:
                    self._send(404, {"error": {"message": f"model {body.get('model')} not found",
                                               "code": "model_not_found"}})
                    return
                if server.delay:
                    time.sleep(server.delay)
                self._send(200, server.completion(body))

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # a client killed mid-answer is expected
                import sys

                if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
                    super().handle_error(request, client_address)

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        assert self.httpd is not None
        self.httpd.shutdown()
        self.httpd.server_close()

    def completion(self, body: dict) -> dict:
        messages = body.get("messages") or []
        text = self.answer_for(body["model"], messages)
        message: dict = {"role": "assistant", "content": text}
        finish = "stop"
        last_user = next((m.get("content") or "" for m in reversed(messages) if m.get("role") == "user"), "")
        if body.get("tools") and "call a tool" in str(last_user):
            tool = body["tools"][0]["function"]["name"]
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": tool, "arguments": "{\"q\": 1}"}}]}
            finish = "tool_calls"
        prompt_tokens = sum(len(str(m.get("content") or "").split()) for m in messages)
        return {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                "model": body["model"], "system_fingerprint": "fp_test",
                "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(text.split()),
                          "total_tokens": prompt_tokens + len(text.split())}}
