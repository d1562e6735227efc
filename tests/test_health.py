"""Dataset health: figures, the coverage checklist and the export gate, near-duplicates
(planted set: precision and recall), drafts from ratings, and the report opened in a
real headless Chromium."""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from conftest import SAMPLE_DATA, write_jsonl
from workbench.dataset import coverage
from workbench.dataset.exporter import ExportRefused, export_dataset
from workbench.dataset.importer import import_file
from workbench.health import duplicates, drafts
from workbench.health.metrics import dataset_health, normalised_entropy
from workbench.health.report import percentile, write_report

WORKBENCH = [sys.executable, "-m", "workbench.cli"]


def run(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([*WORKBENCH, *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=180)


@pytest.fixture
def sample(store):
    tags = {int(k): v for k, v in json.loads((SAMPLE_DATA / "aurora_support.tags.json").read_text()).items()}
    import_file(store, SAMPLE_DATA / "aurora_support.jsonl", "aurora", tags_by_line=tags)
    return store


# ---------------------------------------------------------------------- pure rules


@pytest.mark.parametrize("counts, j", [
    ([10, 10, 10, 10], 1.0), ([5], 0.0), ([], 0.0), ([9, 1], 0.469), ([0, 4, 4], 1.0),
])
def test_normalised_entropy_table(counts, j):
    assert normalised_entropy(counts)[0] == pytest.approx(j, abs=1e-3)


@given(st.lists(st.integers(min_value=0, max_value=1000), max_size=30))
def test_normalised_entropy_is_between_0_and_1_and_effective_count_at_most_k(counts):
    j, effective = normalised_entropy(counts)
    k = sum(c > 0 for c in counts)
    assert 0.0 <= j <= 1.0
    assert effective <= k + 1e-9
    if k >= 2 and len(set(c for c in counts if c)) == 1:
        assert j == pytest.approx(1.0)


@pytest.mark.parametrize("text, declines", [
    ("I'm sorry, but I can't share another customer's order details.", True),
    ("Unfortunately, we cannot refund a gift card.", True),
    ("Je ne peux pas modifier une commande déjà expédiée.", True),
    ("Helaas kan ik die bestelling niet annuleren.", True),
    ("Sorry for the wait! Your parcel ships tomorrow.", False),
    ("You can return it within 30 days.", False),
])
def test_refusal_detector(text, declines):
    assert coverage.declines(text) is declines


def _profile(tags, language=None, refusal=False):
    tax = coverage.Taxonomy.from_dict(None)
    return coverage.Profile(frozenset(tags), tuple(tax.intents(sorted(tags))), language, refusal, False, False)


def test_checklist_wildcards_one_line_per_intent_and_language():
    profiles = [_profile(["returns", "en"], "en")] * 6 + [_profile(["refunds", "fr"], "fr")] * 2 + \
               [_profile(["refunds", "refusal"], "en", refusal=True)]
    checks = coverage.evaluate([coverage.Rule("intent:*", min_count=3), coverage.Rule("language:*", min_share=0.25),
                                coverage.Rule("refusals", min_share=0.1)], profiles)
    by_target = {c.target: c for c in checks}
    assert by_target["intent:returns"].met and by_target["intent:refunds"].met  # 6 and 3
    assert by_target["language:fr"].count == 2 and not by_target["language:fr"].met  # 22% < 25%
    assert by_target["language:en"].met
    assert by_target["refusals"].count == 1 and by_target["refusals"].met  # 11.1% >= 10%


@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 60))
def test_a_count_minimum_is_met_exactly_when_the_count_reaches_it(tagged, other, minimum):
    profiles = [_profile(["billing"])] * tagged + [_profile(["stock"])] * other
    (check,) = coverage.evaluate([coverage.Rule("tag:billing", min_count=minimum)], profiles)
    assert check.count == tagged and check.met is (tagged >= minimum)


@pytest.mark.parametrize("text, parsed", [("20", (20, None)), ("5%", (None, 0.05)), ("0.15", (None, 0.15))])
def test_parse_minimum(text, parsed):
    assert coverage.parse_minimum(text) == pytest.approx(parsed) if parsed[1] else coverage.parse_minimum(text) == parsed


def test_unknown_target_is_refused_with_the_ways_to_name_one():
    with pytest.raises(coverage.InvalidRequest) as refused:
        coverage.parse_target("policies")
    assert "intent:*" in refused.value.hint


def test_percentile_nearest_rank():
    assert percentile([], 95) is None
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([120, 80, 300], 95) == 300


