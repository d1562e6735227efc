"""Tests that kill the mutants mutmut left alive in workbench/dataset/curation.py (issue 16 item 6).

Redo is offered only when there is something to redo in the dataset on screen; a new
example is a blank system/user/assistant draft; undo names the action it reverts
(create, duplicate, restore), since that is what the notice tells the user.
"""

from __future__ import annotations

import pytest

from conftest import chat, many_chats, write_jsonl
from workbench.budget.counting import ENCODINGS
from workbench.budget.tokens import count_example, get_encoding
from workbench.dataset.curation import (Curation, ExampleChanged, ExampleView, RedactionIsFinal, UndoStep, changed_turns, count_live,
                                        change_summary, get_example, preflight, quick_findings, reapply)
from workbench.dataset.importer import import_file


@pytest.fixture
def two_datasets(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "a.jsonl", many_chats(3, "a")), "alpha")
    import_file(store, write_jsonl(tmp_path / "b.jsonl", many_chats(3, "b")), "beta")
    return store, store.datasets.get_dataset("alpha")["id"], store.datasets.get_dataset("beta")["id"]


def ids_of(store, dataset_id):
    return [e["id"] for e in store.examples.iter_examples(dataset_id)]


def test_redo_is_offered_once_something_was_undone_and_only_in_that_dataset(two_datasets):
    store, alpha, beta = two_datasets
    curation = Curation(store)
    assert not curation.can_redo(alpha) and not curation.can_redo()
    curation.set_status(ids_of(store, alpha)[:1], "rejected")
    assert not curation.can_redo(alpha)
    curation.undo(alpha)  # exactly one action can be redone now
    assert curation.can_redo(alpha) and curation.can_redo()
    assert not curation.can_redo(beta)
    curation.redo(alpha)
    assert not curation.can_redo(alpha)


def test_a_new_example_is_a_blank_three_turn_draft_and_undo_says_create(two_datasets):
    store, alpha, _ = two_datasets
    curation = Curation(store)
    example_id = curation.create(alpha)
    example = store.examples.get_example(example_id)
    assert example["messages"] == [{"role": "system", "content": ""}, {"role": "user", "content": ""},
                                   {"role": "assistant", "content": ""}]
    assert (example["status"], example["kind"], example["tags"], example["notes"]) == ("draft", "chat", [], "")
    assert example["tools"] is None and example["preferred_output"] is None
    step = curation.undo(alpha)
    assert step.action == "create" and step.example_ids == (example_id,)


def test_undo_of_duplicate_and_restore_name_the_action(two_datasets):
    store, alpha, _ = two_datasets
    curation = Curation(store)
    first = ids_of(store, alpha)[0]
    copy = curation.duplicate(first)
    assert store.examples.get_example(copy)["messages"] == store.examples.get_example(first)["messages"]
    assert curation.undo(alpha).action == "duplicate"
    curation.delete([first])
    curation.restore([first])
    step = curation.undo(alpha)
    assert step.action == "restore"
    assert store.examples.get_example(first)["deleted_at"] is not None  # undoing the restore bins it again


# ----------------------------------------------------------------------- reached by no selected test


def test_undo_is_offered_only_for_the_dataset_that_has_an_action(two_datasets):
    store, alpha, beta = two_datasets
    curation = Curation(store)
    assert not curation.can_undo(alpha) and not curation.can_undo()
    curation.set_status(ids_of(store, alpha)[:1], "approved")  # exactly one action
    assert curation.can_undo(alpha) and curation.can_undo()
    assert not curation.can_undo(beta)


@pytest.mark.parametrize("view, text", [
    (ExampleView(), "all"),
    (ExampleView(search="  refund  "), "search “refund”"),
    (ExampleView(search="   "), "all"),
    (ExampleView(status="approved", tag="billing"), "status approved, tag billing"),
    (ExampleView(flag="over_limit"), "over the limit"),
    (ExampleView(flag="from_ratings"), "from ratings"),
    (ExampleView(flag="errors"), "with errors"),
    (ExampleView(search="a", status="draft", tag="t", flag="warnings", deleted=True),
     "search “a”, status draft, tag t, with warnings, deleted"),
])
def test_the_filter_line_says_what_is_shown(view, text):
    assert view.describe() == text


