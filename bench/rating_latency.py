"""Keystroke to next pair painted on the Rating screen (target: <= 50 ms).

Drives the real RatingScreen with Pilot on a store holding the sample session: for
each verdict, the time from sending the key until the next pair is on screen and a
refresh has been processed. The floor is the same round trip for a key nothing is
bound to, measured in the same run, so the ratio shows what the verdict itself costs
(commit + flip to the prefetched view).

    .venv/bin/python bench/rating_latency.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 50.0


async def measure(db: Path) -> tuple[list[float], list[float], list[float]]:
    from textual.app import App

    from screens.rating import RatingScreen

    from store import Store

    class Host(App):
        def on_mount(self) -> None:
            self.store = Store(db)
            self.push_screen(RatingScreen())

    verdicts, floor, idle = [], [], []
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        for i in range(30):
            before = screen._views()[0].pair
            if before is None:
                break
            start = time.perf_counter()
            await pilot.press("z")
            await pilot.pause()
            floor.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            await pilot.press("1" if i % 2 else "2")
            await pilot.pause()  # also lets the prefetch of the pair after it finish
            idle.append((time.perf_counter() - start) * 1000)
            after = screen._views()[0].pair
            verdicts.append((screen.painted_at - start) * 1000)
            assert after is None or after.comparison_id != before.comparison_id
    return verdicts, floor, idle


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["WORKBENCH_HOME"] = str(Path(tmp) / "home")
        from workbench.workspace import open_store, seed_sample_rating

        db = Path(tmp) / "bench.db"
        store = open_store(db, seed_sample=False)
        seed_sample_rating(store)
        store.set_setting("rater", "bench")
        store.close()
        verdicts, floor, idle = asyncio.run(measure(db))
    median, p95 = statistics.median(verdicts), sorted(verdicts)[int(len(verdicts) * 0.95) - 1]
    floor_median = statistics.median(floor)
    print(f"verdict -> next pair painted: median {median:.1f} ms, p95 {p95:.1f} ms, max {max(verdicts):.1f} ms "
          f"over {len(verdicts)} verdicts (target <= {TARGET_MS:.0f} ms)")
    idle_median = statistics.median(idle)
    print(f"verdict round trip until idle (incl. rendering the following pair off screen): "
          f"median {idle_median:.1f} ms")
    print(f"floor (unbound key, round trip until idle): median {floor_median:.1f} ms; "
          f"ratio verdict/floor until idle {idle_median / floor_median:.2f}x")
    return 0 if p95 <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
