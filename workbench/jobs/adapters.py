"""One adapter interface over the providers' job APIs: OpenAI and Azure through the
`openai` SDK, Together through `together`.

Every method returns plain dicts in our words (normalised status plus the raw one).
The SDK clients are built with max_retries=0 for the calls that create something:
the SDKs retry without an idempotency key, so a retried create after a dropped answer
could make a second job; the launcher reconciles instead.
"""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from workbench.jobs.status import normalise
from workbench.providers import openai_client, together_client
from workbench.providers.failures import explain
from workbench.providers.kinds import Capabilities, kind_of


@dataclass
class JobSpec:
    """What to train: the provider-neutral request."""

    base_model: str
    training_file: str
    validation_file: str | None = None
    method: str = "supervised"            # supervised | dpo
    hyperparameters: dict = field(default_factory=dict)   # n_epochs, batch_size, learning_rate_multiplier, beta
    suffix: str | None = None
    seed: int | None = None
    metadata: dict = field(default_factory=dict)          # workbench_job_id, version_sha256


class Adapter(Protocol):
    capabilities: Capabilities

    def upload(self, path: Path, purpose: str = "fine-tune") -> str: ...
    def wait_processed(self, file_id: str, timeout: float = 300) -> None: ...
    def find_file(self, filename: str, purpose: str = "fine-tune") -> str | None: ...
    def result_metrics(self, result_files: list[str]) -> list[dict]: ...
    def create(self, spec: JobSpec) -> dict: ...
    def get(self, provider_job_id: str) -> dict: ...
    def list(self, limit: int = 50) -> list[dict]: ...
    def cancel(self, provider_job_id: str) -> dict: ...
    def events_since(self, provider_job_id: str, after: str | None) -> list[dict]: ...
    def metrics_since(self, provider_job_id: str, step: int) -> list[dict]: ...
    def checkpoints(self, provider_job_id: str) -> list[dict]: ...


def _iso(ts: Any) -> str | None:
    if ts is None:
        return None
    if isinstance(ts, (int, float)):
        return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).isoformat(timespec="seconds")
    return str(ts)


def _dump(obj: Any) -> dict:
    if isinstance(obj, dict):
        return obj
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    return dict(obj)