def test_with_changes_one_field_and_keeps_the_rest():
    view = ExampleView(status="draft", tag="x")
    assert view.with_(tag="y") == ExampleView(status="draft", tag="y")
    assert view.with_() == view


def test_changed_turns_and_reapply_merge_my_turns_onto_theirs():
    base = [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]
    mine = [base[0], {"role": "assistant", "content": "B mine"}, base[2]]
    theirs = [{"role": "user", "content": "A theirs"}, base[1], base[2]]
    assert changed_turns(base, mine) == [1]
    assert changed_turns(base, base[:1]) == [1, 2]
    assert changed_turns(base[:1], base) == [1, 2]
    assert changed_turns([], []) == []
    merged = reapply(base, mine, theirs)
    assert merged == [theirs[0], mine[1], base[2]]
    assert merged[1] is not mine[1] and merged[0] is not theirs[0]  # copies, not the caller's dicts
    longer = mine + [{"role": "user", "content": "more"}]
    assert reapply(base, longer, theirs) == longer
    assert reapply(base, mine, theirs[:2]) == mine


def test_an_edit_over_a_newer_revision_is_refused_with_both_revisions(two_datasets):
    store, alpha, _ = two_datasets
    curation = Curation(store)
    example_id = ids_of(store, alpha)[0]
    curation.set_notes(example_id, "first")
    with pytest.raises(ExampleChanged) as raised:
        curation.set_notes(example_id, "stale", expected_revision=1)
    example = store.examples.get_example(example_id)
    assert raised.value.example["id"] == example_id and raised.value.expected_revision == 1
    assert raised.value.message == (f"Example #{example['position']} changed since it was opened "
                                    f"(revision 1 -> {example['revision']}); the edit was not saved.")
    assert raised.value.hint == "Review the change and re-apply the edit."
    assert store.examples.get_example(example_id)["notes"] == "first"


def test_findings_and_counts_while_typing(two_datasets):
    store, alpha, _ = two_datasets
    example = store.examples.get_example(ids_of(store, alpha)[0])
    messages = [{"role": "user", "content": "hello there"}]
    quick = quick_findings(example, messages)
    assert [f.code for f in quick] == ["example_missing_assistant_message", "missing_system_message"]
    result = preflight(example, messages, encodings=["o200k_base"])
    assert [f.code for f in result.findings] == [f.code for f in quick]
    assert (result.errors, result.warnings) == (1, 1)
    enc = get_encoding("o200k_base")
    expected = count_example({"messages": messages}, enc)
    assert result.tokens == {"o200k_base": (expected.total, expected.trained)}
    every = preflight(example, example["messages"])
    assert set(every.tokens) == set(ENCODINGS) and every.errors == 0


def test_reads_for_the_screens(two_datasets):
    store, alpha, _ = two_datasets
    first = ids_of(store, alpha)[0]
    assert get_example(store, first)["id"] == first
    assert get_example(store, "no-such-id") is None
    assert count_live(store, alpha) == 3
    Curation(store).delete([first])
    assert count_live(store, alpha) == 2


