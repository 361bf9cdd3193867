"""Request and response bodies. Requests are strict: exact JSON types, no unknown fields (both give 422)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from wsl_env.schema import Task


class StrictModel(BaseModel):
    """A request body: ``"2"`` is not an int, ``1.0`` is not an int, and an unknown field is an error."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ConstraintsIn(StrictModel):
    """The post's required shape; the defaults are the task schema's."""

    bullets: int | None = Field(default=None, ge=0)
    min_hashtags: int = Field(default=0, ge=0)
    max_hashtags: int = Field(default=3, ge=0)
    max_words: int | None = Field(default=None, ge=1)


class TaskIn(StrictModel):
    """A task in the project's schema (``constraints`` may be left out for the defaults)."""

    id: str = Field(min_length=1, max_length=200)
    category: str = Field(min_length=1, max_length=100)
    instruction: str = Field(min_length=1)
    context: str
    expected_behavior: Literal["answer", "refuse"]
    constraints: ConstraintsIn = Field(default_factory=ConstraintsIn)
    reference: str | None = None
    facts: dict[str, Any] | None = None

    def to_task(self) -> Task:
        """The :class:`wsl_env.Task`; cross-field problems (e.g. min > max hashtags) raise ``TaskError``."""
        return Task.from_dict(self.model_dump(exclude_none=False))


class GenerateRequest(StrictModel):
    """``POST /generate``: a whole ``task``, or an ``instruction`` plus ``context`` (and optional constraints)."""

    task: TaskIn | None = None
    instruction: str | None = Field(default=None, min_length=1)
    context: str | None = None
    constraints: ConstraintsIn | None = None
    expected_behavior: Literal["answer", "refuse"] | None = None
    adapter: str | None = Field(default=None, description="a served version, 'base' or 'auto' (routed)")
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0, description="0 is greedy (the default)")
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    seed: int | None = None
    hashtag_cap: bool = Field(default=False, description="never write more '#' than the task's max_hashtags "
                                                         "(a decoding-time mask)")
    figure_guard: Literal["copy", "claims"] | None = Field(
        default=None, description="write only the context's figures ('copy'), and only where the claims reader "
                                  "does not call them false ('claims') (a decoding-time mask)")

    @model_validator(mode="after")
    def _one_task_form(self) -> GenerateRequest:
        loose = {"instruction": self.instruction, "context": self.context, "constraints": self.constraints,
                 "expected_behavior": self.expected_behavior}
        if self.task is not None:
            given = [name for name, value in loose.items() if value is not None]
            if given:
                raise ValueError(f"give either task or instruction+context, not both (also got {given})")
        elif self.instruction is None or self.context is None:
            raise ValueError("give a task, or both instruction and context")
        return self

    def to_task(self, request_id: str) -> Task:
        """The task to generate for (an instruction-form request becomes a task with id ``request_id``)."""
        if self.task is not None:
            return self.task.to_task()
        return Task.from_dict({
            "id": request_id,
            "category": "custom",
            "instruction": self.instruction,
            "context": self.context,
            "expected_behavior": self.expected_behavior or "answer",
            "constraints": (self.constraints or ConstraintsIn()).model_dump(),
        })


class ScoreRequest(StrictModel):
    """``POST /score``: a task and a response to score, with optional component weights."""

    task: TaskIn
    response: str
    weights: dict[str, float | bool] | None = Field(
        default=None, description="metric weights by name, e.g. {\"fact\": 0.5, \"safety_gate\": false}")


class ChatMessage(StrictModel):
    role: Literal["system", "user", "assistant"]
    content: str


class StreamOptions(StrictModel):
    include_usage: bool = False


class ChatCompletionRequest(StrictModel):
    """The subset of OpenAI's chat completion request that is served. ``null`` means the default."""

    messages: list[ChatMessage] = Field(min_length=1)
    model: str | None = Field(default=None, description="a served version, 'base', 'auto' or the base model name")
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0, description="default 1; 0 is greedy")
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    n: int | None = Field(default=None, ge=1)
    stop: str | list[str] | None = None
    stream: bool | None = None
    stream_options: StreamOptions | None = None
    seed: int | None = None

    @model_validator(mode="after")
    def _check_stop(self) -> ChatCompletionRequest:
        stops = self.stop_list()
        if len(stops) > 4 or any(not s for s in stops):
            raise ValueError("stop is a non-empty string or a list of at most 4 non-empty strings")
        return self

    def stop_list(self) -> list[str]:
        """``stop`` as a list."""
        if self.stop is None:
            return []
        return [self.stop] if isinstance(self.stop, str) else list(self.stop)


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ScoresOut(BaseModel):
    structure: float
    fact: float
    safety: float
    total: float
    details: dict[str, Any] = Field(default_factory=dict)


class GenerateResponse(BaseModel):
    id: str
    version: str = Field(description="the adapter version that wrote the response ('base' for none)")
    model: str = Field(description="the base model")
    task_id: str
    response: str
    finish_reason: Literal["stop", "length"]
    scores: ScoresOut
    usage: Usage


class ScoreResponse(BaseModel):
    scores: ScoresOut


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int
    message: AssistantMessage
    finish_reason: Literal["stop", "length"]


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = Field(description="the version that served the request")
    choices: list[Choice]
    usage: Usage


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "wsl-analytics"
    root: str = Field(description="the base model")
    parent: str | None = Field(default=None, description="the base model for an adapter version, else null")
    manifest: dict[str, Any] = Field(default_factory=dict)


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]
    routing: dict[str, Any]


class ErrorDetail(BaseModel):
    message: str
    type: str
    details: list[dict[str, Any]] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail
