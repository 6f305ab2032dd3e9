"""Code actions: quick fixes, "Disable for this line" and ``source.fixAll``.

A quick fix is rebuilt from its diagnostic (code, message, range and ``fix_data`` travel
in ``Diagnostic.data``) and the document's current text: no analysis. The core builds the
edits (LibCST, on the affected statement only) when asked, here.

``source.fixAll`` is the core's :func:`~django_migration_lsp.checks.fixing.fix_all`
(shared with ``check --fix``): fixes one at a time, the text analysed again between two;
unsafe ones only with ``unsafeFixes``; a fix whose result does not parse is refused, like
jedi-language-server refuses edits that produce invalid Python.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lsprotocol import types

from ..checks import Applicability, Edit, Finding, Range, fixes_for
from ..checks.base import range_from_data
from ..checks.noqa import noqa_edit
from ..checks.registry import get_rule
from ..checks.source import SourceFile, minimal_edit
from .convert import SOURCE, Codec, text_edits, workspace_edit

QUICK_FIX = types.CodeActionKind.QuickFix.value
FIX_ALL = types.CodeActionKind.SourceFixAll.value
FIX_ALL_OURS = f"{FIX_ALL}.{SOURCE}"
KINDS = [types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll, FIX_ALL_OURS]
FIX_ALL_TITLE = f"{SOURCE}: Fix all auto-fixable problems"


def wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Does ``context.only`` ask for actions of ``kind``? (``source`` covers ``source.fixAll``.)"""
    if not only:
        return True
    return any(kind == k or kind.startswith(f"{k}.") for k in only)


@dataclass(frozen=True)
class Target:
    """The document code actions edit, at the version they were computed for."""

    uri: str
    version: int | None
    source: SourceFile
    codec: Codec
    document_changes: bool

    def edit(self, edits: Iterable[Edit]) -> types.WorkspaceEdit:
        return workspace_edit(
            self.uri,
            self.version,
            text_edits(self.source, edits, self.codec),
            document_changes=self.document_changes,
        )


@dataclass(frozen=True)
class DiagnosticFinding:
    """A finding rebuilt from a diagnostic's ``data``."""

    finding: Finding
    noqa_row: int
    version: int | None


def from_diagnostic(diagnostic: types.Diagnostic) -> DiagnosticFinding | None:
    """The finding behind one of our diagnostics; ``None`` for anything else."""
    if diagnostic.source != SOURCE or not isinstance(diagnostic.data, Mapping):
        return None
    data: Mapping[str, Any] = diagnostic.data
    code, rng, fix = data.get("code"), data.get("range"), data.get("fix")
    if not isinstance(code, str) or get_rule(code) is None:
        return None
    if not (isinstance(rng, list) and len(rng) == 4 and all(isinstance(n, int) for n in rng)):
        return None
    if fix is not None and not isinstance(fix, Mapping):
        return None
    noqa_row = data.get("noqa_row")
    version = data.get("version")
    finding = Finding(code, diagnostic.message, range_from_data(rng), fix_data=fix)
    return DiagnosticFinding(
        finding,
        noqa_row if isinstance(noqa_row, int) else finding.noqa_row,
        version if isinstance(version, int) else None,
    )


def match_finding(
    diagnostic: types.Diagnostic, findings: Iterable[Finding], target: Target
) -> DiagnosticFinding | None:
    """For a client without ``dataSupport``: the current finding our diagnostic shows,
    found by source, code and range."""
    if diagnostic.source != SOURCE or diagnostic.data is not None:
        return None
    for finding in findings:
        if finding.code == diagnostic.code and (
            target.codec.range(target.source, finding.range) == diagnostic.range
        ):
            return DiagnosticFinding(finding, finding.noqa_row, target.version)
    return None


def quick_fixes(
    target: Target, diagnostic: types.Diagnostic, found: DiagnosticFinding
) -> list[types.CodeAction]:
    """The finding's fixes, titled ``CODE: <fix title>``, then "CODE: Disable for this line"."""
    finding = found.finding
    code = finding.code or ""
    actions = []
    for index, fix in enumerate(fixes_for(target.source, finding)):
        actions.append(
            types.CodeAction(
                title=f"{code}: {fix.title}",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                edit=target.edit(fix.edits),
                is_preferred=True
                if index == 0 and fix.applicability is Applicability.SAFE
                else None,
            )
        )
    noqa = noqa_edit(target.source, found.noqa_row, code)
    if noqa is not None:
        actions.append(
            types.CodeAction(
                title=f"{code}: Disable for this line",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                edit=target.edit([noqa]),
            )
        )
    return actions


def _split_lines(source: SourceFile) -> list[str]:
    starts = source.line_starts
    text = source.text
    lines = [text[a:b] for a, b in zip(starts, starts[1:], strict=False)]
    if starts[-1] < len(text):
        lines.append(text[starts[-1] :])
    return lines


def diff_edits(old: SourceFile, new_text: str) -> list[Edit]:
    """Small edits that turn ``old`` into ``new_text``: changed line blocks, each trimmed
    to the characters that differ, so the editor keeps cursor and folds elsewhere."""
    new = SourceFile(new_text)
    a, b = _split_lines(old), _split_lines(new)
    starts = [*old.line_starts[: len(a)], len(old.text)]
    edits = []
    # autojunk (difflib's default) keeps this fast on migrations full of repeated lines
    # (0.4 s -> 2 ms on a 6,000-line one); it may only make an edit larger, never wrong.
    matcher = difflib.SequenceMatcher(None, a, b)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        # Lines changed one for one (an argument added to each of two calls): one edit
        # per line; otherwise one for the block.
        pairs = (
            [(i, i + 1, j, j + 1) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)]
            if tag == "replace" and i2 - i1 == j2 - j1
            else [(i1, i2, j1, j2)]
        )
        for a1, a2, b1, b2 in pairs:
            rng = Range(old.position_at(starts[a1]), old.position_at(starts[a2]))
            edits.append(minimal_edit(old, rng, "".join(b[b1:b2])))
    return edits