def test_a_duplicate_copies_everything_but_the_status_and_records_its_author(store, tmp_path):
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}}}]
    record = {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "q"},
                           {"role": "assistant", "content": "a"}], "tools": tools}
    dpo = {"input": {"messages": [{"role": "user", "content": "q"}]},
           "preferred_output": [{"role": "assistant", "content": "good"}],
           "non_preferred_output": [{"role": "assistant", "content": "bad"}]}
    import_file(store, write_jsonl(tmp_path / "t.jsonl", [record]), "tools")
    import_file(store, write_jsonl(tmp_path / "p.jsonl", [dpo]), "prefs")
    curation = Curation(store, author="ann")
    source_id = ids_of(store, store.datasets.get_dataset("tools")["id"])[0]
    curation.change_tags([source_id], add=["billing"])
    curation.set_notes(source_id, "checked by ann")
    curation.set_status([source_id], "approved")
    copy = store.examples.get_example(curation.duplicate(source_id))
    source = store.examples.get_example(source_id)
    assert (copy["tools"], copy["tags"], copy["notes"], copy["kind"]) == (tools, ["billing"], "checked by ann", "chat")
    assert copy["status"] == "draft" and copy["deleted_at"] is None
    assert copy["dataset_id"] == source["dataset_id"] and copy["position"] == source["position"] + 1
    assert [r["author"] for r in store.examples.revisions(copy["id"])] == ["ann"]
    pref_id = ids_of(store, store.datasets.get_dataset("prefs")["id"])[0]
    pref_copy = store.examples.get_example(curation.duplicate(pref_id))
    assert pref_copy["kind"] == "preference"
    assert pref_copy["preferred_output"] == dpo["preferred_output"]


# ----------------------------------------------------------------------- session 4: the mutants not run before


def test_each_edit_is_recorded_and_undone_under_its_own_action_name(two_datasets):
    store, alpha, _ = two_datasets
    curation = Curation(store)
    first = ids_of(store, alpha)[0]
    curation.delete([first])
    assert store.examples.revisions(first)[-1]["action"] == "delete"
    assert curation.undo(alpha).action == "delete"
    curation.save_messages(first, [{"role": "user", "content": "new question"},
                                   {"role": "assistant", "content": "new answer"}])
    assert store.examples.revisions(first)[-1]["action"] == "edit"
    assert curation.undo(alpha).action == "edit"


def test_saving_messages_over_a_newer_revision_is_refused_and_writes_nothing(two_datasets):
    store, alpha, _ = two_datasets
    curation = Curation(store)
    example_id = ids_of(store, alpha)[0]
    opened = store.examples.get_example(example_id)
    curation.set_notes(example_id, "someone else was here")
    with pytest.raises(ExampleChanged) as raised:
        curation.save_messages(example_id, [{"role": "user", "content": "mine"}],
                               expected_revision=opened["revision"])
    assert raised.value.expected_revision == opened["revision"]
    assert store.examples.get_example(example_id)["messages"] == opened["messages"]
    # the revision it started from is still current: the edit is written
    current = store.examples.get_example(example_id)
    mine = [{"role": "user", "content": "mine"}, {"role": "assistant", "content": "ok"}]
    assert curation.save_messages(example_id, mine, expected_revision=current["revision"]) == [example_id]
    assert store.examples.get_example(example_id)["messages"] == mine


def test_duplicating_an_example_that_does_not_exist_names_it(two_datasets):
    store, _, _ = two_datasets
    with pytest.raises(KeyError) as raised:
        Curation(store).duplicate("no-such-id")
    assert raised.value.args == ("no-such-id",)


def test_redo_reapplies_the_action_of_the_dataset_on_screen_and_says_what_it_redid(two_datasets):
    store, alpha, beta = two_datasets
    curation = Curation(store)
    a_first, b_first = ids_of(store, alpha)[0], ids_of(store, beta)[0]
    curation.set_status([a_first], "rejected")
    curation.undo(alpha)  # the oldest undone action is alpha's
    curation.set_status([b_first], "approved")
    curation.undo(beta)
    step = curation.redo(beta)
    assert step.example_ids == (b_first,) and step.direction == "redo"
    assert step.describe() == "Redid: #1 draft → approved"
    assert store.examples.get_example(b_first)["status"] == "approved"
    assert store.examples.get_example(a_first)["status"] == "draft"
    assert curation.redo(alpha).describe() == "Redid: #1 draft → rejected"


def test_the_undo_log_records_who_made_each_change(two_datasets):
    store, alpha, _ = two_datasets
    curation = Curation(store, author="ann")
    first = ids_of(store, alpha)[0]
    curation.create(alpha)
    assert [r["author"] for r in store.examples.undo_group(alpha)] == ["ann"]
    curation.duplicate(first)
    assert [(r["action"], r["author"]) for r in store.examples.undo_group(alpha)] == [("duplicate", "ann")]


