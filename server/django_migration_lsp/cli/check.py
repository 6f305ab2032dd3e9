"""``django-migration-lsp check``: the same checks as the editor, for CI and pre-commit.

Exit status: 0 no findings, 1 findings (or a ``--diff`` with changes), 2 a
usage, configuration or internal error, or a file that ``--fix`` could not write.
Warnings (a file skipped, no migration files found) go to stderr and leave the
exit status alone, as ruff's do.
"""

from __future__ import annotations

import argparse
import gc
import os
import stat
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TextIO

from .. import __version__
from ..checks.base import (
    Applicability,
    Edit,
    Finding,
    Fix,
    Position,
    Range,
    Rule,
    RuleSelection,
)
from ..checks.engine import (
    analyze,
    compiles,
    selected_rules,
    whole_file_finding,
)
from ..checks.fixing import compiling_subset, first_valid_fixes, fix_all, fixable
from ..checks.noqa import add_codes, noqa_position
from ..checks.registry import all_rules, get_rule
from ..checks.source import SourceFile
from ..config import Config, ConfigError, find_pyproject, iter_migration_paths, load_pyproject
from ..files import SkippedFile, read_source, remove_stale_temporaries, write_atomic
from ..project import checking as project_view
from .parallel import chunked, cpu_count, forks, map_chunks

FORMATS = ("text", "json", "github", "sarif")
#: Each worker process must have at least this many files to read and prefilter, or it
#: costs more than it saves (most files stop at the prefilter, in microseconds).
FILES_PER_WORKER = 200

Codes = tuple[tuple[str, ...], tuple[str, ...]]  # (select, ignore)
#: (path, codes, unsafe fixes, max-file-size): one file to read, prefilter and check.
Task = tuple[str, Codes, bool, int]


class UsageError(Exception):
    pass


class Options:
    """What the run does besides reporting (plain classes here, not dataclasses: fewer
    milliseconds of start-up)."""

    def __init__(
        self,
        fix: bool = False,
        unsafe_fixes: bool | None = None,
        diff: bool = False,
        add_noqa: bool = False,
        select: tuple[str, ...] | None = None,
        ignore: tuple[str, ...] = (),
        build_fixes: bool = False,
    ) -> None:
        self.fix = fix
        self.unsafe_fixes = unsafe_fixes
        self.diff = diff
        self.add_noqa = add_noqa
        self.select = select
        self.ignore = ignore
        self.build_fixes = build_fixes


class FileResult:
    def __init__(self, path: str, skipped: str | None = None) -> None:
        self.path = path
        self.findings: list[Finding] = []
        #: Fixes available for each finding, computed for json/sarif output and counts.
        self.fixes: list[Fix | None] = []
        self.fixed = 0
        self.diff = ""
        self.noqa_added = 0
        self.error: str | None = None  # an internal error (a bug of ours), with traceback
        #: ``--fix`` or ``--add-noqa`` could not write the file: why (it is unchanged).
        self.write_error: str | None = None
        #: Why the file was deliberately not read (a FIFO, too large): a warning.
        self.skipped = skipped
        #: What the project rules could not check (an app nowhere to be found), in words.
        self.notes: list[str] = []


