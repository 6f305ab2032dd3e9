"""One file in, diagnostics out: the only place the server calls the analysis core.

Pure functions of their arguments, run on a worker thread, so that a large migration
does not hold up the event loop (and the messages behind it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types

from ..checks import Analysis, analyze
from ..config import Config, iter_migration_files
from ..files import SkippedFile, read_source
from .convert import DEFAULT_SEVERITY, Codec, diagnostic


@dataclass(frozen=True)
class Checked:
    """The diagnostics of one file at one version (open) or one stat stamp (as saved)."""

    #: The URI diagnostics are published under.
    uri: str
    version: int | None
    #: The server's settings generation the result was computed under.
    generation: int
    #: For pull diagnostics: equal ids mean equal diagnostics.
    result_id: str
    diagnostics: list[types.Diagnostic]
    #: Kept for open documents only: code actions and ``source.fixAll`` start from it.
    analysis: Analysis | None = None
    config: Config | None = None
    #: Why the file as saved was not read (not a regular file, too large), if it was not.
    skipped: str | None = None


def check(
    uri: str,
    path: Path,
    content: str | bytes,
    config: Config,
    codec: Codec,
    *,
    version: int | None,
    generation: int,
    result_id: str,
    related_information: bool,
    keep: bool,
) -> Checked:
    """Analyse ``content`` (an editor buffer, or bytes as saved) and convert the findings."""
    analysis = analyze(content, str(path), rules=config.rules_for(path))
    diagnostics: list[types.Diagnostic] = []
    # A file that cannot be decoded or parsed (often, while typing) gets nothing: its
    # old diagnostics would point at the wrong places.
    if analysis.source is not None and not any(f.code is None for f in analysis.findings):
        diagnostics = [
            diagnostic(
                f,
                analysis.source,
                codec,
                uri,
                severity=config.severity.get(f.code or "", DEFAULT_SEVERITY),
                version=version,
                related_information=related_information,
            )
            for f in analysis.findings
        ]
    return Checked(
        uri,
        version,
        generation,
        result_id,
        diagnostics,
        analysis if keep else None,
        config if keep else None,
    )


def check_saved(
    uri: str, path: Path, config: Config, codec: Codec, generation: int, related: bool
) -> Checked | None:
    """:func:`check` on the file as saved; ``None`` if it cannot be read.

    Read with :func:`~django_migration_lsp.files.read_source`: a FIFO or a device named
    like a migration, or a file above ``max-file-size``, is not read (never blocks the
    scan) and comes back with no diagnostics and :attr:`Checked.skipped` saying why.
    """
    try:
        stat = path.stat()
        data = read_source(path, config.max_file_size)
    except SkippedFile as exc:
        return Checked(uri, None, generation, f"{generation}:skipped", [], skipped=str(exc))
    except OSError:
        return None
    return check(
        uri,
        path,
        data,
        config,
        codec,
        version=None,
        generation=generation,
        result_id=f"{generation}:saved:{stat.st_mtime_ns}:{stat.st_size}",
        related_information=related,
        keep=False,
    )


def list_migrations(root: Path, config: Config) -> list[Path]:
    return list(iter_migration_files([root], config))


def warm_up() -> None:
    """Import LibCST before the first quick fix asks for it (~0.2 s the first time)."""
    from ..fixes import calls, imports  # noqa: F401