def test_tags_are_removed_and_added_keeping_the_others_and_a_missing_example_is_skipped(two_datasets):
    store, alpha, _ = two_datasets
    curation = Curation(store)
    first, second, third = ids_of(store, alpha)
    curation.change_tags([first, second, third], add=["billing", "vip", "late"])
    changed = curation.change_tags([first, "no-such-id", second], add=[" urgent ", "vip", " "], remove=[" vip ", ""])
    assert changed == [first, second]
    assert store.examples.get_example(first)["tags"] == ["billing", "late", "urgent", "vip"]  # removed, then added last
    assert store.examples.get_example(third)["tags"] == ["billing", "vip", "late"]
    curation.change_tags([second], remove=["late"])
    assert "late" not in store.examples.get_example(second)["tags"]
    assert "billing" in store.examples.get_example(second)["tags"]


def test_token_counts_are_filled_for_every_encoding_with_the_real_counts(two_datasets):
    store, alpha, _ = two_datasets
    curation = Curation(store)
    assert curation.fill_token_counts([]) == 0
    assert curation.fill_token_counts(["no-such-id"]) == 0
    first, second, _ = ids_of(store, alpha)
    curation.save_messages(first, [{"role": "user", "content": "a brand new question"},
                                   {"role": "assistant", "content": "a brand new answer"}])
    curation.save_messages(second, [{"role": "user", "content": "another new question"},
                                    {"role": "assistant", "content": "another new answer"}])
    examples = [store.examples.get_example(i) for i in (first, second)]
    # the first one is already counted in the first encoding: the rest is still counted
    assert curation.fill_token_counts([first]) == len(ENCODINGS)
    assert curation.fill_token_counts([first, second]) == len(ENCODINGS)
    for encoding in ENCODINGS:
        known = store.examples.token_counts([e["content_hash"] for e in examples], encoding)
        for example in examples:
            expected = count_example({"messages": example["messages"]}, get_encoding(encoding))
            assert known[example["content_hash"]] == (expected.total, expected.trained)


def test_an_undo_of_many_examples_lists_three_and_counts_the_rest(two_datasets, tmp_path):
    store, _, _ = two_datasets
    import_file(store, write_jsonl(tmp_path / "m.jsonl", many_chats(6, "m")), "many")
    many = store.datasets.get_dataset("many")["id"]
    curation = Curation(store)
    curation.set_status(ids_of(store, many), "rejected")
    assert curation.undo(many).describe() == ("Undid: #1 rejected → draft, #2 rejected → draft, "
                                              "#3 rejected → draft and 3 more")
    curation.set_status(ids_of(store, many)[:4], "approved")
    assert curation.undo(many).describe() == ("Undid: #1 approved → draft, #2 approved → draft, "
                                              "#3 approved → draft and 1 more")


def test_an_edit_that_changes_nothing_writes_no_revision_and_no_undo_step(two_datasets):
    store, alpha, _ = two_datasets
    curation = Curation(store)
    first = ids_of(store, alpha)[0]
    curation.change_tags([first], add=["vip"])
    curation.set_notes(first, "checked")
    revisions = len(store.examples.revisions(first))
    assert curation.change_tags([first], add=["vip"]) == []
    assert curation.set_notes(first, "checked") == []
    assert len(store.examples.revisions(first)) == revisions
    assert curation.undo(alpha).action == "notes"


def test_the_row_of_an_example_is_counted_within_the_filtered_view(store, tmp_path):
    long_answer = " ".join(["word"] * 200)
    records = [chat("short one", "ok"), chat("long one", long_answer), chat("short two", "ok"),
               chat("long two", long_answer)]
    import_file(store, write_jsonl(tmp_path / "l.jsonl", records), "lengths")
    dataset = store.datasets.get_dataset("lengths")["id"]
    curation = Curation(store)
    short1, long1, short2, long2 = ids_of(store, dataset)
    curation.fill_token_counts([short1, long1, short2, long2])
    over = ExampleView(flag="over_limit")
    assert curation.index_of(dataset, long2, over, encoding="o200k_base", context_limit=100) == 1
    assert curation.index_of(dataset, short2, over, encoding="o200k_base", context_limit=100) is None
    assert curation.index_of(dataset, long2, ExampleView(), encoding="o200k_base") == 3