def _codes_arg(value: str) -> tuple[str, ...]:
    codes = tuple(c.strip().upper() for c in value.split(",") if c.strip())
    for code in codes:
        if code != "ALL" and not any(k.startswith(code) for k in all_rules()):
            raise argparse.ArgumentTypeError(f"unknown rule code {code!r}")
    return codes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="django-migration-lsp check",
        description="Find Django migrations that cannot be rolled back.",
        epilog="Exit status: 0 no findings, 1 findings (or changes shown by --diff), "
        "2 a usage, configuration or internal error, or a file --fix could not write.",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: .)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format")
    parser.add_argument("--fix", action="store_true", help="apply safe fixes")
    parser.add_argument(
        "--unsafe-fixes",
        dest="unsafe_fixes",
        action="store_true",
        default=None,
        help="also apply unsafe fixes (with --fix or --diff)",
    )
    parser.add_argument(
        "--no-unsafe-fixes", dest="unsafe_fixes", action="store_false", help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--diff",
        action="store_true",
        help="print the changes --fix (or --add-noqa) would make as a diff; write nothing",
    )
    parser.add_argument("--select", type=_codes_arg, help="rule codes or prefixes to enable")
    parser.add_argument("--ignore", type=_codes_arg, default=(), help="rule codes to disable")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    parser.add_argument(
        "--add-noqa", action="store_true", help="add `# noqa: CODE` to every current finding"
    )
    parser.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply `exclude` and the migration-file rules to files named on the command "
        "line too (what pre-commit needs: it names every changed file)",
    )
    parser.add_argument(
        "--statistics", action="store_true", help="count findings per rule (text or json)"
    )
    parser.add_argument("--explain", metavar="CODE", help="print a rule's documentation")
    parser.add_argument("--list-rules", action="store_true", help="list the rules")
    parser.add_argument(
        "--version", action="version", version=f"django-migration-lsp {__version__}"
    )
    return parser


def check_options(args: argparse.Namespace) -> None:
    """Refuse flags that contradict each other (a usage error, exit 2)."""
    if args.add_noqa and args.fix:
        raise UsageError("--add-noqa and --fix cannot be combined: run one, then the other")
    if args.statistics and (args.diff or args.add_noqa):
        other = "--diff" if args.diff else "--add-noqa"
        raise UsageError(f"--statistics and {other} cannot be combined")
    if args.statistics and args.format not in ("text", "json"):
        raise UsageError(
            f"--statistics prints text or json, not --format {args.format}: "
            "drop one of them, or use --format json"
        )


# -- per-file work (runs in worker processes too) -------------------------------


def check_file(
    path: str,
    data: bytes | None,
    read_error: str | None,
    codes: Codes,
    opts: Options,
    unsafe: bool,
) -> FileResult:
    result = FileResult(path)
    try:
        _check_file(Path(path), data, read_error, _rules(codes), opts, unsafe, result)
    except Exception:  # a bug of ours: report it, never take the run down
        import traceback

        result.error = traceback.format_exc()
    result.notes = project_view.take_notes()
    return result


_RULES: dict[Codes, list[Rule]] = {}
_TRIGGERS: dict[Codes, tuple[bytes, ...] | None] = {}


def _rules(codes: Codes) -> list[Rule]:
    rules = _RULES.get(codes)
    if rules is None:
        rules = _RULES[codes] = selected_rules(RuleSelection(*codes))
    return rules


def _could_report(data: bytes, codes: Codes) -> bool:
    """:func:`~..checks.engine.could_report`, each trigger word looked for once."""
    if codes not in _TRIGGERS:
        rules = _rules(codes)
        words = tuple(dict.fromkeys(t for rule in rules for t in rule.triggers))
        # A rule without triggers looks at every file; no rule at all, at none.
        _TRIGGERS[codes] = None if any(not r.triggers for r in rules) else words
    words = _TRIGGERS[codes]
    return words is None or any(word in data for word in words)


def _check_task(task: Task, opts: Options) -> FileResult | None:
    """Read one file, prefilter it, check it; ``None`` when the prefilter rules it out
    (most schema migrations stop here, having cost a read and a byte search). The bytes
    that the project view already read are not read again."""
    path, codes, unsafe, max_size = task
    read_error: str | None = None
    data: bytes | None = None
    try:
        data = project_view.data_of(path) or read_source(path, max_size)
    except SkippedFile as exc:
        return FileResult(path, skipped=str(exc))
    except OSError as exc:
        read_error = exc.strerror or str(exc)  # check_file reports it
    else:
        if not _could_report(data, codes):
            return None
    return check_file(path, data, read_error, codes, opts, unsafe)


