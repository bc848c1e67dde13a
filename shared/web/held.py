"""What an app holds for its routes (its store, its application services), typed: the bootstrap
puts each under a name in `app.state`, and a route asks for it by the same `Held` key, as a
dependency (`Depends(teams)`) or a call (`teams(request)`)."""

from __future__ import annotations

from typing import Generic, TypeVar, cast

from starlette.requests import Request

T = TypeVar("T")


class Held(Generic[T]):
    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, request: Request) -> T:
        return cast(T, getattr(request.app.state, self.name))
