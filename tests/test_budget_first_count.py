"""A dataset's first budget for a model of another encoding (migration 0022).

An import counts only the target model's encoding; the other encoding's examples are
listed in budget_uncounted until a budget caches their counts, one per example. Each
cached count took its examples out of that list with a statement that read every row
listed for the encoding: quadratic, over 2 minutes for 100k examples. The work (SQLite
virtual-machine steps, not time) must grow in proportion to the examples.
"""

from __future__ import annotations

from conftest import write_jsonl
from test_budget_totals import assert_totals_exact
from workbench.dataset.importer import import_file
from workbench.workspace import open_store


def _steps_to_cache_other_counts(tmp_path, examples: int) -> int:
    store = open_store(tmp_path / f"first-count-{examples}.db")
    try:
        records = [{"messages": [{"role": "user", "content": f"Where is parcel {i}?"},
                                 {"role": "assistant", "content": f"Parcel {i} is at the depot."}]}
                   for i in range(examples)]
        import_file(store, write_jsonl(tmp_path / f"parcels-{examples}.jsonl", records), "parcels",
                    encodings=("o200k_base",))
        dataset_id = store.datasets.get_dataset("parcels")["id"]
        waiting = store.token_totals.uncounted(dataset_id, "cl100k_base")
        assert len(waiting) == examples
        steps = [0]

        def step() -> int:
            steps[0] += 1
            return 0

        store.db.conn.set_progress_handler(step, 100)
        with store.transaction():
            store.examples.save_token_counts((row["content_hash"], "cl100k_base", 11, 5) for row in waiting)
        store.db.conn.set_progress_handler(None, 0)
        assert store.token_totals.uncounted(dataset_id, "cl100k_base") == []
        assert store.token_totals.sizes(dataset_id, "cl100k_base") == [(11, examples, 5 * examples)]
        assert_totals_exact(store)
        return steps[0]
    finally:
        store.close()


def test_caching_the_other_encodings_counts_grows_linearly(tmp_path):
    small, large = _steps_to_cache_other_counts(tmp_path, 300), _steps_to_cache_other_counts(tmp_path, 1200)
    # four times the examples: four times the work (quadratic was sixteen)
    assert large < 6 * small, (small, large)
