"""The dependency direction web -> claims <- ingest, checked by parsing every module's imports."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The `claims` command is the composition root (DESIGN.md): it may wire ingest and web together.
COMPOSITION_ROOT = {ROOT / "claims" / "cli.py"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if p not in COMPOSITION_ROOT)


@pytest.mark.parametrize("path", modules("claims"), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_imports_no_ingest_web_or_frameworks(path):
    forbidden = {"ingest", "web", "spacy", "fastapi", "jinja2", "starlette", "uvicorn"}
    assert not imported_modules(path) & forbidden


@pytest.mark.parametrize("path", modules("web"), ids=lambda p: str(p.relative_to(ROOT)))
def test_web_never_imports_spacy_or_ingest(path):
    assert not imported_modules(path) & {"spacy", "ingest"}


def test_the_checker_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    import spacy\n    from ingest.extract import Extractor\n")
    assert imported_modules(sample) == {"spacy", "ingest"}