# ---------------------------------------------------------------------- health of the sample


def test_sample_health_figures(sample):
    h = dataset_health(sample, "aurora")
    assert h.examples == 76
    assert {s.label for s in h.by_language} == {"en", "fr", "nl"}
    assert sum(s.count for s in h.by_language) == 76
    assert h.refusals_tagged == 14 and h.refusals >= 14
    assert {s.label for s in h.by_intent} >= {"returns", "shipping", "refunds", "billing", "sizing"}
    assert "tools" not in {s.label for s in h.by_intent}  # a facet, not an intent
    counts = [s.count for s in h.by_intent]
    assert h.diversity == pytest.approx(-sum(c / sum(counts) * math.log(c / sum(counts)) for c in counts)
                                        / math.log(len(counts)))
    assert sum(s.count for s in h.by_turns) == 76
    assert h.to_dict()["diversity"]["normalised_entropy"] == round(h.diversity, 4)


def test_seeded_sample_workspace_has_one_declared_minimum_unmet(tmp_path):
    out = run("health", "aurora-support", "--json", env={"WORKBENCH_NO_SAMPLE": "0",
                                                         "WORKBENCH_HOME": str(tmp_path / "home")})
    assert out.returncode == 0, out.stderr
    health = json.loads(out.stdout)
    unmet = [c for c in health["checklist"] if not c["met"]]
    assert [c["target"] for c in unmet] == ["intent:sizing"]
    assert health["unmet"] == 1 and health["examples"] == 76


# ---------------------------------------------------------------------- the export gate


def test_export_refuses_an_unmet_minimum_and_an_override_is_audited(sample, tmp_path):
    dataset = sample.datasets.get_dataset("aurora")
    coverage.declare(sample, dataset["id"], "language:*", "30%")  # fr and nl are 25% each
    with pytest.raises(ExportRefused) as refused:
        export_dataset(sample, "aurora", tmp_path / "out", allow_pii=True)
    assert refused.value.hint_key == "coverage_override"
    assert "language:fr" in refused.value.message and "language:nl" in refused.value.message
    assert not (tmp_path / "out" / "train.jsonl").exists()
    assert sample.datasets.latest_version(dataset["id"]) is None

    result = export_dataset(sample, "aurora", tmp_path / "out", allow_pii=True,
                            coverage_override="French and Dutch batches arrive next sprint")
    assert result.train_path.exists()
    assert any("exported anyway" in w for w in result.warnings)
    (entry,) = [e for e in sample.audit_entries("dataset") if e["action"] == "coverage_override"]
    assert entry["details"]["reason"] == "French and Dutch batches arrive next sprint"
    assert {u["target"] for u in entry["details"]["unmet"]} == {"language:fr", "language:nl"}


def test_export_cli_words_the_override_as_a_flag(tmp_path):
    db = tmp_path / "w.db"
    data = write_jsonl(tmp_path / "d.jsonl", [
        {"messages": [{"role": "user", "content": f"q {i}"}, {"role": "assistant", "content": f"a {i}"}]}
        for i in range(12)])
    assert run("--db", db, "import", data, "--dataset", "d").returncode == 0
    assert run("--db", db, "coverage", "require", "d", "refusals", "10%").returncode == 0
    refused = run("--db", db, "export", "d", "--out", tmp_path / "out", "--allow-pii", "--status", "all")
    assert refused.returncode == 1 and "--override-coverage" in refused.stderr and "refusals: 0" in refused.stderr
    allowed = run("--db", db, "export", "d", "--out", tmp_path / "out", "--allow-pii", "--status", "all",
                  "--override-coverage", "pilot")
    assert allowed.returncode == 0, allowed.stderr


# ---------------------------------------------------------------------- near-duplicates


def _planted(sample, rng: random.Random) -> list[set[str]]:
    """Near-copies of 8 sample examples (a word or two changed in the user turn, one in
    the answer); returns the planted groups as sets of example ids."""
    from workbench.dataset.curation import Curation

    curation = Curation(sample)
    dataset = sample.datasets.get_dataset("aurora")
    examples = list(sample.examples.iter_examples(dataset["id"]))
    groups = []
    for source in rng.sample(examples, 8):
        messages = json.loads(json.dumps(source["messages"]))
        for message in messages:
            if message["role"] in ("user", "assistant") and isinstance(message.get("content"), str):
                words = message["content"].split()
                if len(words) > 4:
                    words[rng.randrange(len(words))] = "zzz"
                message["content"] = " ".join(words)
        copy = curation.create(dataset["id"], messages, source=source)
        groups.append({source["id"], copy})
    return groups


