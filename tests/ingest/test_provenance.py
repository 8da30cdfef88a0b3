"""Provenance is an invariant: every stored and exported quote equals text[start:end] of its source."""

import json

from sqlmodel import select

from claims.db import session_scope
from claims.export import mention_rows
from claims.models import Evidence, Source
from tests.conftest import SEEDS


def test_every_stored_quote_is_its_source_text_slice(seeded_engine):
    with session_scope(seeded_engine) as session:
        rows = session.exec(select(Evidence, Source).where(Evidence.source_id == Source.id)).all()
        assert len(rows) > 100
        for ev, source in rows:
            assert source.text[ev.start:ev.end] == ev.quote, ev.id
            if ev.value_start is not None:
                assert ev.start <= ev.value_start < ev.value_end <= ev.end
                assert source.text[ev.value_start:ev.value_end] == ev.value_text


def test_every_exported_quote_matches_the_file_on_disk(seeded_engine):
    files = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    with session_scope(seeded_engine) as session:
        rows = list(mention_rows(session))
    assert {r["source"] for r in rows} == set(files)
    for row in rows:
        assert files[row["source"]][row["start"]:row["end"]] == row["quote"]
        json.dumps(row)  # every row is plain JSON


def test_crlf_documents_keep_offsets_of_the_text_as_python_reads_it(tmp_path, extractor, vocabulary):
    from tests.conftest import ingest_into

    doc = tmp_path / "docs" / "crlf.txt"
    doc.parent.mkdir()
    doc.write_bytes(b"Title\r\nDeepSeek says it used 2,048 H800 GPUs.\r\nWang said 50,000.\r\n")
    engine, report = ingest_into(tmp_path / "c.db", [doc.parent], extractor, vocabulary)
    text = doc.read_text(encoding="utf-8")
    with session_scope(engine) as session:
        rows = list(mention_rows(session))
    assert rows and all(text[r["start"]:r["end"]] == r["quote"] for r in rows)
