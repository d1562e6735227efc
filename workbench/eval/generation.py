"""Generation: a model's answers to every prompt of a golden-set version.

Answers come from any OpenAI-compatible chat-completions client (the official `openai`
SDK pointed at OpenAI, Azure, vLLM, Ollama, LM Studio, llama.cpp, Together, Fireworks,
OpenRouter, ...). The client is passed in, so the CLI and the app get it from the
provider's settings and the tests point it at a server on 127.0.0.1.

Each prompt is sent with its system turn and its tool definitions, at a recorded
temperature and seed, by a bounded pool of threads. A 429 or 5xx is retried, waiting
what the server's Retry-After asks (capped) or an exponential backoff. Every answer is
committed the moment it arrives (one INSERT, UNIQUE per version + prompt + model): a run
killed at any point resumes where it stopped, without sending an answered prompt again
and without a duplicate. Cancel stops sending new prompts; answers in flight are kept.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from store import Store
from workbench.errors import InvalidRequest, WorkbenchError

#: Keys of a chat message the chat-completions API accepts (training-only keys such as
#: `weight` are dropped before sending).
API_MESSAGE_KEYS = ("role", "content", "name", "tool_calls", "tool_call_id", "function_call", "refusal")


class GenerationError(WorkbenchError):
    """The provider refused the run as a whole (bad key, unknown model); nothing more was sent."""


@dataclass
class GenerationSettings:
    temperature: float = 0.0
    seed: int | None = 0
    max_tokens: int | None = None
    concurrency: int = 4
    max_retries: int = 5
    #: the longest wait a Retry-After may impose before a retry (seconds)
    max_wait_s: float = 60.0


@dataclass
class Progress:
    done: int
    total: int
    failed: int
    retries: int


@dataclass
class GenerationReport:
    model: str
    provider: str | None
    golden_version_id: str
    total: int
    already: int = 0
    answered: int = 0
    failed: list[dict] = field(default_factory=list)
    retries: int = 0
    cancelled: bool = False
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    temperature: float | None = None
    seed: int | None = None

    @property
    def complete(self) -> bool:
        return self.already + self.answered == self.total

    def to_dict(self) -> dict:
        return {**asdict(self), "complete": self.complete}


# --------------------------------------------------------------------------- pure helpers


def parse_model_ref(text: str) -> tuple[str, str]:
    """'PROVIDER:MODEL' -> (provider, model). The model id may hold colons itself
    (ft:gpt-4.1-mini-2025-04-14:aurora::abc); the provider name never does."""
    provider, sep, model = text.partition(":")
    if not sep or not provider or not model or provider == "ft":
        raise InvalidRequest(f"{text!r}: name the provider and the model as PROVIDER:MODEL, "
                             "e.g. openai:gpt-4.1-mini or local:llama3.1.")
    return provider, model


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def answer_cost(prompt_tokens: int | None, completion_tokens: int | None, prices: dict | None) -> float | None:
    """USD for one answer, from the models table's prices per 1M tokens; None when unknown."""
    if not prices or prices.get("price_input_per_1m") is None or prices.get("price_output_per_1m") is None:
        return None
    if prompt_tokens is None or completion_tokens is None:
        return None
    return (prompt_tokens * prices["price_input_per_1m"] + completion_tokens * prices["price_output_per_1m"]) / 1e6


