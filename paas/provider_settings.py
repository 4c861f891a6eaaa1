"""Settings for the chat models: provider keys, base URLs, timeouts and the price table.

``ProviderSettings`` is one section of the settings tree, mounted as ``providers``; its environment variables
are ``PAAS_PROVIDERS__<FIELD>`` (e.g. ``PAAS_PROVIDERS__OPENAI_API_KEY``). ``PAAS_MODEL`` chooses the model.
Prices given in settings are merged over
``DEFAULT_PRICES``, so overriding one model keeps the others.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, SecretStr, field_validator

ENV_PREFIX = "PAAS_PROVIDERS__"
"""Prefix of the environment variables that set ``ProviderSettings`` fields once it is mounted as ``providers``."""

Prices = dict[str, tuple[float, float]]
"""USD per one million (input, output) tokens, by model name."""

# Published list prices of well-known models when this table was written: check them against the providers'
# pricing pages and override or extend them in settings (``[providers.prices]`` or ``PAAS_PROVIDERS__PRICES``).
DEFAULT_PRICES: Prices = {
    # Local and scripted models cost nothing. A ``<provider>:*`` key covers every model of that provider.
    "offline": (0.0, 0.0),
    "scripted": (0.0, 0.0),
    "ollama:*": (0.0, 0.0),
    # OpenAI list prices (standard tier).
    "gpt-5": (1.25, 10.0),
    "gpt-5-mini": (0.25, 2.0),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-4.1": (2.0, 8.0),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.0),
    "gpt-4o-mini": (0.15, 0.60),
    "o3": (2.0, 8.0),
    "o4-mini": (1.10, 4.40),
    # Anthropic list prices.
    "claude-opus-4-5": (5.0, 25.0),
    "claude-opus-4-1": (15.0, 75.0),
    "claude-opus-4-0": (15.0, 75.0),
    "claude-opus-4": (15.0, 75.0),
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-sonnet-4-0": (3.0, 15.0),
    "claude-sonnet-4": (3.0, 15.0),
    "claude-3-7-sonnet": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-3-5-haiku": (0.80, 4.0),
}


def env_name(field: str) -> str:
    """Return the environment variable that sets a ``ProviderSettings`` field.

    Args:
        field: The field name, e.g. ``openai_api_key``.

    Returns:
        The variable name, e.g. ``PAAS_PROVIDERS__OPENAI_API_KEY``.
    """
    return ENV_PREFIX + field.upper()


class ProviderSettings(BaseModel):
    """Where the chat model providers are and how to pay for them."""

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None  # None: https://api.openai.com/v1
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None  # None: https://api.anthropic.com (no /v1)
    ollama_base_url: str = "http://127.0.0.1:11434/v1"
    compatible_base_url: str | None = None  # any OpenAI-compatible server, e.g. vLLM or LM Studio
    compatible_api_key: SecretStr | None = None  # optional: many local servers accept any key
    default_openai_model: str = "gpt-4.1-mini"  # used when only an OpenAI key is configured
    default_anthropic_model: str = "claude-haiku-4-5"  # used when only an Anthropic key is configured
    timeout_seconds: float = Field(default=60, gt=0)
    max_retries: int = Field(default=1, ge=0)
    prices: Prices = Field(default_factory=lambda: dict(DEFAULT_PRICES))

    @field_validator("prices", mode="before")
    @classmethod
    def _merge_default_prices(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {**DEFAULT_PRICES, **value}
        return value