def test_an_undo_step_without_change_lines_counts_its_examples():
    assert UndoStep("status", ("a", "b"), "undo").describe() == "Undid status of 2 examples"
    assert UndoStep("tags", ("a",), "redo").describe() == "Redid tags of 1 example"
    three = UndoStep("status", ("a", "b", "c"), "undo", ("#1 x", "#2 y", "#3 z"))
    assert three.describe() == "Undid: #1 x, #2 y, #3 z"
    assert UndoStep("status", ("a",) * 5, "undo", ("#1", "#2", "#3", "#4", "#5")).describe() == \
        "Undid: #1, #2, #3 and 2 more"


@pytest.mark.parametrize("before, after, line", [
    ({}, {}, "#7 unchanged"),
    ({"deleted_at": None}, {"deleted_at": "2026-11-30"}, "#7 deleted"),
    ({"deleted_at": "2026-11-30"}, {"deleted_at": None}, "#7 restored"),
    ({"status": "draft"}, {"status": "approved"}, "#7 draft → approved"),
    ({"tags": []}, {"tags": ["a", "b"]}, "#7 tags - → a, b"),
    ({"tags": ["a"]}, {"tags": None}, "#7 tags a → -"),
    ({"tags": ["a", "b"]}, {"tags": ["a"]}, "#7 tags a, b → a"),
    ({"status": "draft", "notes": ""}, {"status": "draft", "notes": "x"}, "#7 notes changed"),
    ({"notes": ""}, {"notes": "x"}, "#7 notes changed"),
    ({"messages": [1]}, {"messages": [2]}, "#7 messages edited"),
    ({"kind": "chat"}, {"kind": "preference"}, "#7 messages edited"),
    ({"tools": None}, {"tools": []}, "#7 messages edited"),
    ({"non_preferred_output": None}, {"non_preferred_output": [1]}, "#7 messages edited"),
    ({"status": "draft", "tags": ["a"], "notes": "", "deleted_at": None, "messages": [1]},
     {"status": "rejected", "tags": ["a", "b"], "notes": "n", "deleted_at": "t", "messages": [2]},
     "#7 deleted; draft → rejected; tags a → a, b; notes changed; messages edited"),
])
def test_a_change_is_summed_up_in_one_line(before, after, line):
    assert change_summary(7, before, after) == line


def test_undo_and_redo_of_a_new_example_say_deleted_and_restored_and_record_the_author(two_datasets):
    store, alpha, _ = two_datasets
    curation = Curation(store, author="ann")
    new = curation.create(alpha)
    assert curation.undo(alpha).describe() == "Undid: #4 deleted"
    assert store.examples.get_example(new)["deleted_at"] is not None
    assert store.examples.revisions(new)[-1]["author"] == "ann"
    assert curation.redo(alpha).describe() == "Redid: #4 restored"
    assert store.examples.get_example(new)["deleted_at"] is None
    assert [r["author"] for r in store.examples.revisions(new)] == ["ann", "ann", "ann"]


def test_the_undo_notice_lists_examples_in_dataset_order_past_nine(store, tmp_path):
    import_file(store, write_jsonl(tmp_path / "t.jsonl", many_chats(12, "t")), "twelve")
    dataset = store.datasets.get_dataset("twelve")["id"]
    curation = Curation(store)
    curation.set_status(list(reversed(ids_of(store, dataset))), "approved")
    assert curation.undo(dataset).describe() == ("Undid: #1 approved → draft, #2 approved → draft, "
                                                 "#3 approved → draft and 9 more")