def _check_tasks(
    tasks: Sequence[tuple[int, Task]], opts: Options
) -> tuple[list[tuple[int, FileResult]], bool]:
    """The results worth reporting of some files, each with the file's number, and
    whether unsafe fixes applied to any file that was checked. Runs in worker processes
    too."""
    results: list[tuple[int, FileResult]] = []
    unsafe = False
    # A syntax tree holds thousands of objects and no cycle: freed as soon as a file is
    # done, so the cycle collector would only walk them for nothing (about 5% of the time);
    # it runs again after the chunk.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for number, task in tasks:
            result = _check_task(task, opts)
            if result is None:
                continue
            unsafe = unsafe or (task[2] and result.skipped is None)
            if (
                result.findings
                or result.error
                or result.write_error
                or result.skipped
                or result.diff
                or result.fixed
                or result.noqa_added
                or result.notes
            ):
                results.append((number, result))
    finally:
        if collecting:
            gc.enable()
    return results, unsafe


def _plan(
    tasks: Sequence[Task], groups: Sequence[Sequence[str]]
) -> tuple[list[Sequence[tuple[int, Task]]], int]:
    """The chunks of numbered files for the workers, and how many workers.

    The files that may ask the historical state come first, one chunk per replay that
    answers them (``groups``, the longest replay first): one worker replays it, once,
    while the others take the next chunks. The other files follow in consecutive
    chunks, as many as the files call for."""
    workers = min(cpu_count(), max(len(tasks) // FILES_PER_WORKER, len(groups)))
    numbered = list(enumerate(tasks))
    if not groups:
        return chunked(numbered, workers), workers
    where = {path: g for g, group in enumerate(groups) for path in group}
    grouped: list[list[tuple[int, Task]]] = [[] for _ in groups]
    rest: list[tuple[int, Task]] = []
    for item in numbered:
        g = where.get(item[1][0])
        (rest if g is None else grouped[g]).append(item)
    others = chunked(rest, workers) if rest else []
    return [*grouped, *others], workers


def _parallel(fn, items: Sequence, workers: int, parent_first) -> list:
    """``fn`` over chunks of ``items`` on ``workers`` processes (see :mod:`.parallel`),
    the results concatenated in order: how the project view reads the project's files."""
    found: list = []
    for part in map_chunks(fn, chunked(items, workers), workers, parent_first=parent_first):
        found.extend(part)
    return found


def _rule_sets(tasks: Sequence[Task]) -> dict[Codes, list[Rule]]:
    return {task[1]: _rules(task[1]) for task in tasks}


def _read_for_project(tasks: Sequence[Task]) -> Iterator[tuple[str, bytes | None, Codes]]:
    """The files' bytes, read one by one only as :func:`project_view.build` asks
    (without a rule that needs the project it asks for none; what it read, the workers
    do not read again)."""
    for path, codes, _, max_size in tasks:
        try:
            yield path, read_source(path, max_size), codes
        except (SkippedFile, OSError):
            continue


def _diff(path: Path, old: str, new: str) -> str:
    import difflib

    name = _display(str(path))
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), name, name
        )
    )


def _write(path: Path, text: str, encoding: str, result: FileResult) -> bool:
    """Write ``text``; on failure record why (naming the file) and leave it unchanged."""
    try:
        write_atomic(path, text, encoding)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        result.write_error = f"cannot write {_display(str(path))}: {reason}"
        return False
    return True


