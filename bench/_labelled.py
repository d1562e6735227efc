"""Hand-labelled PII lines written as "[ENTITY|text]" mark-up, and their JSONL form.

The tuning and check files of bench/ (pii_tuning2.py, pii_tuning3_nlfr.py,
pii_check4_nlfr.py) are written this way; `bench/pii_eval.py --data FILE` reads the
JSONL: {"id", "language", "text", "spans": [{"entity", "start", "end", "text"}]}.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

SPAN = re.compile(r"\[(?P<entity>[A-Z_]+)\|(?P<text>[^\]]+)\]")


def parse(line: str) -> tuple[str, list[dict]]:
    """Plain text and gold spans from a marked-up line."""
    text, spans, pos = "", [], 0
    for match in SPAN.finditer(line):
        text += line[pos:match.start()]
        start = len(text)
        text += match.group("text")
        spans.append({"entity": match.group("entity"), "start": start, "end": len(text), "text": match.group("text")})
        pos = match.end()
    return text + line[pos:], spans


def write_labelled(lines: list[tuple[str, str]], out_path: Path, prefix: str) -> None:
    """Write (language, marked-up line) pairs as JSONL with ids `<prefix>-<n>`."""
    with out_path.open("w", encoding="utf-8") as out:
        for number, (language, line) in enumerate(lines):
            text, spans = parse(line)
            out.write(json.dumps({"id": f"{prefix}-{number}", "language": language, "text": text, "spans": spans},
                                 ensure_ascii=False) + "\n")
    print(f"wrote {len(lines)} lines to {out_path}")
