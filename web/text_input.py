"""Text entering through the API or a form must be Unicode that can be stored: one check, every input."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationInfo, field_validator

__all__ = ["TextInput", "unencodable_at"]


def unencodable_at(text: str) -> int | None:
    """Where a text holds a character UTF-8 cannot encode (a lone surrogate: JSON's "\\ud800"), or None.

    >>> unencodable_at("2,048 GPUs"), unencodable_at("x\\ud800")
    (None, 1)
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


class TextInput(BaseModel):
    """A request body or form whose every text field must be storable Unicode (else 422 naming it)."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):
            at = unencodable_at(value)
            if at is not None:
                raise ValueError(
                    f"{info.field_name} holds a character that is not valid Unicode text "
                    f"(a lone surrogate at position {at})"
                )
        return value