def test_undo_stops_at_a_redaction_and_counts_its_examples(two_datasets):
    store, alpha, beta = two_datasets
    curation = Curation(store)
    a_first = ids_of(store, alpha)[0]
    assert len(store.examples.revisions(a_first)) == 1
    assert curation.apply_final("redact", {a_first: {"notes": "redacted"}}) == 1  # the imported revision is purged
    with pytest.raises(RedactionIsFinal) as one:
        curation.undo(alpha)
    assert str(one.value) == ("The newest change is a redaction of 1 example; it is final: the personal data it "
                              "removed is gone for good, with the older revisions, so nothing before it can be undone.")
    assert curation.apply_final("redact", {i: {"notes": "redacted"} for i in ids_of(store, beta)[:2]}) == 2
    with pytest.raises(RedactionIsFinal) as two:
        curation.undo(beta)
    assert str(two.value).startswith("The newest change is a redaction of 2 examples; it is final:")


def test_a_final_redaction_of_the_text_recomputes_the_hash_and_records_who_and_what(two_datasets):
    store, alpha, _ = two_datasets
    curation = Curation(store, author="ann")
    first = ids_of(store, alpha)[0]
    before = store.examples.get_example(first)
    messages = [dict(m, content="[redacted]") if m["role"] == "user" else m for m in before["messages"]]
    curation.apply_final("redact", {first: {"messages": messages}})
    after = store.examples.get_example(first)
    assert after["messages"] == messages and after["content_hash"] != before["content_hash"]
    assert [(r["action"], r["author"]) for r in store.examples.revisions(first)] == [("redact", "ann")]
    assert [(r["action"], r["author"]) for r in store.examples.undo_group(alpha)] == [("redact", "ann")]
    with pytest.raises(KeyError) as raised:
        curation.apply_final("redact", {"no-such-id": {"notes": ""}})
    assert raised.value.args == ("no-such-id",)


def test_a_final_redaction_forgets_the_undo_history_of_its_examples(two_datasets):
    store, alpha, _ = two_datasets
    curation = Curation(store)
    first, second = ids_of(store, alpha)[:2]
    curation.set_status([first], "approved")
    curation.set_status([second], "rejected")
    curation.apply_final("redact", {first: {"notes": "redacted"}})
    # the redaction barrier and the edit of the other example are left; the first one's edit is gone
    assert store.examples.edit_log_depth(alpha) == (2, 0)


