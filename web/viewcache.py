"""A per-app cache of serialized JSON views (bytes), kept while the database has not changed.

Every entry carries the database's data version (``claims.db.DataVersion``) read before its view was
built; a lookup under any other version misses, and the first lookup that sees a new version empties
the cache. So a claim served from here is never older than the last commit anyone made (this process,
`claims ingest` in another, a moderator's decision), at the price of one ``PRAGMA data_version`` per
request. Bounded by bytes, least recently used out first.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

__all__ = ["CachedView", "ViewCache", "cached_json", "etag_of", "etag_matches"]

DEFAULT_MAX_BYTES = 256 * 1024 * 1024


def etag_of(body: bytes) -> str:
    """A strong entity tag for these bytes.

    >>> etag_of(b"{}")
    '"bf78e4a953b40eee238ca2e9"'
    """
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """True when an If-None-Match header names this tag (or is ``*``): the client's copy is current.

    >>> etag_matches('"a", W/"b"', '"b"'), etag_matches('"a"', '"b"'), etag_matches("*", '"b"')
    (True, False, True)
    >>> etag_matches(None, '"b"')
    False
    """
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag in tags


@dataclass(frozen=True)
class CachedView:
    body: bytes
    etag: str


class ViewCache:
    """Serialized views by key, valid for one data version; at most ``max_bytes`` of bodies."""

    def __init__(
        self, version: Callable[[], object | None], *, max_bytes: int = DEFAULT_MAX_BYTES, cheap: bool = False
    ) -> None:
        self._version = version
        self.cheap = cheap  # the version is read in-process, without I/O: lookups may run on the event loop
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, CachedView] = OrderedDict()
        self._bytes = 0
        self._seen: object | None = None
        self.hits = self.misses = 0

    def peek(self, key: str) -> CachedView | None:
        """The cached view of ``key`` under the current version, else None (nothing is built)."""
        version = self._version()
        if version is None:
            return None
        with self._lock:
            if version != self._seen:
                self._entries.clear()
                self._bytes, self._seen = 0, version
                return None
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return entry

    def get_or_build(self, key: str, build: Callable[[], bytes | None]) -> CachedView | None:
        """The cached view of ``key``, else ``build()``'s bytes (cached); None when build gives None."""
        version = self._version()  # before the data is read: a commit after this changes the next version
        if version is not None:
            with self._lock:
                if version != self._seen:
                    self._entries.clear()
                    self._bytes, self._seen = 0, version
                entry = self._entries.get(key)
                if entry is not None:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return entry
        body = build()
        if body is None:
            return None
        entry = CachedView(body=body, etag=etag_of(body))
        self.misses += 1
        if version is None or len(body) > self._max_bytes:  # unknown version, or too big (0: off)
            return entry
        with self._lock:
            if version != self._seen:  # the database changed while we built: do not keep it
                return entry
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = entry
            self._bytes += len(body)
            while self._bytes > self._max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.body)
        return entry

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes


def cached_json(cache: ViewCache | None, key: str, build: Callable[[], Any]) -> Any:
    """``build()``'s data, kept in ``cache`` as JSON under ``key`` while the database is unchanged (built
    anew each time without a cache). Dates become ISO strings, as the JSON answers have them.

    >>> cache = ViewCache(lambda: 1)
    >>> cached_json(cache, "k", lambda: {"n": 1}), cached_json(cache, "k", lambda: {"n": 2})
    ({'n': 1}, {'n': 1})
    """
    if cache is None:
        return json.loads(json.dumps(build(), default=_iso))
    entry = cache.get_or_build(key, lambda: json.dumps(build(), default=_iso).encode())
    assert entry is not None  # the builder always gives bytes
    return json.loads(entry.body)


def _iso(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")
