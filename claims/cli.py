"""The ``claims`` command: the composition root that wires the domain, ingest and web together."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from claims.cli_accounts import register as register_account_commands
from claims.db import database_url, init_db, make_engine, session_scope
from claims.errors import ClaimsError
from claims.export import DEFAULT_BASE_URL, FORMATS, write_export

if TYPE_CHECKING:
    from claims.ops import CheckReport

__all__ = ["main", "build_parser"]


def _engine(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url(args.db))
    init_db(engine)
    return engine


def cmd_ingest(args: argparse.Namespace) -> int:
    """Ingest documents and folders; exit 1 when some were skipped."""
    from claims.store import corpus_counts  # noqa: PLC0415
    from claims.vocabulary import default_vocabulary  # noqa: PLC0415
    from ingest.extract import Extractor  # noqa: PLC0415
    from ingest.run import ingest_paths, print_progress  # noqa: PLC0415

    engine = _engine(args)
    if args.if_empty:
        with session_scope(engine) as session:
            if corpus_counts(session)["sources"]:
                print("Database already holds documents; nothing ingested (--if-empty).")
                return 0
    workers = os.cpu_count() or 1 if args.workers == 0 else args.workers
    report = ingest_paths(
        engine,
        args.paths,
        extractor=Extractor(),
        vocabulary=default_vocabulary(),
        recursive=args.recursive,
        progress=None if args.quiet else print_progress,
        workers=workers,
    )
    print(report.summary())
    return 1 if report.skipped else 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write an export to stdout or --output."""
    if not args.base_url.startswith(("http://", "https://")):
        raise ClaimsError(f"--base-url must be an http(s) URL, not {args.base_url!r}")
    engine = _engine(args)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    try:
        with session_scope(engine) as session:
            count = write_export(session, args.format, out, base_url=args.base_url)
    finally:
        if args.output:
            out.close()
    if args.output:
        print(f"Wrote {count} record(s) in {args.format} format to {args.output}", file=sys.stderr)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Print a claim's status, reasons, evidence and relations."""
    from claims.views import claim_view  # noqa: PLC0415

    engine = _engine(args)
    with session_scope(engine) as session:
        view = claim_view(session, claim_id=args.claim_id)
    if view is None:
        print(
            f"No claim with id {args.claim_id!r}. Try `claims export --format csv` to list claim ids.",
            file=sys.stderr,
        )
        return 2
    if args.json:
        print(json.dumps(view, indent=2, ensure_ascii=False, default=str))
        return 0
    print(_format_status(view))
    return 0


def _format_status(view: dict) -> str:  # type: ignore[type-arg]
    lines = [f"{view['id']}  {view['statement']}", f"Status: {view['status'].upper()}"]
    lines += [f"  - {reason}" for reason in view["reasons"]]
    lines.append(f"Evidence ({len(view['evidence'])}):")
    for ev in view["evidence"]:
        hedge = f", {ev['hedge']}" if ev.get("hedge") else ""
        flag = " [hypothetical]" if ev["hypothetical"] else ""
        lines.append(
            f"  * {ev['stance']} — {ev['asserted_by']}{hedge}{flag} in «{ev['source']['title']}» "
            f"[{ev['start']}:{ev['end']}]"
        )
        lines.append(f'    "{ev["quote"]}"')
    if view["related"]:
        lines.append("Related claims:")
        lines += [
            f"  {r['kind']:<15} {r['claim_id']}  {r['statement']}  ({r['status']})" for r in view["related"]
        ]
    return "\n".join(lines)