def _check_file(
    path: Path,
    data: bytes | None,
    read_error: str | None,
    rules: list[Rule],
    opts: Options,
    unsafe: bool,
    result: FileResult,
) -> None:
    if data is None:  # the read failed (permission denied, gone): a finding, as ruff's E902
        result.findings.append(whole_file_finding(f"cannot read file: {read_error}"))
        result.fixes.append(None)
        return
    project = project_view.current()  # None unless a selected rule needs the project
    analysis = analyze(data, str(path), rules=rules, project=project)
    if analysis.source is None:  # undecodable
        result.findings, result.fixes = analysis.findings, [None for _ in analysis.findings]
        return
    original = analysis.source.text
    encoding = analysis.encoding  # re-analysing fixed text must not lose it

    if (opts.fix or opts.diff) and not opts.add_noqa:
        fixed = fix_all(analysis, rules, unsafe=unsafe, project=project)
        if fixed.text != original:
            # fix_all compiles every pass; never write what Python refuses, whatever happened.
            if not compiles(fixed.text, str(path)):
                raise AssertionError(f"fixes of {path} gave a file that does not compile")
            if opts.diff:
                result.diff = _diff(path, original, fixed.text)
                result.fixed, analysis = len(fixed.applied), fixed.analysis
            elif _write(path, fixed.text, encoding, result):
                result.fixed, analysis = len(fixed.applied), fixed.analysis

    if opts.add_noqa and analysis.findings:
        text, added = _with_noqa(analysis.source, analysis.findings)
        if added:
            if opts.diff:
                result.diff = _diff(path, original, text)
                result.noqa_added = added
            elif _write(path, text, encoding, result):
                result.noqa_added = added
                analysis = analyze(text, str(path), rules=rules, project=project)

    result.findings = analysis.findings
    if opts.build_fixes:  # json shows each fix's edits; text only counts them
        result.fixes = first_valid_fixes(analysis.source, analysis.findings)
    else:
        result.fixes = [None for _ in analysis.findings]


def _with_noqa(source: SourceFile, findings: list[Finding]) -> tuple[str, int]:
    """The text with a ``# noqa: CODE`` for every finding, and how many were added.

    Each goes where the engine looks for it (:func:`~..checks.noqa.noqa_position`: after
    a multi-line string, never inside it). Lines whose comment would not compile (a
    position the tokenizer could not tell) are left alone.
    """
    rows: dict[int, tuple[int, set[str]]] = {}
    for finding in findings:
        if finding.code is None:
            continue
        start = finding.range.start
        row, column = noqa_position(source, start.line, start.column)
        rows.setdefault(row, (column, set()))[1].add(finding.code)
    fixes, counts = [], []
    for row, (column, codes) in sorted(rows.items()):
        line = source.line(row)
        new = add_codes(line, codes, column)
        if new != line:
            edit = _line_replacement(source, row, new)
            fixes.append(Fix("add noqa", Applicability.SAFE, (edit,)))
            counts.append(len(codes))
    kept, text = compiling_subset(source, fixes, list(range(len(fixes))), set())
    return (text, sum(counts[i] for i in kept)) if text is not None else (source.text, 0)


def _line_replacement(source: SourceFile, row: int, new_line: str) -> Edit:
    return Edit(Range(Position(row, 0), Position(row, len(source.line(row)))), new_line)


# -- output --------------------------------------------------------------------


def _display(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _label(finding: Finding) -> str:
    return f"{finding.code} " if finding.code else ""


def _location(pos) -> dict[str, int]:
    return {"row": pos.line, "column": pos.column + 1}


def _json_fix(fix: Fix | None) -> dict | None:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability.value,
        "message": fix.title,
        "edits": [
            {
                "content": e.new_text,
                "location": _location(e.range.start),
                "end_location": _location(e.range.end),
            }
            for e in fix.edits
        ],
    }


def emit_json(results: list[FileResult], out: TextIO) -> None:
    import json

    items = []
    for result in results:
        for finding, fix in zip(result.findings, result.fixes, strict=True):
            items.append(
                {
                    "cell": None,
                    "code": finding.code,
                    "end_location": _location(finding.range.end),
                    "filename": os.path.abspath(result.path),
                    "fix": _json_fix(fix),
                    "location": _location(finding.range.start),
                    "message": finding.message,
                    "noqa_row": finding.noqa_row if finding.code else None,
                    "url": finding.url,
                }
            )
    json.dump(items, out, indent=2, ensure_ascii=False)
    out.write("\n")


