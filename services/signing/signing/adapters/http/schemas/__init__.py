"""Request and response bodies of the signing API (documented in OpenAPI with examples)."""

from pydantic import BaseModel, ConfigDict


class In(BaseModel):
    """A request body: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
