"""Teacher endpoints: a small Protocol, and its implementation for any
OpenAI-compatible server (OpenAI, vLLM, llama.cpp, Ollama, TGI) through the
`openai` client and `instructor`.

Errors come out as two kinds: TransientError (worth retrying: 429, 5xx,
timeouts, lost connections; carries the server's Retry-After) and
PermanentError (the model kept returning malformed output, its answer ran
into max_tokens even when asked again with a frequency penalty, or the
request itself is wrong). The API key never appears in either message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorError, InstructorRetryException
from pydantic import BaseModel, ValidationError

from corpus.plugins import Plugins

if TYPE_CHECKING:
    from teacher.config import TeacherConfig

# instructor logs every failed attempt at ERROR; distil reports failures itself
logging.getLogger("instructor").setLevel(logging.CRITICAL)


@dataclass
class Extraction:
    entities: list  # Entity models, as parsed (empty for answers that hold no entities)
    tokens_in: int = 0
    tokens_out: int = 0
    arguments: str = ""  # the raw JSON the model produced
    token_logprobs: list[tuple[str, float]] | None = None  # (token, logprob) where the endpoint gives them
    parsed: BaseModel | None = None  # the whole answer (verification reads its verdicts from here)


@dataclass
class TeacherCallError(Exception):
    reason: str
    tokens_in: int = 0
    tokens_out: int = 0
    status: int | None = field(default=None, kw_only=True)  # the HTTP status, when there was one
    unreachable: bool = field(default=False, kw_only=True)  # no answer at all: refused, lost, timed out

    def __str__(self) -> str:
        return self.reason


@dataclass
class TransientError(TeacherCallError):
    retry_after: float | None = None


@dataclass
class PermanentError(TeacherCallError):
    pass


class _CutOff(Exception):
    """The answer ran into max_tokens (finish_reason "length"); what the call cost."""

    def __init__(self, tokens_in: int, tokens_out: int):
        super().__init__("cut off")
        self.tokens_in, self.tokens_out = tokens_in, tokens_out


@runtime_checkable
class TeacherEndpoint(Protocol):
    """Anything that turns chat messages into parsed entities."""

    model: str

    async def extract(
        self, messages: list[dict], response_model: type[BaseModel], *, temperature: float, seed: int | None
    ) -> Extraction: ...


# factory(teacher config, base_url, model, api_key) -> TeacherEndpoint; [teacher] endpoint picks one
teacher_endpoints: Plugins = Plugins("teacher_endpoints", "(teacher config, base_url, model, api_key)")


_MODES = {
    "tools": instructor.Mode.TOOLS,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    # llama.cpp's Python server constrains decoding to a JSON schema given as
    # response_format {"type": "json_object", "schema": ...}. Its tool calls are no substitute:
    # the chat template asks for <tool_call> tags while a grammar forces the bare arguments,
    # and small models then answer with empty lists (BENCHMARKS.md "Teacher techniques").
    "grammar": instructor.Mode.JSON_SCHEMA,
}


def instructor_mode(mode: str) -> instructor.Mode:
    return _MODES[mode]


def grammar_format(response_model: type[BaseModel]) -> dict:
    """llama.cpp's response_format that decodes under the response model's JSON schema."""
    return {"type": "json_object", "schema": response_model.model_json_schema()}


@dataclass
class OpenAIEndpoint:
    base_url: str | None
    model: str
    api_key: str = field(repr=False, default="not-needed")
    mode: str = "tools"
    timeout_s: float = 120.0
    validation_retries: int = 2
    max_output_tokens: int = 1024
    logprobs: bool = True
    loop_penalty: float = 0.5  # frequency_penalty of the one re-ask after a cut-off answer; 0: none

    @classmethod
    def from_config(
        cls, config: TeacherConfig, base_url: str, model: str, api_key: str = "not-needed"
    ) -> OpenAIEndpoint:
        """The client a teacher config asks for (answer mode, timeout, re-asks, output cap,
        logprobs, loop penalty), mapped here once; `base_url` may be the embedded server's, whose
        address the config does not hold."""
        return cls(
            base_url, model, api_key=api_key, mode=config.mode, timeout_s=config.timeout_s,
            validation_retries=config.validation_retries, max_output_tokens=config.max_output_tokens,
            logprobs=config.asks_logprobs, loop_penalty=config.loop_penalty,
        )  # fmt: skip

    def __post_init__(self) -> None:
        # retries are ours (backoff with jitter, Retry-After): the client makes one attempt
        self._client = openai.AsyncOpenAI(
            base_url=self.base_url, api_key=self.api_key, timeout=self.timeout_s, max_retries=0
        )
        self._instructor = instructor.from_openai(self._client, mode=instructor_mode(self.mode))

    async def extract(self, messages, response_model, *, temperature, seed) -> Extraction:
        options = {"temperature": temperature, "max_tokens": self.max_output_tokens}
        if seed is not None:
            options["seed"] = seed
        if self.mode == "grammar":  # replaces instructor's response_format (extra_body wins)
            options["extra_body"] = {"response_format": grammar_format(response_model)}
        try:
            return await self._ask(messages, response_model, options)
        except _CutOff as error:
            first = error
        cut = f"answer cut off at max_output_tokens={self.max_output_tokens}"
        if not self.loop_penalty:
            raise PermanentError(
                f"{cut} (the model kept writing; raise teacher.max_output_tokens if documents are long, "
                "or set teacher.loop_penalty to break repetition loops)",
                first.tokens_in,
                first.tokens_out,
            )
        # A short text answered until the cap is a repetition loop: small models under a grammar
        # list every word, or one entity over and over. The same ask loops again (temperature 0);
        # a frequency penalty ended every loop the 0.5B fell into on wikigold (README "Faults").
        again = f"asked again with frequency_penalty={self.loop_penalty}"
        try:
            extraction = await self._ask(
                messages, response_model, {**options, "frequency_penalty": self.loop_penalty}
            )
        except _CutOff as second:
            raise PermanentError(
                f"{cut}, also when {again} (the model kept writing: raise teacher.max_output_tokens or "
                "lower teacher.max_chunk_chars if documents are long)",
                first.tokens_in + second.tokens_in,
                first.tokens_out + second.tokens_out,
            ) from None
        except TeacherCallError as error:
            error.tokens_in += first.tokens_in
            error.tokens_out += first.tokens_out
            if isinstance(error, PermanentError):  # e.g. an endpoint that refuses the penalty
                error.reason = f"{cut}; {again}: {error.reason}"
            raise
        extraction.tokens_in += first.tokens_in
        extraction.tokens_out += first.tokens_out
        return extraction

    async def _ask(self, messages, response_model, options: dict) -> Extraction:
        """One request through instructor (which re-asks on malformed output); raises _CutOff when
        the answer ran into max_tokens, a TeacherCallError for anything else that went wrong."""
        if self.logprobs:
            # llama.cpp's Python server returns token logprobs only when top_logprobs is given
            # (OpenAI's API with logprobs alone); 0 asks for no alternatives
            options = {**options, "logprobs": True, "top_logprobs": 0}
        try:
            parsed, completion = await self._instructor.chat.completions.create_with_completion(
                model=self.model,
                messages=messages,
                response_model=response_model,
                max_retries=self.validation_retries,
                **options,
            )
        except InstructorRetryException as error:
            usage = getattr(error, "total_usage", None)
            tokens = (getattr(usage, "prompt_tokens", 0) or 0, getattr(usage, "completion_tokens", 0) or 0)
            cause = error.__cause__ or error
            if (
                isinstance(cause, openai.BadRequestError)
                and self.logprobs
                and "logprob" in str(cause).lower()
            ):
                self.logprobs = False  # this endpoint refuses logprobs: ask without from now on
                options = {k: v for k, v in options.items() if k not in ("logprobs", "top_logprobs")}
                return await self._ask(messages, response_model, options)
            raise _classify(cause, *tokens, secret=self.api_key) from None
        except IncompleteOutputException as error:  # not re-asked by instructor: the same ask loops again
            usage = getattr(getattr(error, "last_completion", None), "usage", None)
            tokens = (getattr(usage, "prompt_tokens", 0) or 0, getattr(usage, "completion_tokens", 0) or 0)
            raise _CutOff(*tokens) from None
        except (openai.APIError, ValidationError, InstructorError) as error:
            raise _classify(error, 0, 0, secret=self.api_key) from None
        usage = completion.usage
        return Extraction(
            entities=list(getattr(parsed, "entities", [])),
            parsed=parsed,
            tokens_in=getattr(usage, "prompt_tokens", 0) or 0,
            tokens_out=getattr(usage, "completion_tokens", 0) or 0,
            arguments=_arguments(completion),
            token_logprobs=_logprobs(completion),
        )

    async def close(self) -> None:
        await self._client.close()


def _classify(error: BaseException, tokens_in: int, tokens_out: int, secret: str = "") -> TeacherCallError:
    def _short(error: BaseException, limit: int = 300) -> str:
        return _shorten(error, secret, limit)

    if isinstance(error, openai.RateLimitError):
        return TransientError(
            f"rate limited (429): {_short(error)}", tokens_in, tokens_out, _retry_after(error), status=429
        )
    if isinstance(error, openai.InternalServerError) or (
        isinstance(error, openai.APIStatusError) and error.status_code >= 500
    ):
        message = f"server error ({error.status_code}): {_short(error)}"
        return TransientError(message, tokens_in, tokens_out, _retry_after(error), status=error.status_code)
    if isinstance(error, openai.APITimeoutError):
        return TransientError("timed out", tokens_in, tokens_out, unreachable=True)
    if isinstance(error, openai.APIConnectionError):
        return TransientError(f"connection failed: {_short(error)}", tokens_in, tokens_out, unreachable=True)
    if isinstance(error, (ValidationError, ValueError)):
        return PermanentError(f"malformed output after retries: {_short(error)}", tokens_in, tokens_out)
    if isinstance(error, openai.APIStatusError):
        return PermanentError(
            f"request refused ({error.status_code}): {_short(error)}", tokens_in, tokens_out,
            status=error.status_code,
        )  # fmt: skip
    return PermanentError(f"{type(error).__name__}: {_short(error)}", tokens_in, tokens_out)


def _shorten(error: BaseException, secret: str, limit: int) -> str:
    """One line of the error, with the API key masked wherever a server echoed it back."""
    text = " ".join(str(error).split())
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return text if len(text) <= limit else text[:limit] + "..."


def _retry_after(error: openai.APIStatusError) -> float | None:
    value = error.response.headers.get("retry-after") if error.response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _arguments(completion) -> str:
    message = completion.choices[0].message
    if message.tool_calls:
        return message.tool_calls[0].function.arguments or ""
    return message.content or ""


def _logprobs(completion) -> list[tuple[str, float]] | None:
    logprobs = getattr(completion.choices[0], "logprobs", None)
    content = getattr(logprobs, "content", None)
    if not content:
        return None
    return [(item.token, item.logprob) for item in content]


@teacher_endpoints.register("openai.v1")
def openai_endpoint(config: TeacherConfig, base_url: str, model: str, api_key: str) -> OpenAIEndpoint:
    """Any OpenAI-compatible server (OpenAI, vLLM, llama.cpp, Ollama, TGI) through instructor."""
    return OpenAIEndpoint.from_config(config, base_url, model, api_key)
