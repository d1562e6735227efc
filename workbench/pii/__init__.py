"""Personal data in chat examples: find it offline, in English, Dutch and French.

The domain half of the PII feature: `build_analyzer()` gives a `PiiAnalyzer` whose
`analyze(text, language)` returns `Span`s (entity, start, end, score, recognizer, text).
Storing findings, the review screen and the export gate live elsewhere.
"""

from workbench.pii.analyzer import (
    DEFAULT_ALLOW_LIST,
    ENGINE_VERSION,
    SUPPORTED_LANGUAGES,
    AnalyzerConfig,
    PiiAnalyzer,
    build_analyzer,
)
from workbench.pii.parallel import analyze_many, iter_analyze_many
from workbench.pii.spans import ENTITIES, Span

__all__ = [
    "DEFAULT_ALLOW_LIST", "ENGINE_VERSION", "ENTITIES", "SUPPORTED_LANGUAGES", "AnalyzerConfig", "PiiAnalyzer",
    "Span", "analyze_many", "build_analyzer", "iter_analyze_many",
]
