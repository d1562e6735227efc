"""Hand spans to presidio-anonymizer (replace, mask, hash, ...), for redaction and export.

presidio-anonymizer needs no model and no network; it is imported here only when used
(it takes over a second to import).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from workbench.pii.spans import Span


def to_recognizer_results(spans: Iterable[Span]) -> list:
    """presidio_anonymizer RecognizerResults for `spans`."""
    from presidio_anonymizer.entities import RecognizerResult

    return [RecognizerResult(s.entity, s.start, s.end, s.score) for s in spans]


def anonymize(text: str, spans: Iterable[Span], operators: Mapping[str, tuple[str, dict]] | None = None) -> str:
    """`text` with every span replaced by presidio-anonymizer.

    operators: entity (or "DEFAULT") -> (operator name, params), e.g.
    {"DEFAULT": ("replace", {}), "PHONE_NUMBER": ("mask", {"masking_char": "*", "chars_to_mask": 6,
    "from_end": True})}. Without it every span becomes <ENTITY>."""
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig

    spans = list(spans)
    if not spans:
        return text
    configs = {name: OperatorConfig(op, dict(params)) for name, (op, params) in (operators or {}).items()}
    configs.setdefault("DEFAULT", OperatorConfig("replace", {}))
    return AnonymizerEngine().anonymize(text=text, analyzer_results=to_recognizer_results(spans),
                                        operators=configs).text


def presidio_engine(analyzer=None, languages: Iterable[str] = ("en", "nl", "fr")):
    """A presidio-analyzer `AnalyzerEngine` that runs our recognizers, offline.

    For pipelines built on Presidio: the engine uses the model-free `no_op` NLP engine
    and one recognizer per language wrapping `PiiAnalyzer` (the stock recognizers are
    not loaded: see docs/pii.md for why), so `engine.analyze(text, language="nl")` gives
    the same spans as `analyzer.analyze(text, "nl")` as presidio RecognizerResults.
    """
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerResult
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from presidio_analyzer.recognizer_registry import RecognizerRegistry

    from workbench.pii.analyzer import build_analyzer
    from workbench.pii.spans import ENTITIES

    analyzer = analyzer or build_analyzer(languages=tuple(languages))

    class WorkbenchRecognizer(EntityRecognizer):
        def load(self) -> None:  # nothing to load: the analyzer is built already
            pass

        def analyze(self, text, entities, nlp_artifacts=None):
            wanted = set(entities or ENTITIES)
            return [RecognizerResult(s.entity, s.start, s.end, s.score)
                    for s in analyzer.analyze(text, self.supported_language) if s.entity in wanted]

    languages = list(analyzer.languages)
    registry = RecognizerRegistry(supported_languages=languages)
    for language in languages:
        registry.add_recognizer(WorkbenchRecognizer(supported_entities=list(ENTITIES), name="workbench",
                                                    supported_language=language))
    nlp_engine = NoOpNlpEngine(models=[{"lang_code": language, "model_name": "no_op"} for language in languages])
    nlp_engine.load()
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=languages)
