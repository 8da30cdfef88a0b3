"""Documents: find files, read them as text (or say why not), and read title, author and date."""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from claims.errors import DocumentError
from claims.quantities import parse_quantity
from claims.records import Document

__all__ = ["DOCUMENT_SUFFIXES", "iter_paths", "read_document", "document_from_text", "PathProblem"]

DOCUMENT_SUFFIXES = {".txt", ".md", ".markdown", ".text", ".html", ".htm", ""}
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_DATE_LINE = re.compile(
    r"^(?:published|posted|updated|date)?[:\s]*"
    r"(?:(?-i:[A-Z][A-Z.'’ -]{1,40}),\s+)?"  # a wire dateline's city: "HONG KONG, Jan 28, 2025 (Wire) -"
    r"((?:[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4})|"
    r"(?:\d{1,2} [A-Z][a-z]{2,8} \d{4})|"
    r"(?:\d{4}-\d{2}-\d{2}))(?:\s*\([^)]{1,60}\))?\s*[-–—]*\s*$",
    re.I,
)
_BY_LINE = re.compile(r"^by\s+([A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3})\s*$")


@dataclass(frozen=True)
class PathProblem:
    """A path that could not be read as a document, and why."""

    path: str
    reason: str


def iter_paths(paths: Iterable[str | Path], *, recursive: bool = False) -> Iterator[Path | PathProblem]:
    """Files named directly, and the files of named folders (hidden files skipped), in name order.

    A link inside a folder that leads nowhere, or into a loop, is reported with its reason, never skipped
    without a word."""
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            yield path
        elif path.is_dir():
            pattern = "**/*" if recursive else "*"
            for child in sorted(path.glob(pattern)):
                if any(part.startswith(".") for part in child.relative_to(path).parts):
                    continue
                if child.is_file():
                    yield child
                elif child.is_symlink() and not child.is_dir():
                    yield PathProblem(str(child), _broken_link(child))
        elif path.is_symlink():
            yield PathProblem(str(path), _broken_link(path))
        else:
            yield PathProblem(str(path), "no such file or folder")


def _broken_link(path: Path) -> str:
    """Why a symbolic link cannot be read: a loop, or a target that does not exist."""
    try:
        path.resolve(strict=True)
    except RuntimeError:
        return "a symbolic link that loops back on itself"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link that loops back on itself"
        return f"a symbolic link to {os.readlink(path)!r}, which does not exist"
    return "a symbolic link to something that is not a file"


class _TextOfHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip += 1
        elif tag in ("p", "br", "div", "li", "h1", "h2", "h3", "h4", "tr", "section", "article"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _html_to_text(html: str) -> str:
    parser = _TextOfHTML()
    parser.feed(html)
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line)


# Control characters other than the four whitespace ones (tab, newline, vertical tab, form feed).
_CONTROLS = re.compile("[\x00-\x08\x0d-\x1f]")


def _decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise DocumentError(f"{name}: empty file")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(f"{name}: binary file (NUL bytes), not text")
    try:
        text = data.decode("utf-16") if data.startswith((b"\xff\xfe", b"\xfe\xff")) else data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"{name}: not UTF-8 text (byte {exc.start}: {data[exc.start : exc.start + 1]!r})"
        ) from exc
    if "\x00" in text:  # past the first 8 KiB, or in UTF-16: PostgreSQL cannot store it, nor is it prose
        raise DocumentError(f"{name}: NUL character at offset {text.index(chr(0))}, not text")
    # Universal newlines, as Python's text mode reads the file: offsets must agree with readers.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = len(_CONTROLS.findall(text, 0, 8192))
    if controls > 8:
        raise DocumentError(f"{name}: binary file ({controls} control characters), not text")
    if not text.strip():
        raise DocumentError(f"{name}: no text after decoding")
    return text


def _front_matter(text: str) -> dict[str, str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}
    fields = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields


_SALUTATION = re.compile(
    r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings)\b[^.!?]{0,40}[,!:]?$", re.I
)


def _first_line(text: str) -> str:
    """A title from the first line; a greeting or a whole paragraph gives way to a clipped first sentence."""
    body = _FRONT_MATTER.sub("", text, count=1)
    lines = [line.strip().lstrip("#").strip() for line in body.splitlines()]
    lines = [line for line in lines if line and not line.startswith("![")]
    for line in lines[:3]:
        if _SALUTATION.match(line):
            continue
        if len(line) <= 120:
            return line
        sentence = re.split(r"(?<=[.!?])\s", line, maxsplit=1)[0]
        return sentence if len(sentence) <= 120 else sentence[:117].rsplit(" ", 1)[0] + "…"
    return lines[0][:120] if lines else ""


def _iso_date(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        value = int(parse_quantity(raw.strip()).value or 0)
    except ValueError:
        return None
    year, rest = divmod(value, 10000)
    month, day = divmod(rest, 100)
    if not (1900 <= year <= 2100 and month and day):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _header_date_and_author(text: str) -> tuple[str | None, str | None]:
    date = author = None
    for line in text.splitlines()[:8]:
        line = line.strip()
        if not date and (m := _DATE_LINE.match(line)):
            date = _iso_date(m.group(1))
        if not author and (m := _BY_LINE.match(line)):
            author = m.group(1)
    return date, author


def document_from_text(text: str, *, name: str, origin: str) -> Document:
    """A Document from decoded text, with title, author and date read from its header."""
    fields = _front_matter(text)
    date, author = _header_date_and_author(text)
    return Document(
        name=name,
        text=text,
        origin=origin,
        title=fields.get("title") or _first_line(text) or name,
        author=fields.get("author") or author,
        published=_iso_date(fields.get("date")) or date,
        url=fields.get("url") or fields.get("canonical_url"),
    )


def read_document(path: Path, *, name: str | None = None) -> Document:
    """Read one file as a Document; DocumentError says why a file cannot be one.

    ``name`` is the document's name: its path relative to the folder it was found in ('a/x.txt'), so that
    two files of one name in different folders stay two sources; the file's own name by default."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{path.name}: cannot read ({exc.strerror})") from exc
    text = _decode(data, path.name)
    if path.suffix.lower() in (".html", ".htm"):
        text = _html_to_text(text)
    return document_from_text(text, name=name or path.name, origin=str(path))
