"""Opening a workspace: the store file, its models catalogue, the sample on first run.

Everything that opens a store (CLI, TUI, tests) goes through `open_store`, so the
defaults (models table, epochs rule) are always present and the built-in default
store is seeded with the sample workspace the first time it is opened.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from store import Store, StoreError
from workbench import paths
from workbench.budget.catalog import ensure_catalog
from workbench.errors import StoreUnavailable

SAMPLE_SETTING = "sample_seeded"
SAMPLE_DATASET = "aurora-support"


def _sample_dir() -> Path:
    """The sample workspace: the repository's sample_data/, shipped in the wheel as the
    package `workbench.sample_data` (pyproject maps the folder)."""
    try:
        from importlib.resources import files

        return Path(str(files("workbench.sample_data")))
    except ModuleNotFoundError:  # running from a checkout that is not installed
        return Path(__file__).resolve().parent.parent / "sample_data"


SAMPLE_DIR = _sample_dir()


def open_store(db_path: Path | str | None = None, seed_sample: bool | None = None) -> Store:
    """Open (creating and migrating) a store. With no path, the built-in default store,
    which gets the sample workspace on first open unless WORKBENCH_NO_SAMPLE=1."""
    try:
        store = Store(Path(db_path) if db_path else paths.default_db_path())
    except StoreError as exc:
        raise StoreUnavailable(str(exc)) from exc
    ensure_catalog(store)
    # A redaction whose scrub was cut short (killed, or held up by another reader) is
    # finished before anything else reads the file.
    store.pii.run_pending_scrub()
    if seed_sample is None:
        seed_sample = db_path is None and os.environ.get("WORKBENCH_NO_SAMPLE") != "1"
    if seed_sample and not store.get_setting(SAMPLE_SETTING):
        seed_sample_workspace(store)
    return store


def is_busy(exc: BaseException) -> bool:
    """True when a write failed only because another process held the store's write lock
    past the busy timeout: trying again later succeeds."""
    from store.db import failure_kind

    return failure_kind(exc) == "busy"


def open_thread_connection(store: Store) -> None:
    """Open the calling thread's connection to the store now (a background writer
    starting while the app is idle), not at its first write."""
    store.db  # noqa: B018 - the property opens and keeps this thread's connection


def seed_sample_workspace(store: Store) -> None:
    """Import the Aurora Commerce sample dataset (with its tags). Idempotent."""
    from workbench.dataset.importer import import_file  # the importer imports tokens: keep open_store light

    source = SAMPLE_DIR / "aurora_support.jsonl"
    if not source.exists():
        return
    tags_path = SAMPLE_DIR / "aurora_support.tags.json"
    tags = {}
    if tags_path.exists():
        tags = {int(line): list(values) for line, values in json.loads(tags_path.read_text("utf-8")).items()}
    result = import_file(store, source, SAMPLE_DATASET, tags_by_line=tags)
    if result.committed:
        # Aurora's product lines carry first names ("Ida cardigan"): the allow-list keeps
        # them out of the personal-data findings, as a user would set it up.
        store.set_setting("pii_allow_list", ["Ida", "Ines", "Vera", "Fenna", "Elin", "Nora"])
        seed_sample_rating(store)
        seed_sample_risks(store)
        seed_sample_job(store)
        seed_sample_registry(store)
        seed_sample_coverage(store)
        store.set_setting(SAMPLE_SETTING, True)


def seed_sample_job(store: Store) -> None:
    """The sample's finished fine-tuning job with its events and curves."""
    from workbench.jobs.sample import seed_sample_job as seed

    seed(store, SAMPLE_DIR / "jobs")



#: The sample's declared coverage: refusals are plentiful (met); "every intent at least
#: 5 examples" is not (sizing has 4), so the health view shows a missing minimum and the
#: export asks for a reason, as a real dataset would before its first training run.
SAMPLE_COVERAGE = (("refusals", "5%"), ("intent:*", "5"))


def seed_sample_coverage(store: Store) -> None:
    from workbench.dataset.coverage import declare

    dataset = store.datasets.get_dataset(SAMPLE_DATASET)
    if dataset is not None and not store.health.rules(dataset["id"]):
        for target, minimum in SAMPLE_COVERAGE:
            declare(store, dataset["id"], target, minimum)