def cmd_eval(args: argparse.Namespace) -> int:
    """Ingest --docs into a scratch database and score its mentions against --gold."""
    import tempfile  # noqa: PLC0415

    from claims.evaluation import format_score, load_jsonl, score  # noqa: PLC0415
    from claims.export import mention_rows  # noqa: PLC0415
    from claims.vocabulary import default_vocabulary  # noqa: PLC0415
    from ingest.extract import Extractor  # noqa: PLC0415
    from ingest.run import ingest_paths  # noqa: PLC0415

    docs = Path(args.docs)
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{scratch}/eval.db")
        init_db(engine)
        ingest_paths(engine, [docs], extractor=Extractor(), vocabulary=default_vocabulary())
        with session_scope(engine) as session:
            pred = list(mention_rows(session))
        engine.dispose()
    texts = {p.name: p.read_text(encoding="utf-8") for p in docs.iterdir() if p.is_file()}
    gold = load_jsonl(Path(args.gold))
    disputes = load_jsonl(Path(args.disputes)) if args.disputes else None
    vocab_path = Path(args.vocab) if args.vocab else Path(args.gold).with_name("vocabulary.json")
    vocab = json.loads(vocab_path.read_text(encoding="utf-8")) if vocab_path.exists() else None
    result = score(gold, pred, texts, disputes=disputes, vocabulary=vocab)
    print(json.dumps(result, indent=2) if args.json else format_score(result))
    return 0


def _existing_engine(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """An engine on a database that must already exist: backup and check never create one."""
    from claims.ops import sqlite_path  # noqa: PLC0415

    url = database_url(args.db)
    engine = make_engine(url)
    path = sqlite_path(engine)
    if path is not None and not path.exists():
        raise ClaimsError(f"no database at {path}; give --db PATH or set CLAIMS_DATABASE_URL")
    return engine


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the SQLite database to PATH with the online backup API (safe while `claims serve` writes)."""
    from claims.ops import backup  # noqa: PLC0415

    engine = _existing_engine(args)
    try:
        result = backup(engine, args.path, force=args.force)
    finally:
        engine.dispose()
    plural = {"source": "sources", "entity": "entities", "claim": "claims", "relation": "relations"}
    counts = ", ".join(
        f"{n} {plural.get(table, table) if n != 1 else table}" for table, n in result.counts.items()
    )
    print(
        f"Backed up {engine.url.render_as_string(hide_password=True)} to {result.target}: "
        f"{result.bytes / 1e6:.1f} MB, {result.pages} pages, integrity_check ok, in {result.seconds:.2f}s."
    )
    print(f"The copy holds {counts}.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Check integrity, provenance, orphan rows, the search index and derived statuses; exit 1 on problems."""
    from claims.ops import check  # noqa: PLC0415
    from claims.vocabulary import default_vocabulary  # noqa: PLC0415

    engine = _existing_engine(args)
    try:
        report = check(engine, vocabulary=default_vocabulary())
    finally:
        engine.dispose()
    print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) if args.json else format_check(report))
    return 0 if report.ok else 1


