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
    if seed_sample is None:
        seed_sample = db_path is None and os.environ.get("WORKBENCH_NO_SAMPLE") != "1"
    if seed_sample and not store.get_setting(SAMPLE_SETTING):
        seed_sample_workspace(store)
    return store


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
        seed_sample_coverage(store)
        store.set_setting(SAMPLE_SETTING, True)


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


def seed_sample_rating(store: Store) -> None:
    """The sample golden set, both models' answers and a session ready to rate."""
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
    rating.create_session(store, SAMPLE_GOLDEN, candidate, baseline, target_n=40, name=SAMPLE_SESSION)
