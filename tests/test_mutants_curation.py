"""Tests that kill the mutants mutmut left alive in workbench/dataset/curation.py (issue 16 item 6).

Redo is offered only when there is something to redo in the dataset on screen; a new
example is a blank system/user/assistant draft; undo names the action it reverts
(create, duplicate, restore), since that is what the notice tells the user.
"""

from __future__ import annotations

import pytest

from conftest import many_chats, write_jsonl
from workbench.dataset.curation import Curation
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