def format_check(report: CheckReport, *, limit: int = 50) -> str:
    """The check report for people: one line per check, then each problem with its row id."""
    lines = [f"Checked {report.database} ({report.dialect}, one read-only snapshot):"]
    grouped = report.problems_by_check()
    for name, what in report.checks.items():
        found = grouped.get(name, [])
        outcome = f"{len(found)} problem(s)" if found else what
        lines.append(f"  {'FAIL' if found else 'ok':<5}{name}: {outcome}")
    lines += [f"  skip {name}: {why}" for name, why in report.skipped.items()]
    lines += [f"  note {note}" for note in report.notes]
    for name, found in grouped.items():
        lines.append(f"{name}:")
        lines += [f"  {p.table} {p.row}: {p.detail}" if p.row else f"  {p.detail}" for p in found[:limit]]
        if len(found) > limit:
            lines.append(f"  ... and {len(found) - limit} more (--json lists them all)")
    lines.append(f"{len(report.problems)} problem(s) found." if report.problems else "No problems found.")
    return "\n".join(lines)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the web app and JSON API."""
    import uvicorn  # noqa: PLC0415

    from web.app import create_app  # noqa: PLC0415
    from web.settings import Settings, limits_from  # noqa: PLC0415

    try:
        limits = limits_from(
            os.environ,
            max_body_bytes=args.max_body_bytes,
            write_rate=args.write_rate,
            write_burst=args.write_burst,
            view_cache_bytes=args.view_cache_bytes,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    settings = Settings(database_url=database_url(args.db), **limits)
    print(f"Serving the claims tracker on http://{args.host}:{args.port}/ (database {settings.database_url})")
    proxies = args.forwarded_allow_ips or os.environ.get("CLAIMS_FORWARDED_ALLOW_IPS") or None
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        # (uvicorn trusts X-Forwarded-For from 127.0.0.1 unless told otherwise: any local client could then
        # rotate the address the write and log-in limits key on)
        proxy_headers=proxies is not None,
        forwarded_allow_ips=proxies or "",
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = argparse.ArgumentParser(prog="claims", description="Claims tracker for the DeepSeek debate.")
    parser.add_argument(
        "--db", default=None, help="SQLite file (default ./claims.db; CLAIMS_DATABASE_URL overrides)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func, help_text: str) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--db", default=argparse.SUPPRESS, help="SQLite file (default ./claims.db)")
        p.set_defaults(func=func)
        return p

    p = add("ingest", cmd_ingest, "Ingest documents or folders (idempotent).")
    p.add_argument("paths", nargs="+", help="files or folders")
    p.add_argument("--recursive", action="store_true", help="descend into sub-folders")
    p.add_argument("--if-empty", action="store_true", help="only ingest when the database holds no documents")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="extraction processes for large corpora (0 = one per CPU; default 1)",
    )
    p = add(
        "export",
        cmd_export,
        "Export mentions, the graph, a claims table, ClaimReview or Web Annotation JSON-LD.",
    )
    p.add_argument("--format", choices=FORMATS, required=True)
    p.add_argument(
        "--base-url",
        default=DEFAULT_BASE_URL,
        help=f"where the web app runs, for URLs in JSON-LD exports (default {DEFAULT_BASE_URL})",
    )
    p.add_argument("--output", "-o", help="file to write (default: stdout)")
    p = add("status", cmd_status, "Show a claim's status, reasons and evidence.")
    p.add_argument("claim_id")
    p.add_argument("--json", action="store_true")
    p = add(
        "eval",
        cmd_eval,
        "Score extraction of --docs against a gold file (same figures as the shared scorer).",
    )
    p.add_argument("--gold", required=True)
    p.add_argument("--docs", required=True)
    p.add_argument("--disputes")
    p.add_argument("--vocab")
    p.add_argument("--json", action="store_true")
    p = add(
        "backup",
        cmd_backup,
        "Copy the SQLite database to PATH with the online backup API (safe while serving).",
    )
    p.add_argument("path", help="file to write (refused if it exists, unless --force)")
    p.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    p = add(
        "check",
        cmd_check,
        "Check integrity, provenance, orphan rows, the search index and statuses (exit 1 on problems).",
    )
    p.add_argument("--json", action="store_true", help="the full report as JSON")
    p = add("serve", cmd_serve, "Serve the web app and JSON API.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--log-level", default="info")
    p.add_argument(
        "--forwarded-allow-ips",
        default=None,
        help="comma-separated addresses of reverse proxies whose X-Forwarded-For/-Proto to trust (env "
        "CLAIMS_FORWARDED_ALLOW_IPS); none by default: a client cannot choose the address it is limited by",
    )
    register_account_commands(sub)
    p.add_argument(
        "--max-body-bytes",
        type=int,
        default=None,
        help="largest request body accepted, else 413 (default 262144; env CLAIMS_MAX_BODY_BYTES)",
    )
    p.add_argument(
        "--write-rate",
        type=float,
        default=None,
        help="writes per second per client after the burst, else 429; 0 = unlimited "
        "(default 1; env CLAIMS_WRITE_RATE)",
    )
    p.add_argument(
        "--write-burst",
        type=int,
        default=None,
        help="writes a client may send at once (default 30; env CLAIMS_WRITE_BURST)",
    )
    p.add_argument(
        "--view-cache-bytes",
        type=int,
        default=None,
        help="memory for JSON bodies of claims already served, kept until the next commit; 0 = no cache "
        "(default 268435456; env CLAIMS_VIEW_CACHE_BYTES)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ClaimsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
