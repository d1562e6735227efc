"""What each kind of provider is and can do: default base URL, the key's environment
variable, and the training capabilities the jobs feature relies on.

Data, not branches in code: a new OpenAI-compatible host needs no new kind.
"""

from __future__ import annotations

from dataclasses import dataclass

TOGETHER_BASE_URL = "https://api.together.xyz/v1"


@dataclass(frozen=True)
class Capabilities:
    """What a provider's job API offers (the adapter interface's optional parts)."""

    sft: bool = False
    dpo: bool = False
    events: bool = False
    checkpoints: bool = False
    metrics: bool = False
    weights_download: bool = False
    metadata: bool = False       # a free-form metadata field on jobs (used to reconcile)

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @property
    def trains(self) -> bool:
        return self.sft or self.dpo


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    default_base_url: str | None
    needs_base_url: bool
    capabilities: Capabilities


KINDS: dict[str, Kind] = {
    "openai": Kind("openai", "OpenAI", None, False,
                   Capabilities(sft=True, dpo=True, events=True, checkpoints=True, metrics=True, metadata=True)),
    # Azure OpenAI's v1 API is the OpenAI job API at the resource's /openai/v1/ URL.
    "azure": Kind("azure", "Azure OpenAI", None, True,
                  Capabilities(sft=True, dpo=True, events=True, checkpoints=True, metrics=True, metadata=True)),
    "together": Kind("together", "Together AI", TOGETHER_BASE_URL, False,
                     Capabilities(sft=True, dpo=True, events=True, checkpoints=True, metrics=True,
                                  weights_download=True, metadata=False)),
    # vLLM, Ollama, LM Studio, llama.cpp, Fireworks, OpenRouter: chat completions only.
    "openai-compatible": Kind("openai-compatible", "OpenAI-compatible (chat only)", None, True, Capabilities()),
}


def kind_of(name: str) -> Kind | None:
    # 0003 wrote the kind with an underscore; accept both spellings.
    return KINDS.get(name.replace("_", "-")) if name else None
