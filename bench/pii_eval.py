"""Precision, recall and throughput of the offline PII analyzer on the generated corpus.

Prints precision and recall per entity and language (bench/pii_corpus.py makes the
labelled messages), overall precision, and messages per second, single process and on a
two-process pool, with the ratio against a floor measured in the same run: one trivial
regex pass over the same messages (the least any scan has to do).

A prediction is a true positive when it has the gold span's entity and overlaps it by
at least half the gold span's length; each gold span and each prediction is matched at
most once.

    .venv/bin/python bench/pii_eval.py [--n 1800] [--seed 20261101] [--show 10] [--markdown]
    .venv/bin/python bench/pii_eval.py --data bench/data/pii_heldout_en.jsonl   # a labelled file instead

--data reads labelled JSONL ({"id", "language", "text", "spans": [{"entity", "start",
"end", "text"}]}), e.g. the frozen held-out sets written by bench/pii_heldout.py or the
tuning set bench/data/pii_tuning.jsonl; it may be given several times. --tuning reads the
three tuning files (pii_tuning.jsonl, pii_tuning2.jsonl and the nl/fr chat lines of
pii_tuning3_nlfr.jsonl) and reports each one's PERSON figures after the table.

Exit status 1 when a target is missed: recall >= 0.95 for EMAIL_ADDRESS, IBAN_CODE,
CREDIT_CARD and PHONE_NUMBER; PERSON recall >= 0.80 in each language; precision >= 0.85
overall; >= 2,000 messages/s on one process (issue 19: "still >= 2,000 msg/s per process
with the default engine").

Speed is measured twice, best of three passes each: wall-clock, and the process's own CPU
time (time.process_time). On this shared 2-core machine the wall-clock figure mostly
measures the other jobs (the load average is printed with it); the CPU-time figure is
what one process gets through per second of a core, and it is the one held against the
2,000 target. The regex floor is measured the same two ways in the same run.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from pii_corpus import DEFAULT_SEED, LANGUAGES, GoldSpan, Message, generate  # noqa: E402

from workbench.pii import Span, build_analyzer  # noqa: E402
from workbench.pii.parallel import analyze_many  # noqa: E402

RECALL_TARGETS = {"EMAIL_ADDRESS": 0.95, "IBAN_CODE": 0.95, "CREDIT_CARD": 0.95, "PHONE_NUMBER": 0.95}
PERSON_RECALL_TARGET = 0.80
PRECISION_TARGET = 0.85
THROUGHPUT_TARGET = 2000.0
FLOOR = re.compile(r"\S+@\S+|\d{6,}")
TUNING_FILES = [ROOT / "bench" / "data" / name for name in
                ("pii_tuning.jsonl", "pii_tuning2.jsonl", "pii_tuning3_nlfr.jsonl")]


def load_jsonl(path: str | Path) -> list[Message]:
    """Labelled messages from a JSONL file (see the module docstring for the fields)."""
    import json

    messages = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            spans = [GoldSpan(s["entity"], s["start"], s["end"], s["text"]) for s in row["spans"]]
            for span in spans:
                if row["text"][span.start:span.end] != span.text:
                    raise ValueError(f"{path}:{number}: span {span.text!r} does not match the text at "
                                     f"{span.start}-{span.end}")
            messages.append(Message(str(row.get("id", number)), row["language"], row["text"], spans, bool(spans)))
    return messages


def overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return max(0, min(a_end, b_end) - max(a_start, b_start))


@dataclass
class Tally:
    gold: int = 0
    found: int = 0       # gold spans matched
    predicted: int = 0
    correct: int = 0     # predictions matched

    @property
    def recall(self) -> float | None:
        return self.found / self.gold if self.gold else None

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None


@dataclass
class Report:
    by_cell: dict[tuple[str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    out_of_list: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    misses: list[tuple[Message, GoldSpan]] = field(default_factory=list)
    false_alarms: list[tuple[Message, Span]] = field(default_factory=list)

    def total(self, entity: str | None = None, language: str | None = None) -> Tally:
        out = Tally()
        for (e, lang), t in self.by_cell.items():
            if (entity is None or e == entity) and (language is None or lang == language):
                out.gold += t.gold
                out.found += t.found
                out.predicted += t.predicted
                out.correct += t.correct
        return out

    def entities(self) -> list[str]:
        return sorted({e for e, _ in self.by_cell})


def match(message: Message, predicted: list[Span]) -> tuple[set[int], set[int]]:
    """Indexes of matched gold spans and matched predictions (greedy, best overlap first)."""
    pairs = []
    for g, gold in enumerate(message.spans):
        for p, span in enumerate(predicted):
            if span.entity != gold.entity:
                continue
            shared = overlap(gold.start, gold.end, span.start, span.end)
            if shared * 2 >= gold.end - gold.start:
                pairs.append((shared, g, p))
    gold_hit, pred_hit = set(), set()
    for _, g, p in sorted(pairs, reverse=True):
        if g not in gold_hit and p not in pred_hit:
            gold_hit.add(g)
            pred_hit.add(p)
    return gold_hit, pred_hit


def evaluate(messages: list[Message], predictions: list[list[Span]]) -> Report:
    report = Report()
    for message, predicted in zip(messages, predictions):
        gold_hit, pred_hit = match(message, predicted)
        for g, gold in enumerate(message.spans):
            tally = report.by_cell[(gold.entity, message.language)]
            tally.gold += 1
            tally.found += g in gold_hit
            if gold.out_of_list:
                oov = report.out_of_list[message.language]
                oov.gold += 1
                oov.found += g in gold_hit
            if g not in gold_hit:
                report.misses.append((message, gold))
        for p, span in enumerate(predicted):
            tally = report.by_cell[(span.entity, message.language)]
            tally.predicted += 1
            tally.correct += p in pred_hit
            if p not in pred_hit:
                report.false_alarms.append((message, span))
    return report


def targets_missed(report: Report, messages_per_second: float | None) -> list[str]:
    missed = []
    for entity, target in RECALL_TARGETS.items():
        recall = report.total(entity).recall
        if recall is not None and recall < target:
            missed.append(f"{entity} recall {recall:.3f} < {target}")
    for language in LANGUAGES:
        recall = report.total("PERSON", language).recall
        if recall is not None and recall < PERSON_RECALL_TARGET:
            missed.append(f"PERSON recall in {language} {recall:.3f} < {PERSON_RECALL_TARGET}")
    precision = report.total().precision
    if precision is not None and precision < PRECISION_TARGET:
        missed.append(f"overall precision {precision:.3f} < {PRECISION_TARGET}")
    if messages_per_second is not None and messages_per_second < THROUGHPUT_TARGET:
        missed.append(f"throughput {messages_per_second:,.0f} msg/s < {THROUGHPUT_TARGET:,.0f}")
    return missed


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_table(report: Report, markdown: bool) -> None:
    columns = ["entity"] + [f"{lang} {k}" for lang in LANGUAGES for k in ("P", "R", "gold")] + ["all P", "all R", "gold"]
    rows = []
    for entity in report.entities():
        row = [entity]
        for language in LANGUAGES:
            t = report.total(entity, language)
            row += [_fmt(t.precision), _fmt(t.recall), str(t.gold)]
        t = report.total(entity)
        row += [_fmt(t.precision), _fmt(t.recall), str(t.gold)]
        rows.append(row)
    row = ["all"]
    for language in LANGUAGES:
        t = report.total(language=language)
        row += [_fmt(t.precision), _fmt(t.recall), str(t.gold)]
    t = report.total()
    rows.append(row + [_fmt(t.precision), _fmt(t.recall), str(t.gold)])
    row = ["PERSON out-of-list"]
    for language in LANGUAGES:
        t = report.out_of_list.get(language, Tally())
        row += ["", _fmt(t.recall), str(t.gold)]
    oov = Tally(gold=sum(t.gold for t in report.out_of_list.values()),
                found=sum(t.found for t in report.out_of_list.values()))
    rows.append(row + ["", _fmt(oov.recall), str(oov.gold)])
    if markdown:
        print("| " + " | ".join(columns) + " |")
        print("|" + "---|" * len(columns))
        for r in rows:
            print("| " + " | ".join(r) + " |")
        return
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1800, help="messages to generate (default 1800)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--show", type=int, default=0, help="print this many misses and false alarms")
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown")
    parser.add_argument("--workers", type=int, default=2, help="processes for the pool measurement")
    parser.add_argument("--data", action="append", default=[],
                        help="a labelled JSONL file to evaluate instead of the generated corpus (repeatable)")
    parser.add_argument("--threshold", type=float, default=None, help="score threshold (default: the analyzer's)")
    parser.add_argument("--tuning", action="store_true",
                        help="evaluate the three tuning files (pii_tuning, pii_tuning2, pii_tuning3_nlfr)")
    args, _ = parser.parse_known_args()

    if args.tuning:
        args.data += [str(path) for path in TUNING_FILES]
    sources = {str(path): load_jsonl(path) for path in args.data}
    if args.data:
        messages = [m for path in args.data for m in sources[str(path)]]
    else:
        messages = generate(args.n, args.seed)
    items = [(m.text, m.language) for m in messages]
    with_pii = sum(m.has_pii for m in messages)
    sizes = sorted(len(m.text) for m in messages)
    print(f"corpus: {len(messages)} messages ({with_pii} with PII, {len(messages) - with_pii} without), "
          f"{sum(len(m.spans) for m in messages)} gold spans, length median {sizes[len(sizes) // 2]} chars "
          f"(p10 {sizes[len(sizes) // 10]}, p90 {sizes[len(sizes) * 9 // 10]}), "
          + (f"from {', '.join(args.data)}" if args.data else f"seed {args.seed}"))

    started = time.perf_counter()
    analyzer = build_analyzer() if args.threshold is None else build_analyzer(score_threshold=args.threshold)
    print(f"build_analyzer: {time.perf_counter() - started:.2f} s")
    for text, language in items[:50]:  # warm caches (phonenumbers metadata, regexes)
        analyzer.analyze(text, language)

    # Floor: the cheapest pass a scan could make over the same texts.
    floor_seconds = floor_cpu = None
    for _ in range(3):
        started, cpu = time.perf_counter(), time.process_time()
        for text, _ in items:
            FLOOR.findall(text)
        floor_cpu = min(floor_cpu or 1e9, time.process_time() - cpu)
        floor_seconds = min(floor_seconds or 1e9, time.perf_counter() - started)

    best = best_cpu = None
    for _ in range(3):  # best of three: this machine has other work too
        started, cpu = time.perf_counter(), time.process_time()
        predictions = [analyzer.analyze(text, language) for text, language in items]
        elapsed, used = time.perf_counter() - started, time.process_time() - cpu
        best = elapsed if best is None else min(best, elapsed)
        best_cpu = used if best_cpu is None else min(best_cpu, used)
    per_second = len(items) / best
    per_cpu_second = len(items) / best_cpu

    pool_seconds = None
    if args.workers > 1:  # --workers 1 skips the pool measurement (quick runs)
        started = time.perf_counter()
        pooled = analyze_many(items * 6, workers=args.workers, analyzer=analyzer)
        pool_seconds = time.perf_counter() - started
        assert [[(s.entity, s.start, s.end) for s in p] for p in pooled[:len(items)]] == \
            [[(s.entity, s.start, s.end) for s in p] for p in predictions], "pool and single process disagree"

    report = evaluate(messages, predictions)
    print()
    print_table(report, args.markdown)
    held = [(m, p) for m, p in zip(messages, predictions) if m.heldout]
    if held:
        held_report = evaluate([m for m, _ in held], [p for _, p in held])
        print(f"\nheld-out templates only ({len(held)} messages, templates never tuned on):")
        print_table(held_report, args.markdown)
    if len(sources) > 1:  # each file's PERSON figures
        predicted_by_id = {id(m): p for m, p in zip(messages, predictions)}
        for path, file_messages in sources.items():
            file_report = evaluate(file_messages, [predicted_by_id[id(m)] for m in file_messages])
            person = file_report.total("PERSON")
            by_language = ", ".join(f"{lang} {_fmt(file_report.total('PERSON', lang).recall)}" for lang in LANGUAGES
                                    if file_report.total("PERSON", lang).gold)
            print(f"{Path(path).name}: PERSON P {_fmt(person.precision)} R {_fmt(person.recall)} "
                  f"({person.gold} gold; R {by_language})")
    total = report.total()
    print()
    print(f"overall precision {_fmt(total.precision)}, recall {_fmt(total.recall)} "
          f"({total.correct}/{total.predicted} predictions right, {total.found}/{total.gold} gold spans found)")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
    cores = __import__("os").cpu_count()
    print(f"machine: {cores} cores, load average {load} (1/5/15 min) during the run")
    print(f"throughput, 1 process, wall clock: {per_second:,.0f} messages/s "
          f"({best / len(items) * 1e6:.0f} us/message; {best / floor_seconds:.1f}x the regex floor of "
          f"{len(items) / floor_seconds:,.0f} messages/s)")
    verdict = "PASS" if per_cpu_second >= THROUGHPUT_TARGET else "FAIL"
    print(f"throughput, 1 process, CPU time: {per_cpu_second:,.0f} messages/s "
          f"({best_cpu / len(items) * 1e6:.0f} us/message; {best_cpu / floor_cpu:.1f}x the regex floor of "
          f"{len(items) / floor_cpu:,.0f} messages/s); target {THROUGHPUT_TARGET:,.0f}: ratio "
          f"{per_cpu_second / THROUGHPUT_TARGET:.2f} {verdict}")
    if pool_seconds:
        print(f"throughput, {args.workers} processes: {len(items) * 6 / pool_seconds:,.0f} messages/s over "
              f"{len(items) * 6} messages, pool start-up included")

    if args.show:
        print("\nmisses:")
        for message, gold in report.misses[:args.show]:
            print(f"  [{message.language}] {gold.entity} {gold.text!r}{' (out-of-list)' if gold.out_of_list else ''}"
                  f" in {message.text!r}")
        print("\nfalse alarms:")
        for message, span in report.false_alarms[:args.show]:
            print(f"  [{message.language}] {span.entity} {span.text!r} ({span.recognizer}, {span.score})"
                  f" in {message.text!r}")

    missed = targets_missed(report, per_cpu_second)
    print()
    if missed:
        print("TARGETS MISSED: " + "; ".join(missed))
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
