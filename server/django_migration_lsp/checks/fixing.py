"""Applying every allowed fix to a file: ``check --fix`` and the editor's ``source.fixAll``.

Ruff's loop: each pass applies every allowed fix whose edits do not overlap the edits of
a fix already taken in that pass, then analyses the text again; a fix left out for an
overlap waits for the next pass. Safe fixes always; unsafe ones only when asked.

Nothing that does not compile is ever applied: the text after a pass must pass
``compile()``; when it does not, the pass's fixes are bisected to find the ones that
fail on their own (those are dropped, never retried), so that a file with thousands of
fixes costs a handful of compiles rather than one per fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .base import Applicability, Finding, Fix, Rule
from .engine import Analysis, analyze, build_fixes, compiles
from .registry import get_rule
from .source import SourceFile

#: Upper bound on fix-and-analyse passes for one file.
MAX_PASSES = 100


def fix_allowed(applicability: Applicability | None, unsafe: bool) -> bool:
    """May a fix of this applicability be applied without asking?"""
    return applicability is Applicability.SAFE or (unsafe and applicability is Applicability.UNSAFE)


def fixable(finding: Finding, unsafe: bool) -> bool:
    """Would :func:`fix_all` try this finding? Decided without building its fixes."""
    rule: Rule | None = get_rule(finding.code) if finding.code else None
    return (
        rule is not None
        and finding.fix_data is not None
        and fix_allowed(rule.finding_applicability(finding), unsafe)
    )


def _span(source: SourceFile, fix: Fix) -> tuple[int, int]:
    starts = [source.offset(e.range.start) for e in fix.edits]
    ends = [source.offset(e.range.end) for e in fix.edits]
    return min(starts), max(ends)


def layers(source: SourceFile, fixes: Sequence[Fix]) -> list[list[int]]:
    """Indices of ``fixes`` in groups whose edits never overlap or touch.

    Greedy, in the order of the fixes' first edits: each fix joins the first group
    whose last fix ends before it starts.
    """
    spans = [_span(source, fix) for fix in fixes]
    groups: list[list[int]] = []
    ends: list[int] = []
    for index in sorted(range(len(fixes)), key=lambda i: spans[i]):
        start, end = spans[index]
        for g, last in enumerate(ends):
            if last < start:
                groups[g].append(index)
                ends[g] = end
                break
        else:
            groups.append([index])
            ends.append(end)
    return groups


def compiling_subset(
    source: SourceFile, fixes: Sequence[Fix], indices: list[int], failed: set[int]
) -> tuple[list[int], str | None]:
    """The largest part of ``indices`` (non-overlapping fixes) found to compile together.

    One compile when all of them do; otherwise halves, recursively. A fix that fails on
    its own goes into ``failed``. Returns the indices kept and the text they give.
    """
    if not indices:
        return [], None
    try:
        text = source.apply(e for i in indices for e in fixes[i].edits)
    except ValueError:  # overlapping edits inside one fix: a bug of ours
        text = None
    if text is not None and compiles(text, source.path):
        return indices, text
    if len(indices) == 1:
        failed.add(indices[0])
        return [], None
    middle = len(indices) // 2
    left, left_text = compiling_subset(source, fixes, indices[:middle], failed)
    right, right_text = compiling_subset(source, fixes, indices[middle:], failed)
    if not left or not right:
        return (left, left_text) if left else (right, right_text)
    both = left + right
    text = source.apply(e for i in both for e in fixes[i].edits)
    if compiles(text, source.path):
        return both, text
    return left, left_text  # they clash with each other: the right half waits


def first_valid_fixes(source: SourceFile, findings: Sequence[Finding]) -> list[Fix | None]:
    """For each finding, its first fix whose result compiles (``None`` if none does).

    What ``--format json`` shows. Checked in batches: the first fixes of all findings,
    layered so that no two in a layer overlap, are compiled a layer at a time.
    """
    options = [build_fixes(source, f) for f in findings]
    chosen: list[Fix | None] = [None] * len(findings)
    tried = [0] * len(findings)
    while True:
        pending = [
            i for i, fixes in enumerate(options) if chosen[i] is None and tried[i] < len(fixes)
        ]
        if not pending:
            return chosen
        candidates = [options[i][tried[i]] for i in pending]
        for layer in layers(source, candidates):
            failed: set[int] = set()
            ok, _ = compiling_subset(source, candidates, layer, failed)
            for k in ok:
                chosen[pending[k]] = candidates[k]
            # A fix that failed on its own is replaced by the finding's next fix; one
            # that only clashed with others is tried again alone.
            for k in layer:
                if k in failed:
                    tried[pending[k]] += 1
                elif k not in ok:
                    fix = candidates[k]
                    single = source.apply(fix.edits)
                    if compiles(single, source.path):
                        chosen[pending[k]] = fix
                    else:
                        tried[pending[k]] += 1


@dataclass
class FixAll:
    text: str
    #: The analysis of :attr:`text`: what is left to report.
    analysis: Analysis
    #: ``"CODE: title"`` of each fix applied, in order.
    applied: list[str] = field(default_factory=list)


def fix_all(
    analysis: Analysis,
    rules: Sequence[Rule],
    *,
    unsafe: bool,
    max_passes: int = MAX_PASSES,
    project: object | None = None,
) -> FixAll:
    """Apply the allowed fixes of ``analysis``, in passes, analysing again after each.

    A file that does not parse is left alone; a fix whose result does not compile is
    skipped. Stops when a pass finds nothing left to apply: running it again on its
    result changes nothing. ``project`` is the project view the analysis had: each pass
    sees the file's new text in it too (``with_source``), so that a fix of
    ``dependencies`` counts.
    """
    source = analysis.source
    if source is None:
        return FixAll("", analysis)
    result = FixAll(source.text, analysis)
    skipped: set[tuple[str | None, str]] = set()
    for _ in range(max_passes):
        current = result.analysis
        if current.source is None or any(f.code is None for f in current.findings):
            break
        fixes: list[Fix] = []
        keys: list[tuple[str | None, str]] = []
        for finding in current.findings:
            key = (finding.code, finding.message)
            if key in skipped or not fixable(finding, unsafe):
                continue
            allowed = [
                f
                for f in build_fixes(current.source, finding)
                if fix_allowed(f.applicability, unsafe)
            ]
            if not allowed:
                skipped.add(key)
                continue
            fixes.append(allowed[0])
            keys.append(key)
        if not fixes:
            break
        # The first layer: the fixes that fit together in this pass.
        failed: set[int] = set()
        taken, text = compiling_subset(
            current.source, fixes, layers(current.source, fixes)[0], failed
        )
        skipped.update(keys[i] for i in failed)
        if text is None:
            continue  # each one failed on its own: the next pass tries what is left
        if text == result.text:  # fixes that change nothing: never again
            skipped.update(keys[i] for i in taken)
            continue
        view = _with_source(project, source.path, text)
        after = analyze(text, source.path, rules=rules, project=view)
        if any(f.code is None for f in after.findings):  # cannot happen after compile()
            skipped.update(keys[i] for i in taken)
            continue
        result.text, result.analysis, project = text, after, view
        result.applied.extend(f"{keys[i][0]}: {fixes[i].title}" for i in sorted(taken))
    return result


def _with_source(project: object | None, path: str | None, text: str) -> object | None:
    """The project as it is once the file at ``path`` has ``text``."""
    update = getattr(project, "with_source", None)
    return update(path, text) if update is not None and path else project
