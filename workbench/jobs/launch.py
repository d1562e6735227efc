"""Launching a job from a frozen dataset version, crash-safe.

Steps: preflight (the version exists, the provider trains, enough examples, the cost
for this provider and base model), then for each provider call an outbox row first
(committed), the call, and the result recorded. Files already uploaded for the same
sha256 are reused. An upload is reconciled too: its file name carries the split's
sha256, so an upload sent and never recorded (a kill, a lost answer) is looked up at
the provider by name before anything is uploaded again. The create call is sent once (no SDK retry): if its answer is lost,
`reconcile` asks the provider for jobs carrying this job's id (metadata on OpenAI and
Azure, the suffix on Together) before anything is sent again. So a kill between
"created" and "recorded" neither loses nor duplicates a job.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import DataRefused, InvalidRequest
from workbench.jobs.adapters import JobSpec, adapter_for
from workbench.providers import get_provider
from workbench.providers.failures import ProviderUnavailable, RateLimited
from workbench.providers.kinds import kind_of

MIN_EXAMPLES = {"openai": 10, "azure": 10, "together": 1}


@dataclass
class LaunchPlan:
    """What a launch will do, shown before the user confirms."""

    provider: dict
    version: dict
    base_model: str
    method: str
    hyperparameters: dict
    suffix: str | None
    seed: int | None
    estimated_cost: float | None
    billed_tokens: int | None
    problems: list[str] = field(default_factory=list)
    allow_pii: bool = False
    warnings: list[str] = field(default_factory=list)
    epochs: int | None = None              # billed epochs (the provider's default when none is set)

    def to_dict(self) -> dict:
        return {"provider": self.provider["name"], "kind": self.provider["kind"],
                "dataset": self.version.get("dataset_name"), "version": self.version["number"],
                "version_sha256": self.version["train_sha256"], "train_examples": self.version["train_count"],
                "validation_examples": self.version["validation_count"], "base_model": self.base_model,
                "method": self.method, "hyperparameters": self.hyperparameters, "suffix": self.suffix,
                "seed": self.seed, "billed_tokens": self.billed_tokens, "estimated_cost": self.estimated_cost,
                "problems": self.problems, "warnings": self.warnings, "allow_pii": self.allow_pii,
                "epochs": self.epochs}


def parse_version_ref(ref: str) -> tuple[str, int | None]:
    """"dataset@3", "dataset:v3" or a version id (number None)."""
    for sep in ("@", ":"):
        if sep in ref:
            name, _, number = ref.rpartition(sep)
            number = number.lstrip("v")
            if number.isdigit():
                return name, int(number)
    return ref, None


def find_version(store, ref: str) -> dict:
    name, number = parse_version_ref(ref)
    version = store.jobs.find_version(name, number)
    if version is None:
        raise InvalidRequest(f"No frozen version {ref!r}.",
                             "Freeze one by exporting the dataset, then name it as DATASET@NUMBER.")
    return version


def _version_counts(store, version: dict, encoding_name: str):
    """Token counts of the frozen training lines, as the provider will see them."""
    import json

    from workbench.budget import tokens

    encoding = tokens.get_encoding(encoding_name)
    return (tokens.count_example(json.loads(line), encoding)
            for line in store.datasets.version_lines(version["id"], "train"))


def _target(store, provider: dict, base_model: str):
    """(ModelSpec, EpochsRule, catalogue row) for the provider and base model: the
    provider's training catalogue first, OpenAI's models table as the fallback."""
    from workbench.budget import catalog
    from workbench.budget.estimate import ModelSpec
    from workbench.providers import catalogue

    row = catalogue.training_model(store, provider, base_model)
    if row is not None:
        return catalogue.model_spec(row), catalogue.epochs_rule(store, row), row
    model = store.models.get_model(base_model) if provider["kind"] in ("openai", "azure") else None
    if model is None or model["price_training_per_1m"] is None:
        return None, None, None
    return ModelSpec.from_dict(model), catalog.epochs_rule(store), None


def _cost(store, version: dict, spec, rule, epochs: int | None):
    """The budget for this version on this target (billed tokens, cost, examples over the limit)."""
    from workbench.budget.estimate import estimate_budget

    return estimate_budget(_version_counts(store, version, spec.encoding), spec, rule, epochs)


def hyperparameters_for(kind: str, *, epochs=None, batch_size=None, learning_rate=None, beta=None) -> dict:
    """The provider's hyperparameter names for what the user typed (OpenAI and Azure take a
    learning-rate multiplier, Together a learning rate)."""
    lr_key = "learning_rate" if kind == "together" else "learning_rate_multiplier"
    return {"n_epochs": epochs, "batch_size": batch_size, lr_key: learning_rate, "beta": beta}


def launch_choices(store) -> dict:
    """What a launch form offers: frozen versions (never a live dataset) and providers that train."""
    from workbench.providers import list_providers

    versions = [{**v, "ref": f"{v['dataset_name']}@{v['number']}"} for v in store.jobs.frozen_versions()]
    providers = [p for p in list_providers(store) if p["capabilities"].get("sft")]
    return {"versions": versions, "providers": providers,
            "base_models": {p["name"]: base_models(store, p) for p in providers}}


def base_models(store, provider: dict) -> list[str]:
    """Base models the provider trains (its training catalogue), for a launch form."""
    return [row["base_model"] for row in store.providers.catalogue(provider["kind"])]


def pii_blockers(store, version: dict) -> list[str]:
    """Why the version's examples may not leave the machine (the export's personal-data
    gate, asked again at launch: a version frozen with --allow-pii, or an example whose
    findings are still pending, is caught here)."""
    from workbench.dataset.exporter import personal_data_blockers

    return personal_data_blockers(store, version["dataset_id"], store.jobs.version_example_ids(version["id"]))


def _shape_problems(store, version: dict, method: str) -> list[str]:
    """The version's lines must be what the method trains on: preference pairs for DPO,
    chats for SFT (a provider refuses the file otherwise, after the upload)."""
    import json

    first = next(iter(store.datasets.version_lines(version["id"], "train")), None)
    if first is None:
        return ["The version has no training lines."]
    is_pair = "preferred_output" in json.loads(first)
    if method == "dpo" and not is_pair:
        return ["DPO trains on preference pairs (input, preferred_output, non_preferred_output); this version "
                "holds chats: pick SFT or a preference dataset's version."]
    if method != "dpo" and is_pair:
        return ["This version holds preference pairs: train it with DPO, not SFT."]
    return []


def plan_launch(store, version_ref: str, provider_name: str, base_model: str, *, method: str = "supervised",
                hyperparameters: dict | None = None, suffix: str | None = None, seed: int | None = None,
                allow_pii: bool = False) -> LaunchPlan:
    """Preflight: everything checked, nothing sent. `allow_pii` skips the personal-data
    gate (the caller audits that choice through the launch)."""
    provider = get_provider(store, provider_name)
    version = find_version(store, version_ref)
    capabilities = kind_of(provider["kind"]).capabilities
    hp = {k: v for k, v in (hyperparameters or {}).items() if v is not None}
    problems = []
    if not capabilities.trains:
        problems.append(f"{provider['name']} ({provider['kind']}) serves chat only; it cannot train.")
    if method == "dpo" and not capabilities.dpo:
        problems.append(f"{provider['name']} does not train DPO.")
    problems += _shape_problems(store, version, method)
    spec, rule, row = _target(store, provider, base_model)
    warnings = []
    if row is None:
        warnings.append(f"{base_model} is not in {provider['name']}'s training catalogue: no minimum, limit or "
                        "price checked" + (" (priced from the models table)." if spec else "."))
    elif method not in row["methods"]:
        problems.append(f"{provider['name']} does not train {base_model} with {method} "
                        f"(catalogue: {', '.join(row['methods'])}).")
    minimum = row["min_examples"] if row else MIN_EXAMPLES.get(provider["kind"], 1)
    if version["train_count"] < minimum:
        problems.append(f"The version has {version['train_count']} training examples; {provider['name']} "
                        f"needs at least {minimum}.")
    if not allow_pii:
        blockers = pii_blockers(store, version)
        if blockers:
            problems.append(f"{len(blockers)} examples of the version may hold personal data nobody reviewed "
                            f"(first: {blockers[0]}); review them on the PII screen or `workbench pii` first.")
    billed = cost = epochs = None
    if spec is not None:
        estimate = _cost(store, version, spec, rule, hp.get("n_epochs"))
        billed, cost, epochs = estimate.billed_tokens, round(estimate.estimated_cost, 6), estimate.epochs
        if estimate.over_limit:
            warnings.append(f"{estimate.over_limit} examples are longer than {base_model}'s "
                            f"{spec.training_context_limit:,}-token limit: the provider truncates them.")
    return LaunchPlan(provider, version, base_model, method, hp, suffix, seed, cost, billed, problems,
                      allow_pii=allow_pii, warnings=warnings, epochs=epochs)


def upload_name(version: dict, split: str) -> str:
    """The uploaded file's name: it carries the split's sha256, so an upload whose answer
    was lost can be found at the provider by name."""
    return f"wb-{_split_sha(version, split)}-{split}.jsonl"


def _write_split(store, version: dict, split: str, folder: Path) -> Path | None:
    lines = list(store.datasets.version_lines(version["id"], split))
    if not lines:
        return None
    path = folder / upload_name(version, split)
    # The exact frozen lines: the bytes the version's sha256 was taken of.
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _split_sha(version: dict, split: str) -> str:
    return version["train_sha256"] if split == "train" else (version["validation_sha256"] or "")


def _record_upload(store, provider: dict, sha: str, split: str, key: str, file_id: str, size: int | None) -> str:
    with store.transaction():
        store.providers.remember_file(provider["id"], sha, split, file_id, size)
        store.jobs.outbox_mark(key, "done", {"file_id": file_id})
    return file_id


def _uploaded_already(adapter, path: Path) -> str | None:
    """The provider's file of this name, if an earlier upload reached it; None when it
    did not or the provider cannot be asked now (then the upload is sent)."""
    try:
        return adapter.find_file(path.name)
    except (ProviderUnavailable, RateLimited):
        return None


def _upload(store, adapter, provider: dict, version: dict, split: str, folder: Path) -> str | None:
    """Upload one split, once: reuse a recorded upload of the same sha256, and before
    sending again after a crash or a lost answer, look for the file at the provider."""
    sha = _split_sha(version, split)
    if not sha:
        return None
    known = store.providers.uploaded_file(provider["id"], sha, split)
    if known:
        return known
    path = _write_split(store, version, split, folder)
    if path is None:
        return None
    size = path.stat().st_size
    key = f"upload:{provider['id']}:{sha}:{split}"
    row = store.jobs.outbox_add("upload_file", {"provider_id": provider["id"], "sha256": sha, "split": split}, key)
    if row["status"] == "sent":  # sent before and never recorded: a kill or a lost answer
        found = _uploaded_already(adapter, path)
        if found:
            return _record_upload(store, provider, sha, split, key, found, size)
    store.jobs.outbox_mark(key, "sent")
    try:
        file_id = adapter.upload(path)
    except (ProviderUnavailable, RateLimited):
        # The answer may be lost while the file exists (the SDK does not retry uploads).
        found = _uploaded_already(adapter, path)
        if not found:
            raise
        file_id = found
    return _record_upload(store, provider, sha, split, key, file_id, size)


def _suffix(plan_suffix: str | None, job_id: str, kind: str) -> str | None:
    # Together has no metadata: its suffix carries the workbench job id for reconciliation.
    if kind == "together":
        return f"{(plan_suffix or 'wb')[:24]}-wb{job_id[:8]}"
    return plan_suffix


def launch(store, plan: LaunchPlan, *, confirmed: bool, adapter=None) -> dict:
    """Create the job row, upload (or reuse) the files and create the provider job."""
    if plan.problems:
        raise DataRefused("Cannot launch: " + " ".join(plan.problems), "Fix the listed problems first.")
    if not confirmed:
        raise InvalidRequest("A launch needs an explicit confirmation (it costs money).",
                             "Confirm after reading the cost.", hint_key="confirm_launch")
    provider, version = plan.provider, plan.version
    hp = dict(plan.hyperparameters)
    job = store.jobs.create_job({"provider_id": provider["id"], "dataset_version_id": version["id"],
                                 "base_model": plan.base_model, "method": plan.method, "hyperparameters": hp,
                                 "suffix": plan.suffix, "seed": plan.seed, "version_sha256": version["train_sha256"],
                                 "estimated_cost": plan.estimated_cost, "status": "draft"})
    store.audit("job_launch", "job", job["id"], {"provider": provider["name"], "version": version["id"],
                                                 "base_model": plan.base_model, "allow_pii": plan.allow_pii})
    return resume_launch(store, job["id"], adapter=adapter)


def _spec(job: dict, provider: dict, training_file: str, validation_file: str | None) -> JobSpec:
    return JobSpec(base_model=job["base_model"], training_file=training_file, validation_file=validation_file,
                   method=job["method"], hyperparameters=job["hyperparameters"] or {},
                   suffix=_suffix(job["suffix"], job["id"], provider["kind"]), seed=job["seed"],
                   metadata={"workbench_job_id": job["id"], "version_sha256": job["version_sha256"]})


def _record_created(store, job_id: str, key: str, created: dict) -> None:
    with store.transaction():
        store.jobs.update_job(job_id, {"provider_job_id": created["provider_job_id"], "status": created["status"],
                                       "raw_status": created["raw_status"]})
        store.jobs.outbox_mark(key, "done", {"provider_job_id": created["provider_job_id"]})


def resume_launch(store, job_id: str, adapter=None) -> dict:
    """Carry a draft job forward from wherever it stopped (also used after a crash)."""
    job = store.jobs.get_job(job_id)
    if job["provider_job_id"]:
        return job
    provider = get_provider(store, job["provider_id"])
    adapter = adapter or adapter_for(provider)
    version = store.jobs.find_version(job["dataset_version_id"], None)
    with tempfile.TemporaryDirectory(prefix="wb-launch-") as tmp:
        training = _upload(store, adapter, provider, version, "train", Path(tmp))
        validation = _upload(store, adapter, provider, version, "validation", Path(tmp))
    for file_id in filter(None, (training, validation)):
        adapter.wait_processed(file_id)
    store.jobs.update_job(job_id, {"training_file_id": training, "validation_file_id": validation})
    spec = _spec(job, provider, training, validation)
    key = f"create:{job_id}"
    row = store.jobs.outbox_add("create_job", {"job_id": job_id, "provider_id": provider["id"]}, key)
    if row["status"] == "sent" and _adopt(store, adapter, job_id, spec, key):
        return store.jobs.get_job(job_id)
    store.jobs.outbox_mark(key, "sent")
    try:
        created = adapter.create(spec)
    except Exception as exc:
        # The answer may be lost while the job exists: look before anyone retries.
        if _adopt(store, adapter, job_id, spec, key):
            return store.jobs.get_job(job_id)
        if not isinstance(exc, (ProviderUnavailable, RateLimited)):
            # A refusal (403 training_not_available, a bad file): final, in plain words.
            with store.transaction():
                store.jobs.outbox_mark(key, "failed", error=type(exc).__name__)
                store.jobs.update_job(job_id, {"status": "failed", "error": {
                    "message": getattr(exc, "message", str(exc)), "hint": getattr(exc, "hint", ""),
                    "kind": type(exc).__name__}})
        raise
    _record_created(store, job_id, key, created)
    return store.jobs.get_job(job_id)


def _adopt(store, adapter, job_id: str, spec: JobSpec, key: str) -> bool:
    """Record a provider job that carries this job's id, if the provider has one."""
    try:
        found = adapter.find(spec)
    except Exception:  # noqa: BLE001 - unreachable now: the next reconcile will look again
        return False
    if not found:
        return False
    _record_created(store, job_id, key, sorted(found, key=lambda j: j["provider_job_id"])[0])
    return True


def reconcile(store, adapter_factory=adapter_for) -> list[str]:
    """On start: finish every launch a crash interrupted. Returns the job ids touched."""
    touched = []
    for job in store.jobs.list_jobs(["draft"]):
        if job["provider_job_id"]:
            continue
        key = f"create:{job['id']}"
        entry = store.jobs.outbox_get(key)
        if entry and entry["status"] == "failed":
            continue
        provider = get_provider(store, job["provider_id"])
        resume_launch(store, job["id"], adapter=adapter_factory(provider))
        touched.append(job["id"])
    return touched
