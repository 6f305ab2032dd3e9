"""``analyze()``: one entry point shared by the CLI and the language server.

The pipeline for one file:

1. a byte-level prefilter: a file that mentions none of the selected rules'
   trigger words (``RunPython``, ``RunSQL``) cannot hold a finding, and is not
   parsed at all (most schema migrations);
2. one ``ast.parse``; a syntax error becomes a finding with ``code=None``;
3. one shared :class:`MigrationContext`, handed to every selected rule (with the
   project-level view when the caller passes one);
4. ``# noqa`` filtering (ruff's rule for a finding on a line that opens a multi-line
   string: the comment goes where the string ends; see :mod:`.noqa`).

Fixes are not built here. A finding carries ``fix_data``; :func:`fixes_for`
builds the edits (on the affected statement only, see :mod:`..fixes`) when asked.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from .base import Finding, Fix, Position, Range, Rule, RuleSelection
from .context import MigrationContext
from .noqa import NoqaComment, noqa_position, parse_noqa
from .registry import all_rules, get_rule
from .source import SourceDecodeError, SourceFile, decode_source


@dataclass
class Analysis:
    source: SourceFile | None
    findings: list[Finding] = field(default_factory=list)
    #: Findings that a noqa comment suppressed (for ``--add-noqa`` and stats).
    suppressed: list[Finding] = field(default_factory=list)
    #: ``False`` when the prefilter showed that no rule could report.
    parsed: bool = False
    encoding: str = "utf-8"


def selected_rules(selection: RuleSelection | None = None) -> list[Rule]:
    selection = selection or RuleSelection()
    return [rule for code, rule in all_rules().items() if selection.enabled(code)]


def _triggered(rule: Rule, data: bytes) -> bool:
    return not rule.triggers or any(t in data for t in rule.triggers)


def could_report(data: bytes, rules: Iterable[Rule]) -> bool:
    """The byte-level prefilter: can any of ``rules`` report on a file with these bytes?"""
    return any(_triggered(r, data) for r in rules)


def whole_file_finding(message: str) -> Finding:
    """A problem with the file as a whole (unreadable, undecodable), reported at 1:1."""
    start = Position(1, 0)
    return Finding(None, message, Range(start, start))


def _syntax_error_finding(source: SourceFile, exc: SyntaxError) -> Finding:
    line = exc.lineno or 1
    # SyntaxError.offset is 1-based, in code points of the line.
    column = max((exc.offset or 1) - 1, 0)
    column = min(column, len(source.line(line)))
    pos = Position(line, column)
    end = Position(line, max(column, min(len(source.line(line)), (exc.end_offset or 0) - 1)))
    if exc.end_lineno and exc.end_lineno != line:
        end = pos
    from .newer_syntax import newer_syntax  # only for a file that does not parse

    message = newer_syntax(exc.msg, source.line(line)) or f"SyntaxError: {exc.msg}"
    return Finding(None, message, Range(pos, end))


def analyze(
    source: str | bytes,
    path: str | None = None,
    *,
    rules: Iterable[Rule] | None = None,
    project: object | None = None,
) -> Analysis:
    """Analyse one migration file's contents.

    ``source`` may be bytes straight from disk (decoded per PEP 263) or text
    already decoded (an editor buffer). ``path`` is used for relative imports
    and app labels; nothing at that path is imported or executed. ``project`` is a
    project-level view (the migration graph, the historical state) for the rules
    that need one; without it they report only what the file alone shows.
    """
    rules = list(selected_rules() if rules is None else rules)
    encoding = "utf-8"
    if isinstance(source, bytes):
        active = [r for r in rules if _triggered(r, source)]
        if not active:  # before decoding: the cheapest way out
            return Analysis(None)
        try:
            text, encoding = decode_source(source)
        except SourceDecodeError as exc:
            return Analysis(None, [whole_file_finding(str(exc))])
    else:
        text = source
        haystack = text.encode("utf-8", "surrogatepass")
        active = [r for r in rules if _triggered(r, haystack)]
    src = SourceFile(text, path)
    analysis = Analysis(src, encoding=encoding)
    if not active:
        return analysis

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes etc.
            tree = ast.parse(text, filename=path or "<unknown>")
    except SyntaxError as exc:
        analysis.findings.append(_syntax_error_finding(src, exc))
        return analysis
    except (ValueError, RecursionError, MemoryError) as exc:  # e.g. deeply nested code
        analysis.findings.append(whole_file_finding(f"cannot parse file: {exc}"))
        return analysis
    analysis.parsed = True

    ctx = MigrationContext(src, tree, project)
    findings: list[Finding] = []
    try:
        for rule in active:
            findings.extend(rule.check(ctx))
    except RecursionError:
        # ``ast.parse`` accepts expressions nested a thousand levels deep; the rules'
        # recursive descents may not. Nothing half-checked is reported.
        analysis.findings.append(
            whole_file_finding("cannot analyse file: its expressions are nested too deeply")
        )
        return analysis
    findings.sort(key=lambda f: (f.range.start, f.code or ""))

    noqa_cache: dict[tuple[int, int], NoqaComment | None] = {}
    for finding in findings:
        start = finding.range.start
        row, column = noqa_position(src, start.line, start.column)
        if row != start.line:
            finding = replace(finding, noqa_line=row)
        if (row, column) not in noqa_cache:
            noqa_cache[row, column] = parse_noqa(src.line(row), column)
        comment = noqa_cache[row, column]
        if comment is not None and finding.code and comment.suppresses(finding.code):
            analysis.suppressed.append(finding)
        else:
            analysis.findings.append(finding)
    return analysis


def build_fixes(source: SourceFile, finding: Finding) -> list[Fix]:
    """The fixes a rule builds for one finding (edits of the affected statement), not
    yet validated: :func:`fixes_for` is what callers offer."""
    if finding.code is None:
        return []
    rule = get_rule(finding.code)
    return rule.fixes(source, finding) if rule is not None else []


def compiles(text: str, path: str | None = None) -> bool:
    """Does ``text`` compile as a module, as the interpreter would import it?

    ``compile()``, not only ``ast.parse``: the compiler also refuses what the parser
    accepts, such as a ``from __future__`` import after other code, or a name assigned
    before its ``global`` declaration.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes etc.
            compile(text, path or "<unknown>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def fixes_for(source: SourceFile, finding: Finding) -> list[Fix]:
    """The fixes for one finding that leave a file Python compiles, built now.

    A fix whose result does not compile (a bug of ours) is never offered.
    """
    valid = []
    for fix in build_fixes(source, finding):
        try:
            text = source.apply(fix.edits)
        except ValueError:  # overlapping edits: a bug of ours
            continue
        if compiles(text, source.path):
            valid.append(fix)
    return valid