def test_near_duplicates_find_the_planted_groups(sample):
    truth = _planted(sample, random.Random(3))
    found = duplicates.scan(sample, "aurora")
    found_pairs = {frozenset(p) for g in found for p in _pairs(g.ids)}
    true_pairs = {frozenset(g) for g in truth}
    precision = len(found_pairs & true_pairs) / len(found_pairs)
    recall = len(found_pairs & true_pairs) / len(true_pairs)
    # The sample itself holds no near-copies at this threshold, so every pair found is planted.
    assert (precision, recall) == (1.0, 1.0)
    assert len(sample.health.duplicate_groups(sample.datasets.get_dataset("aurora")["id"])) == 8


def _pairs(ids):
    return [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]


def test_the_system_prompt_does_not_make_examples_alike():
    shared = {"role": "system", "content": "You are Aurora Assist. " * 50}
    texts = [(str(i), duplicates.example_text([shared, {"role": "user", "content": f"question {i} about {w}"},
                                               {"role": "assistant", "content": f"answer {w} {i}"}]))
             for i, w in enumerate(["shoes", "refunds", "delivery", "sizes"])]
    assert duplicates.find_groups(texts) == []


def test_keep_one_rejects_the_rest_and_undo_restores_them(sample):
    from workbench.dataset.curation import Curation

    (pair,) = _planted(sample, random.Random(5))[:1]
    duplicates.scan(sample, "aurora")
    dataset_id = sample.datasets.get_dataset("aurora")["id"]
    group = next(g for g in sample.health.duplicate_groups(dataset_id)
                 if {m["example_id"] for m in sample.health.group_members(g["id"])} == pair)
    keep, drop = sorted(pair)
    before = sample.examples.get_example(drop)["status"]
    curation = Curation(sample)
    assert duplicates.keep_one(sample, curation, group["id"], keep) == [drop]
    assert sample.examples.get_example(drop)["status"] == "rejected"
    assert group["id"] not in {g["id"] for g in sample.health.duplicate_groups(dataset_id)}
    assert duplicates.undo_keep(sample, curation, group["id"])
    assert sample.examples.get_example(drop)["status"] == before
    assert group["id"] in {g["id"] for g in sample.health.duplicate_groups(dataset_id)}


# ---------------------------------------------------------------------- drafts from ratings


def test_a_both_bad_rating_becomes_a_linked_draft(sample):
    from workbench.dataset.curation import Curation, ExampleView
    from workbench.eval.rating import RatingRun
    from workbench.workspace import seed_sample_rating

    seed_sample_rating(sample)
    session = sample.ratings.list_rating_sessions()[0]
    run_ = RatingRun.open(sample, session["id"], "ann")
    pair = run_.next_pairs(1)[0]
    run_.rate(pair, "left")
    with pytest.raises(drafts.InvalidRequest):  # a plain preference is not a draft source
        drafts.create_draft(sample, Curation(sample), "x", drafts.last_rated(sample, session["id"], "ann"), "x")
    pair = run_.next_pairs(1)[0]
    run_.rate(pair, "both_bad", comment="both ignore the 30-day rule")
    source = drafts.last_rated(sample, session["id"], "ann")
    assert source.eligible and source.answer == pair.left and source.tags == pair.tags
    dataset = sample.datasets.get_dataset("aurora")
    example_id = drafts.create_draft(sample, Curation(sample), dataset["id"], source, "A better answer.")
    example = sample.examples.get_example(example_id)
    assert example["status"] == "draft" and example["tags"] == pair.tags
    assert example["messages"][:-1] == pair.messages
    assert example["messages"][-1] == {"role": "assistant", "content": "A better answer."}
    assert "30-day rule" in example["notes"]
    link = sample.health.example_source(example_id)
    assert link["rating_id"] == source.rating_id and link["prompt_id"] == pair.prompt_id
    view = ExampleView(flag="from_ratings")
    assert Curation(sample).count(dataset["id"], view, encoding="o200k_base") == 1