SAMPLE_GOLDEN = "aurora-golden"
SAMPLE_SESSION = "aurora-v3 vs gpt-4.1-mini"


def seed_sample_rating(store: Store, seed: str | None = None) -> None:
    """The sample golden set, both models' answers and a session ready to rate (`seed`
    fixes the session's pair order; None draws one)."""
    from workbench.eval import golden
    from workbench.eval import rating

    folder = SAMPLE_DIR / "golden"
    if not (folder / "aurora_golden.jsonl").exists() or store.golden.get_golden_set(SAMPLE_GOLDEN):
        return
    golden.import_prompts(store, SAMPLE_GOLDEN, folder / "aurora_golden.jsonl")
    golden.freeze(store, SAMPLE_GOLDEN, "sample golden set")
    models = {}
    for name in ("answers_baseline.jsonl", "answers_candidate.jsonl"):
        models.update(golden.import_answers(store, SAMPLE_GOLDEN, folder / name))
    candidate = next(m for m in models if m.startswith("ft:"))
    baseline = next(m for m in models if not m.startswith("ft:"))
    rating.create_session(store, SAMPLE_GOLDEN, candidate, baseline, target_n=40, name=SAMPLE_SESSION, seed=seed)


def get_setting(store: Store, key: str, default=None):
    """A workspace setting (what the app remembers between runs)."""
    return store.get_setting(key, default)


def set_setting(store: Store, key: str, value) -> None:
    store.set_setting(key, value)


def seed_sample_risks(store: Store) -> None:
    """The typical fine-tuning risks in the register, for the sample team to own."""
    from workbench.governance.risks import seed_typical_risks

    seed_typical_risks(store, owner="aurora-ml")


SAMPLE_BASELINE = "gpt-4.1-mini-2025-04-14"
SAMPLE_CANDIDATE = "ft:gpt-4.1-mini-2025-04-14:aurora::aurora-v3"


def seed_sample_registry(store: Store, candidate: str = SAMPLE_CANDIDATE, baseline: str = SAMPLE_BASELINE) -> None:
    """The sample registry's story: the base model promoted first, aurora-v2 promoted by
    override and rolled back, aurora-v3 (the sample job's model) a candidate awaiting its
    rating. Dates are OpenAI's announced ones (docs: DESIGN.md), kept as editable data."""
    from workbench.registry import entries, promotion

    if store.registry.list_models():
        return
    job = json.loads((SAMPLE_DIR / "jobs" / "aurora_v3_job.json").read_text("utf-8")) \
        if (SAMPLE_DIR / "jobs" / "aurora_v3_job.json").exists() else {}
    lifecycle = {"shutdown_date": "2027-01-14", "training_cutoff": "2027-01-06"}
    # the provider the sample job ran on, so the registry links aurora-v3 to that job
    provider = next((j["provider_name"] for j in store.registry.succeeded_jobs()
                     if j["fine_tuned_model"] == candidate and j.get("provider_name")), "openai")
    entries.register(store, baseline, baseline, provider=provider, kind="base", who="sample",
                     purpose="Aurora Assist before fine-tuning; the baseline of every comparison.", **lifecycle)
    promotion.promote(store, baseline, reason="first model of Aurora Assist", who="sample")
    entries.register(store, "aurora-v2", candidate.replace("aurora-v3", "aurora-v2"), provider=provider,
                     base_model=baseline, who="sample", hyperparameters={"n_epochs": 2},
                     changelog="v2: first fine-tune on 40 support examples", **lifecycle)
    promotion.promote(store, "aurora-v2", override=True, who="sample",
                      reason="returns wording needed for the spring sale; rating planned afterwards")
    promotion.rollback(store, reason="aurora-v2 offered refunds beyond the 30-day policy", who="sample")
    entries.register(store, "aurora-v3", candidate, provider=provider, base_model=job.get("model", baseline),
                     hyperparameters=job.get("hyperparameters") or {}, who="sample",
                     purpose="Aurora Assist: customer support in English, Dutch and French.",
                     acceptable_use="Aurora orders, products, deliveries, returns, payments and accounts only.",
                     limits="No legal or medical advice; vouchers above EUR 25 go to a human agent.",
                     changelog="v3: 76 examples, tool calls, refusals; 3 epochs", **lifecycle)