def _gh_escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def emit_github(results: list[FileResult], out: TextIO) -> None:
    for result in results:
        path = _display(result.path)
        for f in result.findings:
            s, e = f.range.start, f.range.end
            title = f"django-migration-lsp ({f.code})" if f.code else "django-migration-lsp"
            out.write(
                f"::error title={_gh_escape(title, True)},file={_gh_escape(path, True)},"
                f"line={s.line},col={s.column + 1},endLine={e.line},endColumn={e.column + 1}::"
                f"{_gh_escape(f'{path}:{s.line}:{s.column + 1}: {_label(f)}{f.message}')}\n"
            )


def emit_sarif(results: list[FileResult], out: TextIO) -> None:
    import json

    rules = list(all_rules().values())
    index = {r.code: i for i, r in enumerate(rules)}

    def region(rng) -> dict:
        return {
            "startLine": rng.start.line,
            "startColumn": rng.start.column + 1,
            "endLine": rng.end.line,
            "endColumn": rng.end.column + 1,
        }

    sarif_results = []
    for result in results:
        uri = Path(os.path.abspath(result.path)).as_uri()
        for f in result.findings:
            item = {
                "level": "error",
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri},
                            "region": region(f.range),
                        }
                    }
                ],
            }
            if f.code:
                item["ruleId"] = f.code
                item["ruleIndex"] = index[f.code]
            if f.related:
                item["relatedLocations"] = [
                    {
                        "id": i,
                        "message": {"text": r.message},
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri},
                            "region": region(r.range),
                        },
                    }
                    for i, r in enumerate(f.related)
                ]
            sarif_results.append(item)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "django-migration-lsp",
                        "version": __version__,
                        "informationUri": "https://github.com/django-migration-lsp/django-migration-lsp",
                        "rules": [
                            {
                                "id": r.code,
                                "name": r.name,
                                "shortDescription": {"text": r.summary},
                                "fullDescription": {"text": r.documentation()},
                                "helpUri": f"https://github.com/django-migration-lsp/django-migration-lsp/blob/main/docs/rules/{r.code}.md",
                                "defaultConfiguration": {"level": "error"},
                            }
                            for r in rules
                        ],
                    }
                },
                "results": sarif_results,
            }
        ],
    }
    json.dump(doc, out, indent=2, ensure_ascii=False)
    out.write("\n")


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _hidden_unsafe(results: list[FileResult]) -> int:
    """Findings whose fixes are all unsafe: fixable only with ``--unsafe-fixes``."""
    return sum(
        1
        for r in results
        for f in r.findings
        if fixable(f, unsafe=True) and not fixable(f, unsafe=False)
    )


def statistics(results: list[FileResult], unsafe: bool) -> list[dict]:
    """Findings per rule, most frequent first: ruff's ``--statistics`` rows."""
    counts = Counter(f.code or "syntax-error" for r in results for f in r.findings)
    fixable_codes = {f.code for r in results for f in r.findings if fixable(f, unsafe)}
    rows = []
    for code, n in counts.most_common():
        rule = get_rule(code) if code != "syntax-error" else None
        rows.append(
            {
                "code": code if rule else None,
                "name": rule.name if rule else "syntax-error",
                "count": n,
                "fixable": code in fixable_codes,
            }
        )
    return rows