# ---------------------------------------------------------------------- the report

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_report_is_self_contained(sample, tmp_path):
    export_dataset(sample, "aurora", tmp_path / "v1", allow_pii=True, message="first cut")
    html, markdown = write_report(sample, tmp_path / "r" / "report.html")
    page = html.read_text("utf-8")
    assert page.count("<svg") >= 4 and "<script" not in page
    # No resource from anywhere: the only URL is the SVG namespace.
    assert {u for u in __import__("re").findall(r"https?://[^\"' )]+", page)} == {"http://www.w3.org/2000/svg"}
    assert "Dataset aurora" in page and "MISSING" not in page  # no minimum declared here
    text = markdown.read_text("utf-8")
    assert "| intent | examples | share |" in text
    assert "| 1 |" in text and "first cut" in text and "0.92" in text  # version 1 with its health


def test_report_opens_in_a_real_browser_with_its_plots(sample, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("no Chromium at /usr/bin/chromium (Debian package `chromium`)")
    from workbench.eval.rating import RatingRun
    from workbench.workspace import seed_sample_rating

    seed_sample_rating(sample)
    session = sample.ratings.list_rating_sessions()[0]
    run_ = RatingRun.open(sample, session["id"], "ann")
    for verdict in ("left", "right", "both_bad", "left"):
        run_.rate(run_.next_pairs(1)[0], verdict)
    coverage.declare(sample, sample.datasets.get_dataset("aurora")["id"], "intent:*", "5")
    html, _ = write_report(sample, tmp_path / "report.html")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
                                    args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page()
            requests = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(html.as_uri())
            assert page.title() == "ft-workbench report"
            plots = page.locator("svg.plot")
            assert plots.count() >= 5  # intent, language, length, turns, win rate per tag
            for i in range(plots.count()):
                box = plots.nth(i).bounding_box()
                assert box and box["width"] > 100 and box["height"] > 30
            assert page.locator("svg.plot rect").count() > 5  # the bars were drawn
            assert page.get_by_text("MISSING").count() == 1  # sizing has 4 examples
            assert page.get_by_text("Side-by-side results").is_visible()
            assert requests == [html.as_uri()]  # nothing fetched but the page itself
        finally:
            browser.close()


def test_signatures_are_datasketchs_own():
    from datasketch import MinHash

    text = "where is my parcel it was due on monday and the tracking page has not moved since"
    (ours,) = duplicates.Signer().sign_batch([text])
    theirs = MinHash(num_perm=duplicates.NUM_PERM, seed=1, hashfunc=lambda h: h)  # the default scheme
    theirs.update_batch(sorted(duplicates.shingles(text)))
    assert list(ours.hashvalues) == list(theirs.hashvalues)
    (empty,) = duplicates.Signer().sign_batch(["  "])
    assert list(empty.hashvalues) == list(MinHash(num_perm=duplicates.NUM_PERM, seed=1).hashvalues)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet="abcdefgh ", min_size=1, max_size=60), min_size=1, max_size=8), st.data())
def test_an_exact_copy_always_lands_in_its_originals_group(texts, data):
    index = data.draw(st.integers(0, len(texts) - 1))
    keyed = [(str(i), t) for i, t in enumerate(texts)] + [("copy", texts[index])]
    groups = duplicates.find_groups(keyed)
    assert any({"copy", str(index)} <= set(g.ids) for g in groups) or not duplicates.shingles(texts[index])


def test_each_front_end_words_the_override_its_own_way(sample, tmp_path):
    from screens.dialogs import app_message
    from workbench.cli.common import cli_message

    coverage.declare(sample, sample.datasets.get_dataset("aurora")["id"], "escalations", "50%")
    with pytest.raises(ExportRefused) as refused:
        export_dataset(sample, "aurora", tmp_path / "out", allow_pii=True)
    assert "--override-coverage" in cli_message(refused.value)
    assert "--override-coverage" not in app_message(refused.value)
    assert "export despite unmet coverage" in app_message(refused.value)


def test_undo_keep_refuses_when_a_later_edit_came_after(sample):
    from workbench.dataset.curation import Curation

    (pair,) = _planted(sample, random.Random(7))[:1]
    duplicates.scan(sample, "aurora")
    dataset_id = sample.datasets.get_dataset("aurora")["id"]
    group = next(g for g in sample.health.duplicate_groups(dataset_id)
                 if {m["example_id"] for m in sample.health.group_members(g["id"])} == pair)
    keep, drop = sorted(pair)
    curation = Curation(sample)
    duplicates.keep_one(sample, curation, group["id"], keep)
    curation.set_notes(keep, "checked")  # a later, unrelated edit
    with pytest.raises(duplicates.InvalidRequest):
        duplicates.undo_keep(sample, curation, group["id"])
    assert sample.examples.get_example(keep)["notes"] == "checked"  # nothing was undone
    assert sample.examples.get_example(drop)["status"] == "rejected"
