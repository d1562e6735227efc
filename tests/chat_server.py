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
        # Batch API: uploaded files, batches, and how many retrieves a batch stays in progress
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict] = {}
        self.batch_polls = 2
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
                path = self.path.split("?")[0].rstrip("/")
                if path.startswith("/v1/batches") or path.startswith("/v1/files/"):
                    status, body, raw = server.batch_get(path)
                    if raw is not None:
                        self.send_response(200)
                        self.send_header("content-type", "application/octet-stream")
                        self.send_header("content-length", str(len(raw)))
                        self.end_headers()
                        self.wfile.write(raw)
                    else:
                        self._send(status, body)
                    return
                if self.path.rstrip("/") == "/v1/models":
                    data = [{"id": m, "object": "model", "created": 1700000000, "owned_by": "test",
                             **({"shutdown_date": d} if d is not None else {})} for m, d in server.models.items()]
                    self._send(200, {"object": "list", "data": data})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                if self.path.rstrip("/") == "/v1/files":
                    self._send(200, server.upload(self.headers.get("content-type", ""), raw))
                    return
                if self.path.rstrip("/") == "/v1/batches":
                    self._send(200, server.create_batch(json.loads(raw)))
                    return
                body = json.loads(raw or b"{}")
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

    # ------------------------------------------------------------------ Batch API

    def upload(self, content_type: str, raw: bytes) -> dict:
        import email

        message = email.message_from_bytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
        data = next(part.get_payload(decode=True) for part in message.walk() if part.get_filename())
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = data
        return {"id": file_id, "object": "file", "bytes": len(data), "created_at": int(time.time()),
                "filename": "generation.jsonl", "purpose": "batch", "status": "processed"}

    def _batch_json(self, batch: dict) -> dict:
        done = batch["polls"] >= self.batch_polls
        total = len(batch["lines"])
        return {"id": batch["id"], "object": "batch", "endpoint": "/v1/chat/completions", "errors": None,
                "input_file_id": batch["input_file_id"], "completion_window": "24h",
                "status": "completed" if done else "in_progress", "created_at": 1700000000,
                "output_file_id": batch["output_file_id"] if done else None, "error_file_id": None,
                "metadata": batch["metadata"],
                "request_counts": {"total": total, "completed": total if done else 0, "failed": 0}}

    def create_batch(self, body: dict) -> dict:
        lines = [json.loads(line) for line in self.files[body["input_file_id"]].decode().splitlines() if line]
        with self.lock:
            self.requests.extend(line["body"] for line in lines)
        output = "\n".join(json.dumps({"id": f"req-{i}", "custom_id": line["custom_id"], "error": None,
                                       "response": {"status_code": 200, "request_id": f"r{i}",
                                                    "body": self.completion(line["body"])}})
                           for i, line in enumerate(lines)).encode()
        output_id = f"file-out-{len(self.files) + 1}"
        self.files[output_id] = output
        batch = {"id": f"batch_{len(self.batches) + 1}", "input_file_id": body["input_file_id"], "lines": lines,
                 "output_file_id": output_id, "metadata": body.get("metadata") or {}, "polls": 0}
        self.batches[batch["id"]] = batch
        return self._batch_json(batch)

    def batch_get(self, path: str) -> tuple[int, dict, bytes | None]:
        parts = path.split("/")  # ['', 'v1', 'batches', id] or ['', 'v1', 'files', id, 'content']
        if parts[2] == "files" and len(parts) == 5 and parts[3] in self.files:
            return 200, {}, self.files[parts[3]]
        if parts[2] == "batches" and len(parts) == 3:
            return 200, {"object": "list", "data": [self._batch_json(b) for b in self.batches.values()],
                         "has_more": False}, None
        if parts[2] == "batches" and parts[3] in self.batches:
            batch = self.batches[parts[3]]
            batch["polls"] += 1
            return 200, self._batch_json(batch), None
        return 404, {"error": {"message": "not found"}}, None