def emit_statistics(rows: list[dict], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        import json

        json.dump(rows, out, indent=2)
        out.write("\n")
        return
    for row in rows:
        out.write(f"{row['count']:>5}\t{row['code'] or 'syntax-error'}\t{row['name']}\n")


def emit_diff(results: list[FileResult], out: TextIO, err: TextIO, unsafe: bool, opts: Options):
    """``--diff``: the diffs on stdout (nothing else there), the summary on stderr."""
    for result in results:
        out.write(result.diff)
    if opts.add_noqa:
        added = sum(r.noqa_added for r in results)
        err.write(f"Would add {_plural(added, 'noqa directive')}.\n")
        return
    fixed = sum(r.fixed for r in results)
    hidden = 0 if unsafe else _hidden_unsafe(results)
    if fixed:
        line = f"Would fix {_plural(fixed, 'problem')}"
        if hidden:
            line += (
                f" ({_plural(hidden, 'more fix', 'more fixes')} available with `--unsafe-fixes`)"
            )
    else:
        line = "No problems would be fixed"
        if hidden:
            line += f" ({_plural(hidden, 'fix', 'fixes')} available with `--unsafe-fixes`)"
    err.write(line + ".\n")


def emit_text(results: list[FileResult], out: TextIO, unsafe: bool, opts: Options) -> None:
    total = sum(len(r.findings) for r in results)
    fixed = sum(r.fixed for r in results)
    for result in results:
        path = _display(result.path)
        for f in result.findings:
            s = f.range.start
            out.write(f"{path}:{s.line}:{s.column + 1}: {_label(f)}{f.message}\n")
    if opts.add_noqa:
        added = sum(r.noqa_added for r in results)
        out.write(f"Added {_plural(added, 'noqa directive')}.\n")
        return
    if total or fixed:
        summary = f"Found {_plural(total + fixed, 'problem')}"
        if fixed:
            summary += f" ({fixed} fixed, {total} remaining)"
        out.write(summary + ".\n")
        hidden = _hidden_unsafe(results)
        if hidden and not unsafe:
            out.write(
                f"{_plural(hidden, 'fix', 'fixes')} available with "
                "`--fix --unsafe-fixes` (they change behaviour: review them).\n"
            )
    elif not any(r.write_error for r in results):
        out.write("All checks passed!\n")


# -- main ----------------------------------------------------------------------


def _config_for(path: Path, cache: dict[Path | None, Config]) -> Config:
    pyproject = find_pyproject(path.resolve())
    if pyproject not in cache:
        if pyproject is None:
            cache[None] = Config(root=Path.cwd())
        else:
            cache[pyproject] = load_pyproject(pyproject)
    return cache[pyproject]


def explain(rule: Rule) -> str:
    """``--explain``: the rule's documentation, as ``ruff rule`` prints it (no banner of
    the generated page, no examples from the test suite)."""
    applicability = rule.fix_applicability
    fix = "none" if applicability is None else applicability.value
    if applicability is Applicability.UNSAFE:
        fix += " (applied with `--unsafe-fixes`)"
    return (
        f"# {rule.name} ({rule.code})\n\n{rule.summary}.\n\n**Fix:** {fix}\n\n"
        f"{rule.documentation()}\n"
    )


def _check_path(path: Path) -> None:
    """A path named on the command line must exist and, for a folder, be searchable."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file or folder") from None
    except OSError as exc:
        raise UsageError(f"cannot access {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        try:
            with os.scandir(path):
                pass
            os.stat(os.path.join(path, os.curdir))  # search (x) permission
        except OSError as exc:
            raise UsageError(f"cannot read folder {path}: {exc.strerror or exc}") from None


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.explain:
        rule = get_rule(args.explain)
        if rule is None:
            raise UsageError(f"unknown rule code {args.explain!r}")
        out.write(explain(rule))
        return 0
    if args.list_rules:
        for rule in all_rules().values():
            out.write(f"{rule.code}\t{rule.name}\t{rule.summary}\n")
        return 0
    check_options(args)

    opts = Options(
        fix=args.fix,
        unsafe_fixes=args.unsafe_fixes,
        diff=args.diff,
        add_noqa=args.add_noqa,
        select=args.select,
        ignore=args.ignore,
        build_fixes=args.format == "json" and not args.statistics and not args.diff,
    )
    paths = args.paths or [Path(".")]
    for path in paths:
        _check_path(path)

    configs: dict[Path | None, Config] = {}
    tasks: list[Task] = []
    found = 0
    folders: set[str] = set()
    writing = args.fix or args.add_noqa
    for path in paths:
        config = _config_for(path, configs)
        unsafe = config.unsafe_fixes if args.unsafe_fixes is None else args.unsafe_fixes
        per_file = bool(config.per_file_ignores)
        selection = config.selection_for(None)
        select = args.select if args.select is not None else selection.select
        codes: Codes = (select, (*selection.ignore, *args.ignore))
        for file in iter_migration_paths([path], config):
            if args.force_exclude and not config.is_migration(Path(file)):
                continue  # pre-commit names every changed file: keep the migrations
            found += 1
            if writing:
                folders.add(os.path.dirname(file))
            if per_file:
                selection = config.selection_for(Path(file))
                codes = (select, (*selection.ignore, *args.ignore))
            tasks.append((file, codes, unsafe, config.max_file_size))
    for config in configs.values():  # folders the walk had to skip: say so, as ruff does
        for folder, reason in config.discovery.take_unreadable():
            err.write(f"warning: cannot read folder {_display(folder)}: {reason}; skipped\n")
    if not found:
        where = ", ".join(str(p) for p in paths)
        err.write(f"warning: no migration files found under {where}\n")
    if writing:  # writing runs: clear what an interrupted one left
        for folder in sorted(folders):
            for stale in remove_stale_temporaries(Path(folder)):
                err.write(f"warning: removed {_display(str(stale))}, left by an interrupted run\n")

    # The project view (the graph, the historical state), built once before the workers
    # start (they inherit it), and only when a selected rule needs it for some file.
    view = project_view.build(
        paths,
        _read_for_project(tasks),
        _rule_sets(tasks),
        parallel=_parallel,
        workers=cpu_count(),
        share=forks(),
    )
    project = view.project if view is not None else None
    project_view.install(project)

    # Reading, the prefilter and the checks run in worker processes (see .parallel).
    chunks, workers = _plan(tasks, view.groups if view is not None else [])
    numbered: list[tuple[int, FileResult]] = []
    any_unsafe = False
    for chunk_results, chunk_unsafe in map_chunks(
        partial(_check_tasks, opts=opts),
        chunks,
        workers,
        initializer=project_view.install,
        initargs=(project,),
    ):
        numbered.extend(chunk_results)
        any_unsafe = any_unsafe or chunk_unsafe
    numbered.sort(key=lambda item: item[0])  # the files' order, whichever worker had them
    results = [result for _, result in numbered]
    for r in results:
        if r.skipped:
            err.write(f"warning: skipped {_display(r.path)}: {r.skipped}\n")
    results = [r for r in results if not r.skipped]
    for note in sorted({n for r in results for n in r.notes}):
        err.write(f"note: {note}\n")

    errors = [r for r in results if r.error]
    for r in errors:
        err.write(f"error: internal error while checking {r.path} (please report this):\n{r.error}")
    results = [r for r in results if not r.error]
    write_errors = [r for r in results if r.write_error]
    for r in write_errors:
        err.write(f"error: {r.write_error}; its fixes were not applied\n")

    if args.diff:
        emit_diff(results, out, err, any_unsafe, opts)
    elif args.statistics:
        emit_statistics(statistics(results, any_unsafe), args.format, out)
    elif args.format == "json":
        emit_json(results, out)
    elif args.format == "github":
        emit_github(results, out)
    elif args.format == "sarif":
        emit_sarif(results, out)
    else:
        emit_text(results, out, any_unsafe, opts)

    if errors or write_errors:
        return 2
    if args.diff:
        return 1 if any(r.diff for r in results) else 0
    if args.exit_zero or args.add_noqa:
        return 0
    return 1 if any(r.findings for r in results) else 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "check":
        argv = argv[1:]
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    try:
        return run(args, sys.stdout, sys.stderr)
    except (UsageError, ConfigError) as exc:
        sys.stderr.write(f"django-migration-lsp: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `check | head`
        return 1
