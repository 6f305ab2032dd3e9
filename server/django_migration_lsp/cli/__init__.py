"""The command line: one module per subcommand, each a thin shell over the core.

- ``check.py``: ``django-migration-lsp check``, the per-file rules (ruff's conventions);

``__main__`` routes the subcommand; no arguments start the language server.
"""

from .check import main

__all__ = ["main"]
