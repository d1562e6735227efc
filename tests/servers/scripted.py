"""A scripted OpenAI- and Together-compatible HTTP server on 127.0.0.1 for tests.

Real HTTP (http.server in a thread), in-memory state: files, fine-tuning jobs with a
lifecycle that advances one step each time a job is read, events with metrics,
checkpoints, and faults injected per path (429 with Retry-After, 500, slow, dropped
connection, 403 training_not_available). Both APIs share the state so one server
serves both SDKs: OpenAI under /v1/fine_tuning/jobs, Together under /v1/fine-tunes.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

OPENAI_LIFECYCLE = ["validating_files", "queued", "running", "running", "running", "succeeded"]
TOGETHER_LIFECYCLE = ["pending", "queued", "running", "running", "uploading", "completed"]


@dataclass
class Fault:
    path: str            # regex on "METHOD /path"
    kind: str            # 429 | 500 | slow | drop | drop_after | training_not_available | 401
    times: int = 1
    retry_after: float = 0.2
    delay: float = 1.0


@dataclass
class State:
    key: str | None = None
    files: dict = field(default_factory=dict)
    jobs: dict = field(default_factory=dict)
    requests: list = field(default_factory=list)
    faults: list = field(default_factory=list)
    counter: int = 0
    processing_reads: int = 0   # Together: reads of GET /files/{id} before a new upload is Processed
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_id(self, prefix: str) -> str:
        with self.lock:
            self.counter += 1
            return f"{prefix}-{self.counter:06d}"


MODELS = [
    {"id": "gpt-4.1-mini-2025-04-14", "object": "model", "created": 1744588800, "owned_by": "system",
     "shutdown_date": "2027-01-14"},
    {"id": "gpt-4o-mini-2024-07-18", "object": "model", "created": 1721260800, "owned_by": "system",
     "shutdown_date": "2027-01-14"},
    {"id": "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference", "object": "model", "created": 1721260800,
     "owned_by": "together"},
]


def _multipart(headers, body: bytes) -> dict:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + headers["Content-Type"].encode() + b"\r\n\r\n" + body)
    parts = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        parts[name] = {"filename": part.get_filename(), "data": part.get_payload(decode=True)}
    return parts


class _Discard:
    """Swallows an answer; the connection is closed without one."""

    def write(self, data) -> int:
        return len(data)

    def flush(self) -> None:
        pass


class Handler(BaseHTTPRequestHandler):
    server_version = "scripted/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    @property
    def state(self) -> State:
        return self.server.state  # type: ignore[attr-defined]

    # ------------------------------------------------------------ plumbing
    def _send(self, status: int, payload, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, message: str, headers: dict | None = None) -> None:
        self._send(status, {"error": {"message": message, "type": "invalid_request_error", "code": code,
                                      "param": None}}, headers)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _fault(self, line: str) -> bool:
        for fault in list(self.state.faults):
            if fault.times > 0 and re.search(fault.path, line):
                fault.times -= 1
                if fault.kind == "429":
                    self._error(429, "rate_limit_exceeded", "Rate limit reached.",
                                {"Retry-After": f"{fault.retry_after:g}"})
                elif fault.kind == "500":
                    self._error(500, "server_error", "The server had an error.")
                elif fault.kind == "slow":
                    time.sleep(fault.delay)
                    return False
                elif fault.kind == "drop_after":  # do the work, then lose the answer
                    self.wfile = _Discard()
                    return False
                elif fault.kind == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                elif fault.kind == "training_not_available":
                    self._error(403, "training_not_available",
                                "Fine-tuning is no longer available for your organization.")
                elif fault.kind == "401":
                    self._error(401, "invalid_api_key", "Incorrect API key provided.")
                return True
        return False

    def handle_one_request(self) -> None:
        super().handle_one_request()
        if isinstance(self.wfile, _Discard):
            self.close_connection = True
            self.connection.shutdown(2)

    def _handle(self, method: str) -> None:
        url = urlparse(self.path)
        body = self._body() if method == "POST" else b""
        line = f"{method} {url.path}"
        with self.state.lock:
            self.state.requests.append({"method": method, "path": url.path, "query": url.query,
                                        "body": body[:20000]})
        if self.state.key and self.headers.get("Authorization") != f"Bearer {self.state.key}":
            return self._error(401, "invalid_api_key", "Incorrect API key provided.")
        if self._fault(line):
            return
        path = re.sub(r"^/v1", "", url.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        for pattern, name in ROUTES:
            match = re.fullmatch(pattern, f"{method} {path}")
            if match:
                return getattr(self, name)(body, query, *match.groups())
        self._error(404, "not_found", f"No route {line}")

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    # ------------------------------------------------------------ models, chat
    def models(self, body, query):
        self._send(200, {"object": "list", "data": MODELS})

    def chat(self, body, query):
        request = json.loads(body or b"{}")
        last = request.get("messages", [{}])[-1].get("content", "")
        self._send(200, {"id": self.state.next_id("chatcmpl"), "object": "chat.completion", "created": int(time.time()),
                         "model": request.get("model"), "choices": [
                             {"index": 0, "finish_reason": "stop",
                              "message": {"role": "assistant", "content": f"echo: {last}"}}],
                         "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}})

    # ------------------------------------------------------------ files
    def upload(self, body, query):
        parts = _multipart(self.headers, body)
        data = parts.get("file", {}).get("data") or b""
        file_id = self.state.next_id("file")
        row = {"id": file_id, "object": "file", "bytes": len(data), "created_at": int(time.time()),
               "filename": parts.get("file", {}).get("filename") or "data.jsonl",
               "purpose": (parts.get("purpose", {}).get("data") or b"fine-tune").decode(), "status": "processed",
               "expires_at": None, "status_details": None}
        self.state.files[file_id] = {**row, "content": data, "_reads_left": 0}
        if self.path.rstrip("/").endswith("/files/upload"):  # Together's answer
            reads = self.state.processing_reads
            self.state.files[file_id].update({"_reads_left": reads, "Processed": reads == 0, "FileType": "jsonl"})
            row = {"id": file_id, "object": "file-id", "filename": row["filename"], "bytes": len(data),
                   "created_at": row["created_at"], "purpose": "fine-tune", "Processed": reads == 0,
                   "FileType": "jsonl", "LineCount": data.count(b"\n")}
        self._send(200, row)

    def _public_file(self, row: dict) -> dict:
        return {k: v for k, v in row.items() if k != "content" and not k.startswith("_")}

    def get_file(self, body, query, file_id):
        row = self.state.files.get(file_id)
        if not row:
            return self._error(404, "not_found", f"No file {file_id}")
        if row["_reads_left"] > 0:  # Together parses and checks an upload for a while
            row["_reads_left"] -= 1
            row["Processed"] = row["_reads_left"] == 0
        self._send(200, self._public_file(row))

    def list_files(self, body, query):
        rows = [self._public_file(r) for r in self.state.files.values()
                if not query.get("purpose") or r["purpose"] == query["purpose"]]
        self._send(200, {"object": "list", "data": rows, "has_more": False})

    def file_content(self, body, query, file_id):
        row = self.state.files.get(file_id)
        if not row:
            return self._error(404, "not_found", f"No file {file_id}")
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(row["content"])))
        self.end_headers()
        self.wfile.write(row["content"])

    # ------------------------------------------------------------ OpenAI jobs
    def _openai_job(self, job: dict) -> dict:
        return {k: v for k, v in job.items() if not k.startswith("_")}

    def create_job(self, body, query):
        request = json.loads(body or b"{}")
        if request.get("training_file") not in self.state.files:
            return self._error(400, "invalid_training_file", "Invalid file: line 3 is not valid JSON.")
        job_id = self.state.next_id("ftjob")
        method = request.get("method") or {"type": "supervised", "supervised": {"hyperparameters": {}}}
        job = {"object": "fine_tuning.job", "id": job_id, "model": request["model"], "created_at": int(time.time()),
               "finished_at": None, "fine_tuned_model": None, "organization_id": "org-scripted",
               "result_files": [], "status": "validating_files", "validation_file": request.get("validation_file"),
               "training_file": request["training_file"], "hyperparameters": request.get("hyperparameters") or
               {"n_epochs": 3, "batch_size": 1, "learning_rate_multiplier": 2.0}, "trained_tokens": None,
               "error": None, "user_provided_suffix": request.get("suffix"), "seed": request.get("seed") or 42,
               "estimated_finish": None, "integrations": [], "metadata": request.get("metadata"), "method": method,
               "_step": 0, "_events": [], "_api": "openai"}
        self.state.jobs[job_id] = job
        self._event(job, "Created fine-tuning job")
        self._send(200, self._openai_job(job))

    def _event(self, job: dict, message: str, type_: str = "message", data: dict | None = None) -> None:
        job["_events"].append({"object": "fine_tuning.job.event", "id": self.state.next_id("ftevent"),
                               "created_at": int(time.time()), "level": "info", "message": message,
                               "data": data or {}, "type": type_})

    def _advance(self, job: dict) -> None:
        lifecycle = OPENAI_LIFECYCLE if job["_api"] == "openai" else TOGETHER_LIFECYCLE
        if job["status"] in ("cancelled", "failed", "succeeded", "completed", "error"):
            return
        job["_step"] = min(job["_step"] + 1, len(lifecycle) - 1)
        status = lifecycle[job["_step"]]
        job["status"] = status
        if status == "running":
            step = sum(1 for e in job["_events"] if e["type"] == "metrics") + 1
            metrics = {"step": step, "train_loss": round(2.0 / step, 4), "train_mean_token_accuracy": 0.5 + step / 20,
                       "valid_loss": round(2.2 / step, 4), "valid_mean_token_accuracy": 0.45 + step / 20}
            self._event(job, f"Step {step}: training loss={metrics['train_loss']}", "metrics", metrics)
        if status in ("succeeded", "completed"):
            name = f"ft:{job['model']}:scripted:{job.get('user_provided_suffix') or 'x'}:{job['id'][-6:]}"
            job["fine_tuned_model"] = name
            if job["_api"] == "together":
                job["output_name"] = name
            job["finished_at"] = int(time.time())
            job["trained_tokens"] = 1234
            if job["_api"] == "openai":
                job["result_files"] = [self._results_file(job)]
            self._event(job, "The job has successfully completed")

    def _results_file(self, job: dict) -> str:
        """OpenAI's results CSV, base64-encoded as OpenAI serves it; columns in an order of
        their own and one more step (with full-validation figures) than the events had."""
        import base64

        steps = [e["data"] for e in job["_events"] if e["type"] == "metrics"]
        last = len(steps) + 1
        lines = ["full_valid_loss,valid_mean_token_accuracy,step,train_accuracy,valid_loss,train_loss"]
        for m in steps:
            lines.append(f",{m['valid_mean_token_accuracy']},{m['step']},{m['train_mean_token_accuracy']},"
                         f"{m['valid_loss']},{m['train_loss']}")
        lines.append(f"0.9,0.8,{last},0.81,0.95,0.7")
        data = base64.b64encode(("\n".join(lines) + "\n").encode())
        file_id = self.state.next_id("file")
        self.state.files[file_id] = {"id": file_id, "object": "file", "bytes": len(data), "created_at": int(time.time()),
                                     "filename": "step_metrics.csv", "purpose": "fine-tune-results",
                                     "status": "processed", "expires_at": None, "status_details": None,
                                     "content": data, "_reads_left": 0}
        return file_id

    def list_jobs(self, body, query):
        jobs = [j for j in self.state.jobs.values() if j["_api"] == "openai"]
        filters = {k[len("metadata["):-1]: v for k, v in query.items() if k.startswith("metadata[")}
        jobs = [j for j in jobs if all((j.get("metadata") or {}).get(k) == v for k, v in filters.items())]
        jobs.sort(key=lambda j: j["id"], reverse=True)
        limit = int(query.get("limit", 20))
        self._send(200, {"object": "list", "data": [self._openai_job(j) for j in jobs[:limit]],
                         "has_more": len(jobs) > limit})

    def get_job(self, body, query, job_id):
        job = self.state.jobs.get(job_id)
        if not job:
            return self._error(404, "not_found", f"No job {job_id}")
        self._advance(job)
        self._send(200, self._openai_job(job))

    def cancel_job(self, body, query, job_id):
        job = self.state.jobs.get(job_id)
        if not job:
            return self._error(404, "not_found", f"No job {job_id}")
        job["status"] = "cancelled"
        self._send(200, self._openai_job(job))

    def job_events(self, body, query, job_id):
        job = self.state.jobs.get(job_id)
        if not job:
            return self._error(404, "not_found", f"No job {job_id}")
        events = list(reversed(job["_events"]))  # newest first, like OpenAI
        after = query.get("after")
        if after:
            ids = [e["id"] for e in events]
            events = events[:ids.index(after)] if after in ids else events
        limit = int(query.get("limit", 20))
        self._send(200, {"object": "list", "data": events[:limit], "has_more": len(events) > limit})

    def job_checkpoints(self, body, query, job_id):
        job = self.state.jobs.get(job_id)
        data = []
        if job and job["status"] in ("succeeded",):
            data = [{"object": "fine_tuning.job.checkpoint", "id": f"ftckpt-{job_id[-6:]}", "created_at": 1,
                     "fine_tuned_model_checkpoint": f"{job['fine_tuned_model']}:ckpt-step-2",
                     "step_number": 2, "metrics": {"step": 2, "train_loss": 1.0}, "fine_tuning_job_id": job_id}]
        self._send(200, {"object": "list", "data": data, "has_more": False, "first_id": None, "last_id": None})

    # ------------------------------------------------------------ Together fine-tunes
    def _together_job(self, job: dict) -> dict:
        out = {k: v for k, v in job.items() if not k.startswith("_")}
        return out

    def t_create(self, body, query):
        request = json.loads(body or b"{}")
        if request.get("training_file") not in self.state.files:
            return self._error(400, "invalid_training_file", "Invalid file: line 3 is not valid JSON.")
        for key in ("training_file", "validation_file"):
            if request.get(key) and not self.state.files[request[key]].get("Processed", True):
                return self._error(400, "file_not_processed", f"File {request[key]} is still being processed.")
        job_id = self.state.next_id("ft")
        job = {"id": job_id, "status": "pending", "model": request.get("model"),
               "training_file": request.get("training_file"), "validation_file": request.get("validation_file"),
               "suffix": request.get("suffix"), "user_provided_suffix": request.get("suffix"),
               "n_epochs": request.get("n_epochs"), "learning_rate": request.get("learning_rate"),
               "batch_size": request.get("batch_size"), "training_method": request.get("training_method"),
               "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "events": [],
               "_step": 0, "_events": [], "_api": "together"}
        self.state.jobs[job_id] = job
        self._event(job, "Fine tune request created")
        self._send(200, self._together_job(job))

    def t_list(self, body, query):
        jobs = [self._together_job(j) for j in self.state.jobs.values() if j["_api"] == "together"]
        self._send(200, {"data": jobs})

    def t_get(self, body, query, job_id):
        job = self.state.jobs.get(job_id)
        if not job:
            return self._error(404, "not_found", f"No job {job_id}")
        self._advance(job)
        self._send(200, self._together_job(job))

    def t_cancel(self, body, query, job_id):
        job = self.state.jobs.get(job_id)
        if not job:
            return self._error(404, "not_found", f"No job {job_id}")
        job["status"] = "cancelled"
        self._send(200, self._together_job(job))

    def t_events(self, body, query, job_id):
        job = self.state.jobs.get(job_id) or {"_events": []}
        data = [{"object": "fine-tune-event", "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                 "level": "info", "message": e["message"], "type": "TRAINING_PROGRESS" if e["type"] == "metrics"
                 else "JOB_START", "param_count": 0, "token_count": 0, "total_steps": 0, "wandb_url": "",
                 "step": e["data"].get("step", 0), "checkpoint_path": "", "model_path": "",
                 "training_offset": 0, "hash": e["id"]} for e in job["_events"]]
        self._send(200, {"data": data})

    def t_checkpoints(self, body, query, job_id):
        self._send(200, {"data": []})

    def t_metrics(self, body, query, job_id):
        job = self.state.jobs.get(job_id) or {"_events": []}
        rows = [e["data"] for e in job["_events"] if e["type"] == "metrics"]
        self._send(200, {"data": [{"step": r["step"], "train_loss": r["train_loss"], "eval_loss": r["valid_loss"]}
                                  for r in rows]})


ROUTES = [
    (r"GET /models", "models"),
    (r"POST /chat/completions", "chat"),
    (r"POST /files(?:/upload)?", "upload"),
    (r"GET /files", "list_files"),
    (r"GET /files/([^/]+)", "get_file"),
    (r"GET /files/([^/]+)/content", "file_content"),
    (r"POST /fine_tuning/jobs", "create_job"),
    (r"GET /fine_tuning/jobs", "list_jobs"),
    (r"GET /fine_tuning/jobs/([^/]+)", "get_job"),
    (r"POST /fine_tuning/jobs/([^/]+)/cancel", "cancel_job"),
    (r"GET /fine_tuning/jobs/([^/]+)/events", "job_events"),
    (r"GET /fine_tuning/jobs/([^/]+)/checkpoints", "job_checkpoints"),
    (r"POST /fine-tunes", "t_create"),
    (r"GET /fine-tunes", "t_list"),
    (r"GET /fine-tunes/([^/]+)", "t_get"),
    (r"POST /fine-tunes/([^/]+)/cancel", "t_cancel"),
    (r"GET /fine-tunes/([^/]+)/events", "t_events"),
    (r"GET /fine-tunes/([^/]+)/checkpoints", "t_checkpoints"),
    (r"GET /fine-tunes/([^/]+)/metrics", "t_metrics"),
]


class ScriptedServer:
    """Start with `with ScriptedServer(key="sk-test") as server: server.url`."""

    def __init__(self, key: str | None = None):
        self.state = State(key=key)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.state = self.state  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def fault(self, path: str, kind: str, **options) -> None:
        self.state.faults.append(Fault(path, kind, **options))

    def requests(self, pattern: str = "") -> list[dict]:
        return [r for r in self.state.requests if re.search(pattern, f"{r['method']} {r['path']}")]

    def __enter__(self) -> "ScriptedServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


if __name__ == "__main__":  # a standalone server for the SIGKILL test's child processes
    import sys

    with ScriptedServer(key=sys.argv[1] if len(sys.argv) > 1 else None) as srv:
        print(srv.url, flush=True)
        threading.Event().wait()
