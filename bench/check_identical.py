"""Check that extraction output is unchanged: ingest corpora with this checkout's code and compare.

``--write DIR`` makes the reference files once (from code known to be right); ``--check DIR`` recomputes
them and compares byte for byte (exit 1 on any difference). Per corpus two files:

- ``<name>.export``: ``claims --db FRESH ingest FOLDER``, then ``claims export --format mentions`` with its
  lines sorted;
- ``<name>.repr``: ``repr`` of every Mention of every document from ``Extractor().extract_many`` (catches
  fields the export omits).

Corpora: seeds/, tests/data/unseen/ and a synthetic corpus (``bench/corpus.py --docs 400 --seed 11``).

    .venv/bin/python bench/check_identical.py --write /tmp/ref      # once, before changing code
    .venv/bin/python bench/check_identical.py --check /tmp/ref      # after every change
"""

from __future__ import annotations

import argparse
import difflib
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = Path(sys.executable).with_name("claims")


def _corpora(work: Path, docs: int, seed: int) -> dict[str, Path]:
    synthetic = work / f"synthetic_{docs}_{seed}"
    if not synthetic.exists():
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "corpus.py"), "--docs", str(docs), "--seed", str(seed),
             "--out", str(synthetic)],
            check=True,
        )
    return {"seeds": ROOT / "seeds", "unseen": ROOT / "tests" / "data" / "unseen", "synthetic": synthetic}


def _export(folder: Path, work: Path, name: str) -> str:
    db = work / f"{name}.db"
    db.unlink(missing_ok=True)
    subprocess.run([str(CLAIMS), "--db", str(db), "ingest", str(folder)], check=True, capture_output=True)
    out = subprocess.run(
        [str(CLAIMS), "--db", str(db), "export", "--format", "mentions"],
        check=True, capture_output=True, text=True,
    ).stdout
    return "".join(sorted(out.splitlines(keepends=True)))


def _reprs(folder: Path) -> str:
    from claims.errors import DocumentError
    from ingest.documents import iter_paths, read_document
    from ingest.extract import Extractor

    documents = []
    for path in iter_paths([folder]):
        if isinstance(path, Path):
            try:
                documents.append(read_document(path))
            except DocumentError:
                continue
    lines = []
    for document, mentions in zip(documents, Extractor().extract_many(documents), strict=True):
        lines.append(f"# {document.name} {len(mentions)}\n")
        lines.extend(repr(m) + "\n" for m in mentions)
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", type=Path, help="write reference files to this folder")
    action.add_argument("--check", type=Path, help="compare against reference files in this folder")
    parser.add_argument("--docs", type=int, default=400)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "check_identical",
        help="scratch folder, the same for writing and checking (paths of sources are exported)",
    )
    args = parser.parse_args(argv)
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    failed = False
    for name, folder in _corpora(work, args.docs, args.seed).items():
        for kind, produce in (("export", lambda f=folder, n=name: _export(f, work, n)),
                              ("repr", lambda f=folder: _reprs(f))):
            text = produce()
            rows = text.count("\n")
            target = (args.write or args.check) / f"{name}.{kind}"
            if args.write:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                print(f"{name}.{kind}: wrote {rows} lines")
                continue
            expected = target.read_text(encoding="utf-8")
            if text == expected:
                print(f"{name}.{kind}: identical ({rows} lines)")
            else:
                failed = True
                print(f"{name}.{kind}: DIFFERS ({rows} lines, reference {expected.count(chr(10))})")
                diff = difflib.unified_diff(
                    expected.splitlines(), text.splitlines(), "reference", "now", lineterm="", n=0
                )
                for i, line in enumerate(diff):
                    if i >= 40:
                        print("  ...")
                        break
                    print("  " + line[:300])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
