"""A broken document is reported and skipped while the rest are ingested; the exit status says so."""

import subprocess
import sys

import pytest

from claims.errors import DocumentError
from ingest.documents import read_document
from tests.databases import cli_env


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n  ", "empty"),
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        ("latin1.txt", "Caf\xe9 cost \xa35M".encode("latin-1"), "not UTF-8"),
        ("late-nul.txt", b"DeepSeek spent $5.6M. " * 500 + b"\x00 and more", "NUL character at offset 11000"),
        ("utf16-nul.txt", "\ufeffA $5.6M run\x00".encode("utf-16-le"), "NUL character"),
    ],
)
def test_unreadable_documents_raise_a_clear_error(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DocumentError, match=reason) as info:
        read_document(path)
    assert name in str(info.value)


def test_cli_skips_bad_files_ingests_the_rest_and_exits_1(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("DeepSeek says it trained V3 for $5.6M on 2,048 H800 GPUs.\n")
    (docs / "empty.txt").write_bytes(b"")
    (docs / "binary.bin").write_bytes(bytes(range(256)) * 4)
    result = subprocess.run(
        [sys.executable, "-m", "claims.cli", "--db", str(tmp_path / "c.db"), "ingest", str(docs),
         str(tmp_path / "missing.txt")],
        capture_output=True, text=True, timeout=120, env=cli_env(tmp_path / "c.db"),
    )
    assert result.returncode == 1, result.stderr
    assert "1 new" in result.stdout
    for fragment in ("empty.txt: empty file", "binary.bin: binary file", "missing.txt: no such file"):
        assert fragment in result.stdout


def test_overlong_header_fields_are_cut_to_fit_not_a_reason_to_skip(tmp_path, extractor, vocabulary):
    """PostgreSQL enforces column lengths (SQLite does not): a 900-character title still goes in."""
    from sqlmodel import select

    from claims.db import session_scope
    from claims.models import Source
    from tests.conftest import ingest_into

    docs = tmp_path / "docs"
    docs.mkdir()
    title, author = "T" * 900, "A" * 400
    header = f"---\ntitle: {title}\nauthor: {author}\nurl: https://example.org/{'u' * 2500}\n---\n"
    (docs / "long.md").write_text(header + "DeepSeek says it trained V3 for $5.6M on 2,048 H800 GPUs.\n")
    engine, report = ingest_into(tmp_path / "c.db", [docs], extractor, vocabulary)
    try:
        assert not report.skipped and report.documents_added == 1
        with session_scope(engine) as session:
            source = session.exec(select(Source)).one()
            assert title.startswith(source.title) and len(source.title) == 500
            assert author.startswith(source.author) and len(source.url) == 2000
    finally:
        engine.dispose()


@pytest.mark.usefixtures("sqlite_only")
def test_a_document_the_database_refuses_is_skipped_and_the_rest_of_its_batch_goes_in(
    tmp_path, extractor, vocabulary
):
    """Documents are stored a batch per transaction; when the batch fails, each is retried alone."""
    import sqlite3

    from claims.db import init_db, make_engine
    from claims.ops import check
    from ingest.run import ingest_paths

    docs = tmp_path / "docs"
    docs.mkdir()
    for name, line in (("a.txt", "DeepSeek says it trained V3 for $5.6M."),
                       ("b.txt", "Alexandr Wang says DeepSeek has about 50,000 H100s."),
                       ("c.txt", "DeepSeek charges $2.19 per million output tokens.")):
        (docs / name).write_text(line + "\n")
    db = tmp_path / "c.db"
    engine = make_engine(f"sqlite:///{db}")
    init_db(engine)
    conn = sqlite3.connect(db)  # a real refusal by the database, for one document only
    conn.execute("CREATE TRIGGER poison BEFORE INSERT ON source WHEN NEW.name = 'b.txt' "
                 "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END")
    conn.close()
    try:
        report = ingest_paths(engine, [docs], extractor=extractor, vocabulary=vocabulary)
        # (the refused document is skipped, not counted as ingested: issue 18's summary-count defect)
        assert report.documents_added == 2 and report.documents_seen == 2 and len(report.skipped) == 1
        assert [(origin.rsplit("/", 1)[-1], reason) for origin, reason in report.skipped] == [
            ("b.txt", "could not be stored: IntegrityError: (sqlite3.IntegrityError) refused for the test")
        ]
        with engine.connect() as c:
            names = sorted(r[0] for r in c.exec_driver_sql("SELECT name FROM source"))
            holders = {r[0] for r in c.exec_driver_sql("SELECT asserted_by FROM evidence")}
            audited = c.exec_driver_sql("SELECT count(*) FROM auditentry WHERE action = 'source.ingest'")
            assert names == ["a.txt", "c.txt"] and "Alexandr Wang" not in holders
            assert audited.scalar() == 2
        assert check(engine, vocabulary=vocabulary).ok  # nothing half-stored, nothing left pending
    finally:
        engine.dispose()
