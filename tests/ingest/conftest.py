"""Fixtures of the ingest tests."""

import pytest

from claims.records import Document


@pytest.fixture(scope="module")
def read(extractor):
    """Extract one made-up document's mentions, checking that every quote is its text's own span."""

    def read(text, published=None):
        doc = Document(name="t.txt", text=text, origin="t.txt", title="t", published=published)
        mentions = extractor.extract(doc)
        for m in mentions:
            assert text[m.start : m.end] == m.quote
        return mentions

    return read
