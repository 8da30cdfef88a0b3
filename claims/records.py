"""Plain records passed from extraction to the store: a document and the mentions found in it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from claims.quantities import Quantity

__all__ = ["Document", "Mention", "sha256_of"]


def sha256_of(text: str) -> str:
    """The hex sha256 of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Document:
    """A readable document: its text and what its header says about it."""

    name: str
    text: str
    origin: str
    title: str
    author: str | None = None
    published: str | None = None
    url: str | None = None

    @property
    def sha256(self) -> str:
        return sha256_of(self.text)


@dataclass(frozen=True)
class Mention:
    """One claim found in a document: the quote span, the figure, and what the text says of it."""

    start: int
    end: int
    quote: str
    quantity: Quantity
    subject: str
    metric: str
    value_start: int | None = None
    value_end: int | None = None
    value_text: str | None = None
    scope: str = ""
    asserted_by: str = "author"
    hedge: str | None = None
    hypothetical: bool = False
    stance: str = "supports"
    note: str | None = None
    confidence: float = 1.0
    parties: tuple[str, ...] = ()  # who asserts it, one name each; () means just ``asserted_by``

    @property
    def party_list(self) -> list[str]:
        """The asserting parties as stored: one entry per party, never split from the joined text."""
        return list(self.parties) or [self.asserted_by]