def _call(provider: dict, fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - SDK errors become plain words
        raise explain(exc, provider) from exc


METRIC_NAMES = {
    "train_loss": "train_loss", "train_mean_token_accuracy": "train_accuracy", "train_accuracy": "train_accuracy",
    "valid_loss": "valid_loss", "eval_loss": "valid_loss", "valid_mean_token_accuracy": "valid_mean_token_accuracy",
    "full_valid_loss": "full_valid_loss", "full_valid_mean_token_accuracy": "full_valid_mean_token_accuracy",
}


def results_text(content: bytes) -> str:
    """The text of a results file: OpenAI serves the CSV base64-encoded; plain CSV is
    read as it is."""
    import base64
    import binascii

    text = content.decode("utf-8", errors="replace")
    first = text.splitlines()[0] if text else ""
    if "," in first:  # a CSV header: not base64 (whose alphabet has no comma)
        return text
    try:
        return base64.b64decode(content, validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return text


def parse_results_csv(text: str) -> list[dict]:
    """A results CSV (step, train_loss, train_accuracy, valid_loss, ...) read by header
    name, whatever the columns' order."""
    import csv
    import io

    rows = [metric_row({k.strip(): v for k, v in row.items() if k}) for row in csv.DictReader(io.StringIO(text))]
    return [r for r in rows if r]


def metric_row(data: dict) -> dict | None:
    """A metrics dict (event data, CSV row, Together metric) in our column names."""
    if not data or data.get("step") in (None, ""):
        return None
    row = {"step": int(float(data["step"]))}
    for name, column in METRIC_NAMES.items():
        value = data.get(name)
        if value not in (None, ""):
            row[column] = float(value)
    return row


class OpenAIAdapter:
    """OpenAI and Azure OpenAI (same job API; Azure's training tier in extra_body)."""

    def __init__(self, provider: dict, *, timeout: float = 60):
        self.provider = provider
        self.kind = provider["kind"]
        self.capabilities = kind_of(self.kind).capabilities
        self.client = openai_client(provider, timeout=timeout, max_retries=0)  # the monitor owns backoff
        self.once = openai_client(provider, timeout=timeout, max_retries=0)

    def _normal(self, job: Any) -> dict:
        data = _dump(job)
        return {"provider_job_id": data["id"], "raw_status": data.get("status"),
                "status": normalise(self.kind, data.get("status")), "fine_tuned_model": data.get("fine_tuned_model"),
                "trained_tokens": data.get("trained_tokens"), "error": data.get("error"),
                "estimated_finish": _iso(data.get("estimated_finish")), "finished_at": _iso(data.get("finished_at")),
                "result_files": data.get("result_files") or [], "metadata": data.get("metadata") or {},
                "suffix": data.get("user_provided_suffix"), "seed": data.get("seed"),
                "hyperparameters": data.get("hyperparameters") or {}}

    def upload(self, path: Path, purpose: str = "fine-tune") -> str:
        with open(path, "rb") as handle:
            answer = _call(self.provider, self.once.files.create, file=(Path(path).name, handle), purpose=purpose)
        return answer.id

    def wait_processed(self, file_id: str, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while True:
            answer = _call(self.provider, self.client.files.retrieve, file_id)
            if answer.status in ("processed", None):
                return
            if answer.status == "error":
                from workbench.providers.failures import FileRejected, example_numbers

                details = str(getattr(answer, "status_details", "") or "")
                raise FileRejected(f"The provider could not process the file: {details}",
                                   "Fix those examples, freeze a new version and launch again.",
                                   examples=example_numbers(details))
            if time.monotonic() > deadline:
                return
            time.sleep(1)

    def create(self, spec: JobSpec) -> dict:
        hp = {k: v for k, v in spec.hyperparameters.items() if v is not None and k != "beta"}
        if spec.method == "dpo":
            dpo_hp = dict(hp, **({"beta": spec.hyperparameters["beta"]} if spec.hyperparameters.get("beta") else {}))
            method = {"type": "dpo", "dpo": {"hyperparameters": dpo_hp}}
        else:
            method = {"type": "supervised", "supervised": {"hyperparameters": hp}}
        extra = {}
        training_type = (self.provider.get("options") or {}).get("training_type")
        if self.kind == "azure" and training_type:
            extra["extra_body"] = {"trainingType": training_type}
        kwargs = {"model": spec.base_model, "training_file": spec.training_file, "method": method,
                  "metadata": {k: str(v) for k, v in spec.metadata.items()} or None, **extra}
        if spec.validation_file:
            kwargs["validation_file"] = spec.validation_file
        if spec.suffix:
            kwargs["suffix"] = spec.suffix
        if spec.seed is not None:
            kwargs["seed"] = spec.seed
        return self._normal(_call(self.provider, self.once.fine_tuning.jobs.create, **kwargs))

    def get(self, provider_job_id: str) -> dict:
        return self._normal(_call(self.provider, self.client.fine_tuning.jobs.retrieve, provider_job_id))

    def list(self, limit: int = 50, metadata: dict | None = None) -> list[dict]:
        kwargs: dict = {"limit": limit}
        if metadata:
            kwargs["metadata"] = metadata
        page = _call(self.provider, self.client.fine_tuning.jobs.list, **kwargs)
        return [self._normal(job) for job in page.data]

    def find(self, spec: JobSpec) -> list[dict]:
        """Jobs at the provider that carry this workbench job's id in their metadata."""
        wanted = spec.metadata.get("workbench_job_id")
        jobs = self.list(limit=100, metadata={"workbench_job_id": wanted})
        return [j for j in jobs if j["metadata"].get("workbench_job_id") == wanted]

    def cancel(self, provider_job_id: str) -> dict:
        return self._normal(_call(self.provider, self.client.fine_tuning.jobs.cancel, provider_job_id))

    def events_since(self, provider_job_id: str, after: str | None) -> list[dict]:
        kwargs: dict = {"limit": 100}
        if after:
            kwargs["after"] = after
        page = _call(self.provider, self.client.fine_tuning.jobs.list_events, provider_job_id, **kwargs)
        events = [_dump(e) for e in page.data]
        events.reverse()  # the API lists newest first; we store oldest first
        return [{"provider_event_id": e["id"], "created_at": _iso(e.get("created_at")), "level": e.get("level"),
                 "type": e.get("type"), "message": e.get("message") or "", "data": e.get("data")} for e in events]

    def metrics_since(self, provider_job_id: str, step: int) -> list[dict]:
        return []  # OpenAI's metrics arrive as events of type "metrics" (and in the results CSV)

    def result_metrics(self, result_files: list[str]) -> list[dict]:
        """Per-step metrics from the job's results CSV files (read by header name)."""
        rows: list[dict] = []
        for file_id in result_files or []:
            answer = _call(self.provider, self.client.files.content, file_id)
            rows += parse_results_csv(results_text(answer.content))
        return rows

    def find_file(self, filename: str, purpose: str = "fine-tune") -> str | None:
        """An uploaded file with this name and purpose (the name carries the version's
        sha256), so an upload whose answer was lost is adopted, not sent twice."""
        page = _call(self.provider, self.client.files.list, purpose=purpose)
        found = sorted((f for f in page.data if f.filename == filename and f.status != "error"),
                       key=lambda f: (f.created_at, f.id))
        return found[0].id if found else None

    def checkpoints(self, provider_job_id: str) -> list[dict]:
        page = _call(self.provider, self.client.fine_tuning.jobs.checkpoints.list, provider_job_id)
        return [{"provider_checkpoint_id": c.id, "step": c.step_number, "model": c.fine_tuned_model_checkpoint,
                 "metrics": _dump(c.metrics) if c.metrics else {}} for c in page.data]


class TogetherAdapter:
    """Together AI's job API (no metadata field: the workbench id rides in the suffix)."""

    def __init__(self, provider: dict, *, timeout: float = 60):
        self.provider = provider
        self.capabilities = kind_of("together").capabilities
        self.client = together_client(provider, timeout=timeout, max_retries=0)  # the monitor owns backoff
        self.once = together_client(provider, timeout=timeout, max_retries=0)

    def _normal(self, job: Any) -> dict:
        data = _dump(job)
        return {"provider_job_id": data["id"], "raw_status": data.get("status"),
                "status": normalise("together", str(data.get("status") or "")),
                "fine_tuned_model": data.get("output_name") or data.get("model_output_name"),
                "trained_tokens": data.get("total_tokens") or data.get("token_count"), "error": None,
                "estimated_finish": None, "finished_at": None, "result_files": [], "metadata": {},
                "suffix": data.get("suffix") or data.get("user_provided_suffix"), "seed": data.get("random_seed"),
                "hyperparameters": {k: data.get(k) for k in ("n_epochs", "batch_size", "learning_rate")
                                    if data.get(k) is not None}}

    def upload(self, path: Path, purpose: str = "fine-tune") -> str:
        """Together's single-request upload (POST /files/upload, multipart)."""
        path = Path(path)
        with open(path, "rb") as handle:
            answer = _call(self.provider, self.once.post, "/files/upload", cast_to=object,
                           body={"file_name": path.name, "purpose": purpose, "file_type": "jsonl"},
                           files={"file": (path.name, handle.read(), "application/jsonl")},
                           options={"headers": {"Content-Type": "multipart/form-data"}})
        return answer["id"]

    def wait_processed(self, file_id: str, timeout: float = 300, interval: float = 1.0) -> None:
        """Poll GET /files/{id} until Together has parsed and checked the file (`Processed`):
        a job created on a file still being processed is refused. A timeout leaves the
        launch a draft that the next reconcile carries on."""
        from workbench.providers.failures import ProviderUnavailable

        deadline = time.monotonic() + timeout
        while True:
            answer = _call(self.provider, self.client.get, f"/files/{file_id}", cast_to=object)
            if (answer or {}).get("Processed", True):
                return
            if time.monotonic() >= deadline:
                raise ProviderUnavailable(f"{self.provider['name']} is still processing file {file_id}.",
                                          "The launch carries on by itself once it is processed (the app or "
                                          "`workbench jobs watch` finishes interrupted launches).")
            time.sleep(interval)

    def find_file(self, filename: str, purpose: str = "fine-tune") -> str | None:
        """An uploaded file with this name (it carries the version's sha256)."""
        answer = _call(self.provider, self.client.get, "/files", cast_to=object)
        found = sorted((f for f in (answer or {}).get("data", []) if f.get("filename") == filename
                        and f.get("purpose", purpose) == purpose), key=lambda f: (f.get("created_at") or 0,
                                                                                   f.get("id")))
        return found[0]["id"] if found else None

    def result_metrics(self, result_files: list[str]) -> list[dict]:
        return []  # Together serves metrics from /fine-tunes/{id}/metrics

    def _settings(self, spec: JobSpec) -> dict:
        hp = spec.hyperparameters
        body: dict = {"model": spec.base_model, "training_file": spec.training_file}
        if spec.validation_file:
            body["validation_file"] = spec.validation_file
            body["n_evals"] = hp.get("n_evals") or 10
        if hp.get("n_epochs"):
            body["n_epochs"] = int(hp["n_epochs"])
        if hp.get("batch_size"):
            body["batch_size"] = hp["batch_size"]
        if hp.get("learning_rate"):
            body["learning_rate"] = float(hp["learning_rate"])
        if spec.suffix:
            body["suffix"] = spec.suffix
        if spec.seed is not None:
            body["random_seed"] = spec.seed
        if spec.method == "dpo":
            body["training_method"] = {"method": "dpo", **({"dpo_beta": hp["beta"]} if hp.get("beta") else {})}
        return body

    def create(self, spec: JobSpec) -> dict:
        return self._normal(_call(self.provider, self.once.post, "/fine-tunes", cast_to=object,
                                  body=self._settings(spec)))

    def get(self, provider_job_id: str) -> dict:
        return self._normal(_call(self.provider, self.client.get, f"/fine-tunes/{provider_job_id}",
                                  cast_to=object))

    def list(self, limit: int = 50) -> list[dict]:
        answer = _call(self.provider, self.client.get, "/fine-tunes", cast_to=object)
        items = answer.get("data", []) if isinstance(answer, dict) else answer
        return [self._normal(job) for job in items or []]

    def find(self, spec: JobSpec) -> list[dict]:
        return [job for job in self.list() if spec.suffix and job["suffix"] == spec.suffix]

    def cancel(self, provider_job_id: str) -> dict:
        return self._normal(_call(self.provider, self.client.post, f"/fine-tunes/{provider_job_id}/cancel",
                                  cast_to=object))

    def events_since(self, provider_job_id: str, after: str | None) -> list[dict]:
        answer = _call(self.provider, self.client.get, f"/fine-tunes/{provider_job_id}/events", cast_to=object)
        events = [{"provider_event_id": e.get("hash") or f"{e.get('created_at')}:{e.get('message')}",
                   "created_at": e.get("created_at"), "level": e.get("level") or "info", "type": e.get("type"),
                   "message": e.get("message") or "", "data": {"step": e.get("step")}}
                  for e in (answer or {}).get("data", [])]
        return events  # stored with INSERT OR IGNORE on the event id: repeats are dropped

    def metrics_since(self, provider_job_id: str, step: int) -> list[dict]:
        answer = _call(self.provider, self.client.get, f"/fine-tunes/{provider_job_id}/metrics", cast_to=object)
        rows = [metric_row(m) for m in (answer or {}).get("data", []) if isinstance(m, dict)]
        return [r for r in rows if r and r["step"] > step]

    def checkpoints(self, provider_job_id: str) -> list[dict]:
        answer = _call(self.provider, self.client.get, f"/fine-tunes/{provider_job_id}/checkpoints",
                       cast_to=object)
        return [{"provider_checkpoint_id": c.get("path") or c.get("checkpoint_path") or str(c.get("step")),
                 "step": c.get("step"), "model": c.get("path") or c.get("checkpoint_type") or "",
                 "metrics": {}} for c in (answer or {}).get("data", [])]


def adapter_for(provider: dict, **options) -> OpenAIAdapter | TogetherAdapter:
    from workbench.errors import InvalidRequest

    kind = provider["kind"]
    if kind in ("openai", "azure"):
        return OpenAIAdapter(provider, **options)
    if kind == "together":
        return TogetherAdapter(provider, **options)
    raise InvalidRequest(f"Provider {provider['name']!r} ({kind}) serves chat only; it cannot train.",
                         "Pick an OpenAI, Azure or Together provider, or use the training kit.")
