"""The rule pages in docs/rules are generated; a stale page fails here."""

from pathlib import Path

from django_migration_lsp.docs import pages

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"


def test_rule_docs_are_up_to_date():
    wanted = pages()
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}
    stale = sorted(
        name for name in wanted.keys() | on_disk.keys() if wanted.get(name) != on_disk.get(name)
    )
    assert not stale, f"run `python scripts/generate_docs.py`; stale: {stale}"
