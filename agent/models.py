"""The model registry: turn a model name such as ``openai:gpt-4o`` into a LangChain chat model.

Names: ``offline`` (the deterministic planner, supplied by the caller as a factory), ``openai:<model>``,
``anthropic:<model>``, ``ollama:<model>`` and ``compatible:<model>`` (any OpenAI-compatible server at
``PAAS_PROVIDERS__COMPATIBLE_BASE_URL``). Everything a provider needs comes from ``ProviderSettings``: nothing here
falls back to the provider SDKs' own environment variables for keys or URLs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from langchain_core import exceptions as lc_errors
from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from paas.errors import ModelError
from paas.provider_settings import ProviderSettings, env_name

if TYPE_CHECKING:  # the provider packages are imported when a provider is chosen: `offline` starts faster
    from langchain_openai import ChatOpenAI

OPENAI_BASE_URL = "https://api.openai.com/v1"
ANTHROPIC_BASE_URL = "https://api.anthropic.com"
NO_KEY = SecretStr("not-needed")  # the OpenAI client insists on a key; local servers ignore it

OfflineFactory = Callable[[], BaseChatModel]
_Builder = Callable[[str, ProviderSettings], BaseChatModel]

_CHOOSE_OFFLINE = "or choose --model offline"


def _require_key(value: SecretStr | None, field: str) -> SecretStr:
    if value is None or not value.get_secret_value():
        raise ModelError(f"set {env_name(field)} ({_CHOOSE_OFFLINE})")
    return value


def _chat_openai(
    model: str, base_url: str, api_key: SecretStr, settings: ProviderSettings, *, responses_api: bool | None
) -> ChatOpenAI:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=model,
        base_url=base_url,
        api_key=api_key,
        stream_usage=True,  # with a custom base URL, streamed usage is reported only when asked for
        timeout=settings.timeout_seconds,
        max_retries=settings.max_retries,
        use_responses_api=responses_api,
    )


def _openai(model: str, settings: ProviderSettings) -> BaseChatModel:
    key = _require_key(settings.openai_api_key, "openai_api_key")
    # responses_api=None lets langchain-openai route models that exist only on the Responses API there.
    return _chat_openai(model, settings.openai_base_url or OPENAI_BASE_URL, key, settings, responses_api=None)


def _ollama(model: str, settings: ProviderSettings) -> BaseChatModel:
    return _chat_openai(model, settings.ollama_base_url, NO_KEY, settings, responses_api=False)


def _compatible(model: str, settings: ProviderSettings) -> BaseChatModel:
    if not settings.compatible_base_url:
        raise ModelError(f"set {env_name('compatible_base_url')} to the server's URL ({_CHOOSE_OFFLINE})")
    key = settings.compatible_api_key or NO_KEY
    return _chat_openai(model, settings.compatible_base_url, key, settings, responses_api=False)


def _anthropic(model: str, settings: ProviderSettings) -> BaseChatModel:
    from langchain_anthropic import ChatAnthropic

    key = _require_key(settings.anthropic_api_key, "anthropic_api_key")
    # mypy without the pydantic plugin misreads the aliased fields of ChatAnthropic.
    return ChatAnthropic(  # type: ignore[call-arg]
        model=model,
        base_url=settings.anthropic_base_url or ANTHROPIC_BASE_URL,
        api_key=key,
        timeout=settings.timeout_seconds,
        max_retries=settings.max_retries,
        stream_usage=True,
    )


PROVIDERS: dict[str, _Builder] = {
    "openai": _openai,
    "anthropic": _anthropic,
    "ollama": _ollama,
    "compatible": _compatible,
}

VALID_NAMES = "offline, " + ", ".join(f"{prefix}:<model>" for prefix in PROVIDERS)


def make_chat_model(
    name: str, settings: ProviderSettings, *, offline_factory: OfflineFactory | None = None
) -> BaseChatModel:
    """Build the chat model a name stands for.

    Args:
        name: ``offline``, ``openai:<model>``, ``anthropic:<model>``, ``ollama:<model>`` or
            ``compatible:<model>``. Only the first colon separates the provider (``ollama:llama3.1:8b``).
        settings: Keys, base URLs, timeout and retries.
        offline_factory: Builds the offline planner when ``name`` is ``offline``.

    Returns:
        A chat model; building it does not contact the provider.

    Raises:
        ModelError: The name is unknown or the provider is not configured; the message names the setting.
    """
    if name == "offline":
        if offline_factory is None:
            raise ModelError("the offline model is not available here: no offline planner was supplied")
        return offline_factory()
    prefix, sep, model = name.partition(":")
    builder = PROVIDERS.get(prefix) if sep else None
    if builder is None:
        raise ModelError(f"unknown model {name!r}: use one of {VALID_NAMES}")
    if not model.strip():
        raise ModelError(f"model {name!r} names no model: write {prefix}:<model>, e.g. {prefix}:my-model")
    return builder(model.strip(), settings)


def provider_error(err: Exception, name: str) -> ModelError:
    """Turn an exception raised while calling a model into a ModelError that says what to do.

    langchain-core 1.8 gives every provider the same exception types (``langchain_core.exceptions``,
    which also subclass the provider SDK's own), so this works for any provider.

    Args:
        err: The exception raised while calling the model.
        name: The registry name of the model, e.g. ``openai:gpt-4o``.

    Returns:
        The ModelError to raise (``from err``); other exceptions are wrapped with their text.
    """
    if isinstance(err, lc_errors.ModelAuthenticationError | lc_errors.ModelPermissionDeniedError):
        key_field = env_name(name.partition(":")[0] + "_api_key")
        return ModelError(f"{name}: the provider rejected the API key: check {key_field}")
    if isinstance(err, lc_errors.ModelTimeoutError):
        return ModelError(f"{name}: the provider did not answer in time: raise {env_name('timeout_seconds')}")
    if isinstance(err, lc_errors.ModelConnectionError):
        return ModelError(f"{name}: cannot reach the provider ({err}): check its base URL setting")
    if isinstance(err, lc_errors.ModelRateLimitError):
        return ModelError(f"{name}: the provider is rate limiting requests: wait and retry")
    if isinstance(err, lc_errors.ContextOverflowError):
        return ModelError(f"{name}: the conversation is too long for this model: start a new one")
    status = getattr(err, "status_code", None)
    detail = f"HTTP {status}: {err}" if status else str(err)
    return ModelError(f"{name}: the model call failed ({detail})")
