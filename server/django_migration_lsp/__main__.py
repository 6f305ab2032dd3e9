"""``django-migration-lsp``: no arguments starts the language server on stdio;
``check`` runs the command-line checker; ``plan`` shows what a rollback unapplies and
where it stops; ``--version`` prints the version."""

from __future__ import annotations

import sys
from collections.abc import Sequence

HELP = """\
usage: django-migration-lsp [--stdio | --tcp | --ws] [--host HOST] [--port PORT]
       django-migration-lsp check [options] [PATH ...]
       django-migration-lsp --version

Catch Django migrations that cannot be rolled back.

With no arguments, django-migration-lsp starts the language server, speaking LSP on
stdin/stdout: that is the command an editor runs.

language server:
  --stdio        on stdin/stdout (the default; accepted because editors pass it)
  --tcp          listen on TCP at --host (default 127.0.0.1) and --port (default 8888)
  --ws           listen for WebSocket connections at --host and --port

command line:
  check          check migration files, for CI and pre-commit (ruff's conventions);
                 `django-migration-lsp check --help` lists its options

  --version, -V  print the version
  --help, -h     print this help
"""

#: First arguments that start the language server (``lsp`` and ``server`` are aliases).
SERVER_ARGS = ("lsp", "server", "--stdio", "--tcp", "--ws")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["-h"], ["--help"]):
        sys.stdout.write(HELP)
        return 0
    if not args or args[0] in SERVER_ARGS:
        from .lsp.server import run  # pygls is imported only for the server

        # ``--stdio`` is what vscode-languageclient (and others) append; run() ignores it.
        run(args[1:] if args[:1] in (["lsp"], ["server"]) else args)
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
