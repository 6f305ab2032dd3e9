"""The command line: one module per subcommand, each a thin shell over the core.

- ``check.py``: ``django-migration-lsp check``, the per-file rules (ruff's conventions);
- ``plan.py``: ``django-migration-lsp plan``, the rollback plan over the project's graph;

``__main__`` routes the subcommand; no arguments start the language server.
"""

from .check import main

__all__ = ["main"]