def test_an_edit_stores_the_findings_and_hash_of_the_new_conversation(two_datasets):
    from workbench.chat.records import columns_from_record, record_from_example

    store, alpha, _ = two_datasets
    curation = Curation(store)
    first = ids_of(store, alpha)[0]
    fixed = [{"role": "system", "content": "s"}, {"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    curation.save_messages(first, [{"role": "user", "content": "q"}])  # no assistant: an error
    broken = store.examples.get_example(first)
    assert (broken["errors"], broken["warnings"]) == (1, 1)
    curation.save_messages(first, fixed[1:])  # no system message: a warning only
    assert (store.examples.get_example(first)["errors"], store.examples.get_example(first)["warnings"]) == (0, 1)
    curation.save_messages(first, fixed)
    example = store.examples.get_example(first)
    assert (example["errors"], example["warnings"], example["findings"]) == (0, 0, [])
    assert example["content_hash"] == columns_from_record(record_from_example(example))["content_hash"]
    assert example["turns"] == 3


def test_status_changes_skip_examples_already_there_and_record_their_author(two_datasets):
    store, alpha, _ = two_datasets
    curation = Curation(store, author="ann")
    first, second, third = ids_of(store, alpha)
    curation.set_status([second], "rejected")
    assert curation.set_status([second, first, third], "rejected") == [first, third]
    assert store.examples.revisions(first)[-1]["author"] == "ann"
    assert [(r["action"], r["author"]) for r in store.examples.undo_group(alpha)] == [("status", "ann")] * 2
    with pytest.raises(ValueError) as wrong:
        curation.set_status([first], "done")
    assert str(wrong.value) == "status must be one of draft, approved, rejected, not 'done'"
    with pytest.raises(KeyError) as raised:
        curation.set_status(["no-such-id"], "approved")
    assert raised.value.args == ("no-such-id",)


def test_a_content_edit_sends_only_an_approved_example_back_to_draft(two_datasets):
    store, alpha, _ = two_datasets
    curation = Curation(store)
    approved, rejected, _ = ids_of(store, alpha)
    curation.set_status([approved], "approved")
    curation.set_status([rejected], "rejected")
    new = [{"role": "user", "content": "edited"}, {"role": "assistant", "content": "edited too"}]
    curation.save_messages(approved, new)
    curation.save_messages(rejected, new)
    assert store.examples.get_example(approved)["status"] == "draft"
    assert store.examples.get_example(rejected)["status"] == "rejected"


def test_a_page_of_the_over_limit_view_uses_the_context_limit(store, tmp_path):
    long_answer = " ".join(["word"] * 200)
    import_file(store, write_jsonl(tmp_path / "l.jsonl", [chat("short", "ok"), chat("long", long_answer)]), "lengths")
    dataset = store.datasets.get_dataset("lengths")["id"]
    curation = Curation(store)
    short, long = ids_of(store, dataset)
    curation.fill_token_counts([short, long])
    page = curation.page(dataset, ExampleView(flag="over_limit"), encoding="o200k_base", offset=0, limit=10,
                         context_limit=100)
    assert [e["id"] for e in page] == [long]


# ----------------------------------------------------------------------- session 5: changes of 20:00


def forget_loaded_tokenizers(monkeypatch):
    """From here on as in a later process of the app: the ranks of every encoding are
    cached on disk, no tokenizer is loaded yet (tiktoken's or the Python one)."""
    from workbench.budget import tokens

    monkeypatch.setattr(tokens, "_encodings", {})  # loaded by an earlier test: its ranks are in another home
    for name in ENCODINGS:
        get_encoding(name)  # writes the cached ranks into this test's home
    monkeypatch.setattr(tokens, "_encodings", {})
    monkeypatch.setattr(tokens, "_small_encodings", {})
    return tokens


def test_the_editors_preflight_counts_with_the_python_encoder_and_builds_no_tiktoken_one(two_datasets, monkeypatch):
    store, alpha, _ = two_datasets
    example = store.examples.get_example(ids_of(store, alpha)[0])
    tokens = forget_loaded_tokenizers(monkeypatch)
    messages = [{"role": "user", "content": "Où est ma commande ?"}, {"role": "assistant", "content": "Elle arrive."}]
    result = preflight(example, messages)
    assert tokens._encodings == {}  # building tiktoken's holds the GIL 0.2-0.3 s: the editor froze
    assert set(tokens._small_encodings) == set(ENCODINGS)
    for name in ENCODINGS:
        expected = count_example({"messages": messages}, tokens._small_encodings[name])
        assert result.tokens[name] == (expected.total, expected.trained)


@pytest.mark.parametrize("n, python_encoder", [(50, True), (51, False)])
def test_up_to_fifty_examples_are_counted_with_the_python_encoder_more_with_tiktokens(
        store, tmp_path, monkeypatch, n, python_encoder):
    import_file(store, write_jsonl(tmp_path / "d.jsonl", many_chats(n, "count")), "d")
    ids = ids_of(store, store.datasets.get_dataset("d")["id"])
    digests = [store.examples.get_example(i)["content_hash"] for i in ids]
    missing = [e for e in ENCODINGS if not store.examples.token_counts(digests, e)]
    assert missing  # the import counted one encoding at most: the others are counted here
    tokens = forget_loaded_tokenizers(monkeypatch)
    assert Curation(store).fill_token_counts(ids) == n * len(missing)
    assert set(tokens._small_encodings if python_encoder else tokens._encodings) == set(missing)
    assert (tokens._encodings if python_encoder else tokens._small_encodings) == {}
    for encoding in missing:
        assert len(store.examples.token_counts(digests, encoding)) == n
