"""Token usage of a model reply and what it cost, from the price table in ``ProviderSettings``."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from langchain_core.messages import BaseMessage

from paas.provider_settings import Prices

logger = logging.getLogger(__name__)

_SNAPSHOT_SUFFIX = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$")


@dataclass(frozen=True)
class TokenUsage:
    """Tokens one model reply consumed."""

    input_tokens: int = 0
    output_tokens: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens)


def usage_of(message: BaseMessage) -> TokenUsage:
    """Read the token usage a chat model reported on its reply.

    Args:
        message: Any message; only ``AIMessage`` (and chunks) carry ``usage_metadata``.

    Returns:
        The usage, zero when the model reported none.
    """
    usage = getattr(message, "usage_metadata", None) or {}
    return TokenUsage(usage.get("input_tokens", 0), usage.get("output_tokens", 0))


def price_for(model_name: str, prices: Prices) -> tuple[float, float] | None:
    """Find the price of a model: the registry name (``openai:gpt-4o``) or the provider's (``gpt-4o``).

    Lookup order: the exact name, the name without its provider prefix, both again without a snapshot
    suffix (``-20250929``, ``-2024-08-06``, ``-latest``), then a ``<provider>:*`` entry.

    Args:
        model_name: The model name.
        prices: USD per one million (input, output) tokens, by model name.

    Returns:
        The (input, output) price, or None when the table has no entry.
    """
    provider, sep, bare = model_name.partition(":")  # ollama tags have colons too: ollama:llama3.1:8b
    if not sep:
        provider, bare = "", model_name
    for candidate in (model_name, bare, _SNAPSHOT_SUFFIX.sub("", model_name), _SNAPSHOT_SUFFIX.sub("", bare)):
        if candidate in prices:
            return prices[candidate]
    return prices.get(f"{provider}:*") if provider else None


def cost_usd(model_name: str, input_tokens: int, output_tokens: int, prices: Prices) -> float:
    """Compute what a number of tokens cost on a model.

    Args:
        model_name: The registry or provider model name (see ``price_for``).
        input_tokens: Prompt tokens.
        output_tokens: Completion tokens.
        prices: USD per one million (input, output) tokens, by model name.

    Returns:
        The cost in USD; 0.0 (with a warning in the log) for a model the table does not know.
    """
    price = price_for(model_name, prices)
    if price is None:
        logger.warning(
            "no price for model %s: its cost counts as 0 (add it to PAAS_PROVIDERS__PRICES)", model_name
        )
        return 0.0
    return (input_tokens * price[0] + output_tokens * price[1]) / 1_000_000
