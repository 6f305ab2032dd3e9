"""Write docs/rules/*.md from the rule classes (see django_migration_lsp.docs)."""

from __future__ import annotations

import sys
from pathlib import Path

from django_migration_lsp.docs import pages

ROOT = Path(__file__).resolve().parent.parent / "docs" / "rules"


def main() -> int:
    ROOT.mkdir(parents=True, exist_ok=True)
    wanted = pages()
    for name, text in wanted.items():
        (ROOT / name).write_text(text, encoding="utf-8")
    for stale in ROOT.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()
    print(f"wrote {len(wanted)} pages to {ROOT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
