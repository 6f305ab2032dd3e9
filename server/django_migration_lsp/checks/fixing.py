"""Applying every allowed fix to a file: ``check --fix`` and the editor's ``source.fixAll``.

Fixes are applied one at a time and the text is analysed again between two, so
the edits of two fixes never overlap (ruff's loop). Safe fixes always; unsafe ones
only when asked. A fix whose result does not parse is skipped, never applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .base import Applicability, Finding, Rule
from .engine import Analysis, analyze, fixes_for
from .registry import get_rule

#: Upper bound on fix-and-analyse passes for one file.
MAX_PASSES = 100


def fix_allowed(applicability: Applicability | None, unsafe: bool) -> bool:
    """May a fix of this applicability be applied without asking?"""
    return applicability is Applicability.SAFE or (unsafe and applicability is not None)


def fixable(finding: Finding, unsafe: bool) -> bool:
    """Would :func:`fix_all` try this finding? Decided without building its fixes."""
    rule: Rule | None = get_rule(finding.code) if finding.code else None
    return (
        rule is not None
        and finding.fix_data is not None
        and fix_allowed(rule.fix_applicability, unsafe)
    )


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
    """Apply the allowed fixes of ``analysis`` one at a time, analysing again after each.

    A file that does not parse is left alone; a fix whose result does not parse is skipped.
    ``project`` is the project view the analysis had: each pass sees the file's new text in
    it too (``with_source``), so that a fix of ``dependencies`` counts.
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
        for finding in current.findings:
            key = (finding.code, finding.message)
            if key in skipped or not fixable(finding, unsafe):
                continue
            fixes = [
                f
                for f in fixes_for(current.source, finding)
                if fix_allowed(f.applicability, unsafe)
            ]
            if not fixes:
                skipped.add(key)
                continue
            try:
                new_text = current.source.apply(fixes[0].edits)
            except ValueError:  # overlapping edits inside one fix
                skipped.add(key)
                continue
            view = _with_source(project, source.path, new_text)
            after = analyze(new_text, source.path, rules=rules, project=view)
            if new_text == result.text or any(f.code is None for f in after.findings):
                skipped.add(key)
                continue
            result.text, result.analysis, project = new_text, after, view
            result.applied.append(f"{finding.code}: {fixes[0].title}")
            break
        else:
            break
    return result


def _with_source(project: object | None, path: str | None, text: str) -> object | None:
    """The project as it is once the file at ``path`` has ``text``."""
    update = getattr(project, "with_source", None)
    return update(path, text) if update is not None and path else project
