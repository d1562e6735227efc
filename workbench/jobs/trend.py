"""The loss-trend gate: flag a run that overfits or whose loss is unstable.

Pure functions over the metric rows (step, train_loss, valid_loss). Overfitting: the
validation loss rose at each of the last `rises` evaluations while the training loss
over the same span fell. Unstable: the training loss jumps around — the share of
step-to-step changes larger than `spike` times the median absolute change exceeds
`unstable_share`, or the loss is not finite.
"""

from __future__ import annotations

import math
from statistics import median

DEFAULTS = {"rises": 3, "spike": 0.2, "unstable_share": 0.1, "min_points": 8}


def _series(rows: list[dict], column: str) -> list[tuple[int, float]]:
    return [(int(r["step"]), float(r[column])) for r in sorted(rows, key=lambda r: r["step"])
            if r.get(column) is not None]


def overfitting(rows: list[dict], rises: int = DEFAULTS["rises"]) -> dict | None:
    valid = _series(rows, "valid_loss")
    if len(valid) < rises + 1:
        return None
    tail = valid[-(rises + 1):]
    if not all(b[1] > a[1] for a, b in zip(tail, tail[1:])):
        return None
    first_step, last_step = tail[0][0], tail[-1][0]
    train = [v for s, v in _series(rows, "train_loss") if first_step <= s <= last_step]
    if len(train) < 2 or not train[-1] < train[0]:
        return None
    return {"kind": "overfitting", "since_step": first_step, "evaluations": rises,
            "message": f"Validation loss rose for {rises} evaluations in a row (steps {first_step}-{last_step}, "
                       f"{tail[0][1]:.3f} to {tail[-1][1]:.3f}) while training loss fell: the model is "
                       "memorising. Consider fewer epochs or the checkpoint before it."}


def _smooth(values: list[float], window: int) -> list[float]:
    out, total = [], 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def unstable(rows: list[dict], spike: float = DEFAULTS["spike"], share: float = DEFAULTS["unstable_share"],
             min_points: int = DEFAULTS["min_points"]) -> dict | None:
    train = [v for _, v in _series(rows, "train_loss")]
    if any(not math.isfinite(v) for v in train):
        return {"kind": "unstable", "message": "Training loss became NaN or infinite: the run diverged. "
                                               "Lower the learning rate."}
    if len(train) < min_points:
        return None
    # Per-step losses are noisy (small batches): smooth over a tenth of the run first.
    smoothed = _smooth(train, max(1, len(train) // 10))
    jumps = sum(1 for a, b in zip(smoothed, smoothed[1:]) if a > 0 and b > a * (1 + spike))
    if jumps / (len(smoothed) - 1) <= share:
        return None
    return {"kind": "unstable", "spikes": jumps,
            "message": f"Training loss is unstable: it jumped up by more than {spike:.0%} in {jumps} of "
                       f"{len(smoothed) - 1} steps. Consider a lower learning rate or a larger batch."}


def loss_flag(rows: list[dict], **settings) -> dict | None:
    """The first flag that applies (overfitting before unstable), or None for a healthy run."""
    rises = settings.get("rises", DEFAULTS["rises"])
    return overfitting(rows, rises) or unstable(
        rows, settings.get("spike", DEFAULTS["spike"]), settings.get("unstable_share", DEFAULTS["unstable_share"]),
        settings.get("min_points", DEFAULTS["min_points"]))