def retry_wait(headers: Any, attempt: int, cap: float) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based): the server's
    retry-after-ms or Retry-After (seconds or an HTTP date) when given, else an
    exponential backoff with jitter; never more than ``cap``."""
    get = (lambda name: headers.get(name)) if headers is not None else (lambda name: None)
    wait = None
    if get("retry-after-ms"):
        try:
            wait = float(get("retry-after-ms")) / 1000
        except ValueError:
            wait = None
    if wait is None and get("retry-after"):
        value = get("retry-after").strip()
        try:
            wait = float(value)
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(value) if value else None
            if parsed is not None:
                wait = parsed.timestamp() - time.time()
    if wait is None:
        wait = min(0.5 * 2 ** attempt, 8.0) * (0.5 + random.random() / 2)
    return max(0.0, min(wait, cap))


def request_messages(messages: list[dict]) -> list[dict]:
    return [{k: v for k, v in m.items() if k in API_MESSAGE_KEYS} for m in messages]


def answer_text(content: str | None, tool_calls: list[dict] | None) -> str:
    """What a rater reads: the text, then one line per tool call the model made."""
    lines = [content] if content else []
    for call in tool_calls or []:
        function = call.get("function") or {}
        lines.append(f"[calls {function.get('name')}({function.get('arguments', '')})]")
    return "\n".join(lines)


# --------------------------------------------------------------------------- provider edge


def client_for(store: Store, provider: str):
    """The chat client of a configured provider (its key from the OS keyring)."""
    from workbench import providers

    chat_client = getattr(providers, "chat_client", None)
    if chat_client is None:
        raise InvalidRequest("Providers are not set up in this build; answers can be imported instead.")
    return chat_client(store, provider)


def _status_error(exc: Exception) -> tuple[int | None, Any]:
    response = getattr(exc, "response", None)
    status = getattr(exc, "status_code", None) or getattr(response, "status_code", None)
    return status, getattr(response, "headers", None)


def _retryable(exc: Exception, status: int | None) -> bool:
    if status is None:  # connection dropped, timeout
        return type(exc).__name__ in ("APIConnectionError", "APITimeoutError") or isinstance(exc, (ConnectionError,
                                                                                                    TimeoutError))
    return status in (408, 409, 429) or status >= 500


def _fatal(status: int | None) -> bool:
    """Errors that will repeat for every prompt: stop the run instead of failing each one."""
    return status in (401, 403, 404)


# --------------------------------------------------------------------------- the run


class _Run:
    def __init__(self, store, version, model, client, provider, settings, on_progress, cancel, sleep):
        self.store, self.version, self.model, self.client = store, version, model, client
        self.provider, self.settings, self.on_progress = provider, settings, on_progress
        self.cancel = cancel or threading.Event()
        self.sleep = sleep
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.fatal: str | None = None
        prices = store.models.get_model(model)
        self.prices = prices
        self.report = GenerationReport(model, provider, version["id"], 0, temperature=settings.temperature,
                                       seed=settings.seed)

    def request(self, prompt: dict) -> dict:
        kwargs: dict[str, Any] = {"model": self.model, "messages": request_messages(prompt["messages"]),
                                  "temperature": self.settings.temperature}
        if self.settings.seed is not None:
            kwargs["seed"] = self.settings.seed
        if prompt.get("tools"):
            kwargs["tools"] = prompt["tools"]
        if self.settings.max_tokens:
            kwargs["max_tokens"] = self.settings.max_tokens
        return kwargs

    def call(self, prompt: dict):
        """One prompt's completion with retries; returns (response, latency_ms)."""
        kwargs = self.request(prompt)
        for attempt in range(self.settings.max_retries + 1):
            started = time.perf_counter()
            try:
                response = self.client.chat.completions.create(**kwargs)
                return response, (time.perf_counter() - started) * 1000
            except Exception as exc:  # noqa: BLE001 - sorted by status below
                status, headers = _status_error(exc)
                if _fatal(status):
                    raise GenerationError(f"{self.provider or 'the provider'} refused {self.model!r} "
                                          f"(HTTP {status}): {exc}",
                                          "Check the provider's key and the model id.") from exc
                if not _retryable(exc, status) or attempt == self.settings.max_retries or self.cancel.is_set():
                    raise
                with self.lock:
                    self.report.retries += 1
                self.sleep(retry_wait(headers, attempt, self.settings.max_wait_s))
        raise AssertionError("unreachable")

    def answer(self, prompt: dict) -> None:
        if self.cancel.is_set():
            return
        try:
            response, latency_ms = self.call(prompt)
            row = self.row(prompt, response, latency_ms)
            stored = self.store.golden.insert_generation(row)
        except GenerationError as exc:
            with self.lock:
                self.fatal = self.fatal or exc.message
            self.cancel.set()
            return
        except Exception as exc:  # noqa: BLE001 - one prompt failed; the run goes on
            with self.lock:
                self.report.failed.append({"prompt_id": prompt["prompt_id"],
                                           "external_id": prompt.get("external_id"),
                                           "error": f"{type(exc).__name__}: {exc}"[:300]})
            self.progress()
            return
        with self.lock:
            if stored:
                self.report.answered += 1
                self.latencies.append(latency_ms)
                self.report.prompt_tokens += row.get("prompt_tokens") or 0
                self.report.completion_tokens += row.get("completion_tokens") or 0
                if row.get("cost_usd") is not None:
                    self.report.cost_usd = (self.report.cost_usd or 0.0) + row["cost_usd"]
            else:
                self.report.already += 1  # another run answered it meanwhile
        self.progress()

    def row(self, prompt: dict, response, latency_ms: float) -> dict:
        choice = response.choices[0]
        message = choice.message
        tool_calls = [c.model_dump() if hasattr(c, "model_dump") else dict(c) for c in (message.tool_calls or [])]
        usage = getattr(response, "usage", None)
        prompt_tokens = getattr(usage, "prompt_tokens", None)
        completion_tokens = getattr(usage, "completion_tokens", None)
        return {"golden_version_id": self.version["id"], "prompt_id": prompt["prompt_id"], "model": self.model,
                "provider": self.provider, "output": answer_text(message.content, tool_calls),
                "tool_calls": tool_calls or None, "latency_ms": round(latency_ms),
                "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                "cost_usd": answer_cost(prompt_tokens, completion_tokens, self.prices),
                "temperature": self.settings.temperature, "seed": self.settings.seed,
                "finish_reason": getattr(choice, "finish_reason", None), "source": "provider"}

    def progress(self) -> None:
        if self.on_progress is not None:
            r = self.report
            self.on_progress(Progress(r.already + r.answered, r.total, len(r.failed), r.retries))


