"""``django-migration-lsp``: no arguments starts the language server on stdio;
``check`` runs the command-line checker; ``plan`` shows what a rollback unapplies and
where it stops; ``--version`` prints the version."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("lsp", "server", "--stdio"):
        from .lsp.server import run  # pygls is imported only for the server

        # ``--stdio`` is what vscode-languageclient (and others) append; run() ignores it.
        run(args if args[:1] == ["--stdio"] else args[1:])
        return 0
    if args[0] in ("--version", "-V"):
        from . import __version__

        print(f"django-migration-lsp {__version__}")
        return 0
    if args[0] == "plan":
        from .cli.plan import main as plan_main  # Django is imported only for plan

        return plan_main(args[1:])
    from .cli.check import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
