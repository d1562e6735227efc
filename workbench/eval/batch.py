"""Generation through a provider's Batch API (OpenAI; Together's batch endpoint takes
the same shape): upload one JSONL of chat-completion requests, poll the batch, download
its output and map each answer back to its prompt by `custom_id`.

Resumable the same way as direct generation: the batch is recorded in
`generation_batches` before it is created, and its row id travels in the batch's
metadata, so after a crash a rerun finds the batch (or creates it once) and goes on
polling; answers are stored with the same UNIQUE per version + prompt + model, so
collecting twice stores nothing twice. Batch answers have no per-answer latency; cost
is the models table's price times BATCH_PRICE_SHARE (both providers bill batches at half
price).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Callable

from store import Store
from workbench.eval.generation import (GenerationError, GenerationReport, GenerationSettings, answer_cost,
                                       answer_text, request_messages)

BATCH_PRICE_SHARE = 0.5
FINAL = ("completed", "failed", "expired", "cancelled")
ENDPOINT = "/v1/chat/completions"


def request_body(prompt: dict, model: str, settings: GenerationSettings) -> dict:
    body = {"model": model, "messages": request_messages(prompt["messages"]), "temperature": settings.temperature}
    if settings.seed is not None:
        body["seed"] = settings.seed
    if prompt.get("tools"):
        body["tools"] = prompt["tools"]
    if settings.max_tokens:
        body["max_tokens"] = settings.max_tokens
    return body


def batch_file(prompts: list[dict], model: str, settings: GenerationSettings) -> bytes:
    lines = [json.dumps({"custom_id": p["prompt_id"], "method": "POST", "url": ENDPOINT,
                         "body": request_body(p, model, settings)}, ensure_ascii=False) for p in prompts]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _find_by_metadata(client, row_id: str):
    """A batch created before a crash could record its id: find it by our metadata."""
    try:
        for batch in client.batches.list(limit=100):
            if (getattr(batch, "metadata", None) or {}).get("workbench_batch_id") == row_id:
                return batch
    except Exception:  # noqa: BLE001 - listing is a best effort; creating again is safe (UNIQUE answers)
        return None
    return None


def _create(store: Store, client, row: dict, prompts: list[dict], model: str, settings: GenerationSettings):
    found = _find_by_metadata(client, row["id"])
    if found is not None:
        return found
    upload = client.files.create(file=("generation.jsonl", batch_file(prompts, model, settings)), purpose="batch")
    store.golden.update_batch(row["id"], {"input_file_id": upload.id})
    return client.batches.create(input_file_id=upload.id, endpoint=ENDPOINT, completion_window="24h",
                                 metadata={"workbench_batch_id": row["id"]})


def _collect(store: Store, client, batch, row: dict, version: dict, model: str, provider: str | None,
             settings: GenerationSettings, report: GenerationReport) -> None:
    prices = store.models.get_model(model)
    if getattr(batch, "output_file_id", None):
        for line in client.files.content(batch.output_file_id).text.splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            response = item.get("response") or {}
            body = response.get("body") or {}
            if response.get("status_code") != 200 or not body.get("choices"):
                report.failed.append({"prompt_id": item.get("custom_id"), "external_id": None,
                                      "error": json.dumps(item.get("error") or body.get("error"))[:300]})
                continue
            choice = body["choices"][0]
            message = choice.get("message") or {}
            usage = body.get("usage") or {}
            cost = answer_cost(usage.get("prompt_tokens"), usage.get("completion_tokens"), prices)
            stored = store.golden.insert_generation({
                "golden_version_id": version["id"], "prompt_id": item["custom_id"], "model": model,
                "provider": provider, "output": answer_text(message.get("content"), message.get("tool_calls")),
                "tool_calls": message.get("tool_calls") or None, "latency_ms": None,
                "prompt_tokens": usage.get("prompt_tokens"), "completion_tokens": usage.get("completion_tokens"),
                "cost_usd": None if cost is None else cost * BATCH_PRICE_SHARE,
                "temperature": settings.temperature, "seed": settings.seed,
                "finish_reason": choice.get("finish_reason"), "source": "provider"})
            if stored:
                report.answered += 1
                report.prompt_tokens += usage.get("prompt_tokens") or 0
                report.completion_tokens += usage.get("completion_tokens") or 0
                if cost is not None:
                    report.cost_usd = (report.cost_usd or 0.0) + cost * BATCH_PRICE_SHARE
    if getattr(batch, "error_file_id", None):
        for line in client.files.content(batch.error_file_id).text.splitlines():
            if line.strip():
                item = json.loads(line)
                report.failed.append({"prompt_id": item.get("custom_id"), "external_id": None,
                                      "error": json.dumps(item.get("error") or item.get("response"))[:300]})
    store.golden.update_batch(row["id"], {"status": "collected", "output_file_id": batch.output_file_id,
                                          "error_file_id": getattr(batch, "error_file_id", None)})


def generate_batch(store: Store, version: dict, model: str, client, *, provider: str | None = None,
                   settings: GenerationSettings | None = None, poll_every: float = 30.0,
                   on_status: Callable[[str, int, int], None] | None = None, cancel: threading.Event | None = None,
                   sleep: Callable[[float], None] = time.sleep) -> GenerationReport:
    """Answer the version's unanswered prompts through one batch; returns when the batch
    is collected, or when cancelled (the batch keeps running: run again to collect it)."""
    settings = settings or GenerationSettings()
    prompts = store.golden.version_prompts(version["id"])
    answered = store.golden.generations(version["id"], model)
    report = GenerationReport(model, provider, version["id"], len(prompts), already=len(answered),
                              temperature=settings.temperature, seed=settings.seed)
    row = store.golden.open_batch(version["id"], model)
    if row is None:
        pending = [p for p in prompts if p["prompt_id"] not in answered]
        if not pending:
            return report
        row = store.golden.add_batch({"golden_version_id": version["id"], "model": model, "provider": provider,
                                      "status": "creating", "prompt_ids": [p["prompt_id"] for p in pending],
                                      "settings": {"temperature": settings.temperature, "seed": settings.seed,
                                                   "max_tokens": settings.max_tokens}})
    if not row.get("provider_batch_id"):
        in_batch = set(row["prompt_ids"])
        batch = _create(store, client, row, [p for p in prompts if p["prompt_id"] in in_batch], model, settings)
        store.golden.update_batch(row["id"], {"provider_batch_id": batch.id, "status": batch.status})
    else:
        batch = client.batches.retrieve(row["provider_batch_id"])
    while batch.status not in FINAL:
        counts = getattr(batch, "request_counts", None)
        if on_status is not None:
            on_status(batch.status, getattr(counts, "completed", 0) or 0, getattr(counts, "total", 0) or 0)
        if cancel is not None and cancel.is_set():
            report.cancelled = True
            return report
        sleep(poll_every)
        batch = client.batches.retrieve(batch.id)
        store.golden.update_batch(row["id"], {"status": batch.status})
    if batch.status != "completed" and not getattr(batch, "output_file_id", None):
        store.golden.update_batch(row["id"], {"status": batch.status})
        raise GenerationError(f"The provider's batch {batch.id} ended {batch.status}; no answers came back.",
                              "Run it again to send a new batch, or generate directly.")
    _collect(store, client, batch, row, version, model, provider, settings, report)
    return report


BATCH_KINDS = ("openai", "together")


def generate_batch_for_set(store: Store, set_ref: str, model_ref: str, *, client=None, **kwargs) -> GenerationReport:
    """Batch generation for refs as a user writes them; only providers with a Batch API."""
    from workbench.errors import InvalidRequest
    from workbench.eval.generation import client_for, resolve_refs

    version, provider, model = resolve_refs(store, set_ref, model_ref)
    if client is None:
        row = store.providers.get_provider(provider)
        kind = (row or {}).get("kind", "").replace("_", "-")
        if row is not None and kind not in BATCH_KINDS:
            raise InvalidRequest(f"{provider} ({kind}) has no Batch API; generate without the batch route.")
        client = client_for(store, provider)
    return generate_batch(store, version, model, client, provider=provider, **kwargs)

