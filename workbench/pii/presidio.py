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