def generate(store: Store, version: dict, model: str, client, *, provider: str | None = None,
             settings: GenerationSettings | None = None, on_progress: Callable[[Progress], None] | None = None,
             cancel: threading.Event | None = None, sleep: Callable[[float], None] = time.sleep
             ) -> GenerationReport:
    """Answer every prompt of a golden-set version that has no answer from ``model`` yet.

    ``client`` is an `openai.OpenAI`-like object (``client.chat.completions.create``).
    Raises GenerationError when the provider refuses the model or key outright (the
    answers committed before stay)."""
    settings = settings or GenerationSettings()
    if settings.concurrency < 1:
        raise InvalidRequest("Concurrency must be at least 1.")
    if hasattr(client, "with_options"):
        client = client.with_options(max_retries=0)  # the retries (and their waits) are ours
    run = _Run(store, version, model, client, provider, settings, on_progress, cancel, sleep)
    prompts = store.golden.version_prompts(version["id"])
    answered = store.golden.generations(version["id"], model)
    pending = [p for p in prompts if p["prompt_id"] not in answered]
    run.report.total = len(prompts)
    run.report.already = len(prompts) - len(pending)
    run.progress()
    with ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="generate") as pool:
        list(pool.map(run.answer, pending))
    report = run.report
    report.cancelled = run.cancel.is_set() and run.fatal is None
    report.latency_p50_ms = percentile(run.latencies, 50)
    report.latency_p95_ms = percentile(run.latencies, 95)
    if run.fatal:
        raise GenerationError(run.fatal, "Check the provider's key and the model id.")
    return report


def resolve_refs(store: Store, set_ref: str, model_ref: str) -> tuple[dict, str, str]:
    """`GOLDEN[@version]` and `PROVIDER:MODEL` as a user writes them -> (version, provider, model)."""
    from workbench.eval import golden

    set_name, _, number = set_ref.partition("@")
    try:
        version_number = int(number.lstrip("v")) if number else None
    except ValueError:
        raise InvalidRequest(f"{set_ref!r}: the version after @ is a number, e.g. {set_name}@2.") from None
    provider, model = parse_model_ref(model_ref)
    return golden.resolve_version(store, set_name, version_number), provider, model


def generate_for_set(store: Store, set_ref: str, model_ref: str, *, client=None, **kwargs) -> GenerationReport:
    """Generate for refs as a user writes them; the client comes from the provider's
    settings unless one is given."""
    version, provider, model = resolve_refs(store, set_ref, model_ref)
    if client is None:
        client = client_for(store, provider)
    return generate(store, version, model, client, provider=provider, **kwargs)
