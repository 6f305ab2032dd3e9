"""``django-migration-lsp check``: the same checks as the editor, for CI and pre-commit.

Exit status: 0 no findings, 1 findings (or a ``--diff`` with changes), 2 a
usage, configuration or internal error.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .. import __version__
from ..checks.base import Edit, Finding, Fix, Position, Range, Rule, RuleSelection
from ..checks.engine import (
    analyze,
    could_report,
    fixes_for,
    selected_rules,
    whole_file_finding,
)
from ..checks.fixing import fix_all, fixable
from ..checks.noqa import noqa_edit
from ..checks.registry import all_rules, get_rule
from ..checks.source import SourceFile
from ..config import Config, ConfigError, find_pyproject, iter_migration_files, load_pyproject
from ..files import write_atomic
from ..project import checking as project_view

FORMATS = ("text", "json", "github", "sarif")
#: Below this many files to analyse, worker processes cost more than they save.
PARALLEL_THRESHOLD = 32

Codes = tuple[tuple[str, ...], tuple[str, ...]]  # (select, ignore)
#: (path, its bytes as read for the prefilter or None if unreadable, codes, unsafe fixes)
Job = tuple[str, bytes | None, Codes, bool]


class UsageError(Exception):
    pass


@dataclass
class Options:
    fix: bool = False
    unsafe_fixes: bool | None = None
    diff: bool = False
    add_noqa: bool = False
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    build_fixes: bool = False


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    #: Fixes available for each finding, computed for json/sarif output and counts.
    fixes: list[list[Fix]] = field(default_factory=list)
    fixed: int = 0
    diff: str = ""
    noqa_added: int = 0
    error: str | None = None  # an internal error (a bug of ours), with traceback
    notes: list[str] = field(default_factory=list)  # what the project rules could not check


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
    parser.add_argument("--diff", action="store_true", help="print fixes as a diff, write nothing")
    parser.add_argument("--select", type=_codes_arg, help="rule codes or prefixes to enable")
    parser.add_argument("--ignore", type=_codes_arg, default=(), help="rule codes to disable")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    parser.add_argument(
        "--add-noqa", action="store_true", help="add `# noqa: CODE` to every current finding"
    )
    parser.add_argument("--statistics", action="store_true", help="count findings per rule")
    parser.add_argument("--explain", metavar="CODE", help="print a rule's documentation")
    parser.add_argument("--list-rules", action="store_true", help="list the rules")
    parser.add_argument(
        "--version", action="version", version=f"django-migration-lsp {__version__}"
    )
    return parser


# -- per-file work (runs in worker processes too) -------------------------------


def check_file(
    path: str, data: bytes | None, codes: Codes, opts: Options, unsafe: bool
) -> FileResult:
    result = FileResult(path)
    try:
        _check_file(Path(path), data, RuleSelection(*codes), opts, unsafe, result)
    except Exception:  # a bug of ours: report it, never take the run down
        import traceback

        result.error = traceback.format_exc()
    result.notes = project_view.take_notes()
    return result


def _check_job(job: Job, opts: Options) -> FileResult:
    path, data, codes, unsafe = job
    return check_file(path, data, codes, opts, unsafe)


def _check_file(
    path: Path,
    data: bytes | None,
    selection: RuleSelection,
    opts: Options,
    unsafe: bool,
    result: FileResult,
) -> None:
    rules = selected_rules(selection)
    if data is None:  # the first read failed: read again for the reason
        try:
            data = path.read_bytes()
        except OSError as exc:
            result.findings.append(whole_file_finding(f"cannot read file: {exc.strerror or exc}"))
            result.fixes.append([])
            return
    project = project_view.current()
    analysis = analyze(data, str(path), rules=rules, project=project)
    if analysis.source is None:  # undecodable
        result.findings, result.fixes = analysis.findings, [[] for _ in analysis.findings]
        return
    original = analysis.source.text
    encoding = analysis.encoding  # re-analysing fixed text must not lose it
    text = original

    if opts.fix or opts.diff:
        fixed = fix_all(analysis, rules, unsafe=unsafe, project=project)
        text, analysis, result.fixed = fixed.text, fixed.analysis, len(fixed.applied)
        if text != original:
            ast.parse(text)  # never write invalid Python, whatever went wrong above
            if opts.diff:
                import difflib

                result.diff = "".join(
                    difflib.unified_diff(
                        original.splitlines(keepends=True),
                        text.splitlines(keepends=True),
                        str(path),
                        str(path),
                    )
                )
            else:
                write_atomic(path, text, encoding)

    if opts.add_noqa and analysis.findings:
        edits = []
        lines_done: dict[int, set[str]] = {}
        for finding in analysis.findings:
            if finding.code is None:
                continue
            codes = lines_done.setdefault(finding.noqa_row, set())
            codes.add(finding.code)
        for row, codes in lines_done.items():
            line = analysis.source.line(row)
            if line.rstrip().endswith("\\"):
                continue  # a comment would break the line continuation
            current = SourceFile(line)
            for code in sorted(codes):
                edit = noqa_edit(current, 1, code)
                if edit is not None:
                    current = SourceFile(current.apply([edit]))
            if current.text != line:
                edits.append(_line_replacement(analysis.source, row, current.text))
                result.noqa_added += len(codes)
        if edits:
            text = analysis.source.apply(edits)
            ast.parse(text)
            write_atomic(path, text, encoding)
            analysis = analyze(text, str(path), rules=rules, project=project)

    result.findings = analysis.findings
    if opts.build_fixes:  # json shows each fix's edits; text only counts them
        result.fixes = [fixes_for(analysis.source, f) for f in analysis.findings]
    else:
        result.fixes = [[] for _ in analysis.findings]


def _line_replacement(source: SourceFile, row: int, new_line: str):
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


def _json_fix(fixes: list[Fix]) -> dict | None:
    if not fixes:
        return None
    fix = fixes[0]
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
        for finding, fixes in zip(result.findings, result.fixes, strict=True):
            items.append(
                {
                    "cell": None,
                    "code": finding.code,
                    "end_location": _location(finding.range.end),
                    "filename": os.path.abspath(result.path),
                    "fix": _json_fix(fixes),
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


def emit_text(
    results: list[FileResult], out: TextIO, unsafe: bool, opts: Options, statistics: bool
) -> None:
    total = sum(len(r.findings) for r in results)
    fixed = sum(r.fixed for r in results)
    if statistics:
        counts = Counter(f.code or "syntax-error" for r in results for f in r.findings)
        for code, n in counts.most_common():
            rule = get_rule(code) if code != "syntax-error" else None
            out.write(f"{n:>5}\t{code}\t{rule.name if rule else ''}\n")
        return
    for result in results:
        if result.diff:
            out.write(result.diff)
        if opts.diff:
            continue
        path = _display(result.path)
        for f in result.findings:
            s = f.range.start
            out.write(f"{path}:{s.line}:{s.column + 1}: {_label(f)}{f.message}\n")
    if opts.diff:
        return
    added = sum(r.noqa_added for r in results)
    if opts.add_noqa:
        out.write(f"Added {added} noqa directive{'s' if added != 1 else ''}.\n")
        return
    if total or fixed:
        summary = f"Found {total + fixed} problem{'s' if total + fixed != 1 else ''}"
        if fixed:
            summary += f" ({fixed} fixed, {total} remaining)"
        out.write(summary + ".\n")
        unsafe_only = sum(
            1
            for r in results
            for f in r.findings
            if fixable(f, unsafe=True) and not fixable(f, unsafe=False)
        )
        if unsafe_only and not unsafe:
            out.write(
                f"{unsafe_only} fix{'es' if unsafe_only != 1 else ''} available with "
                "`--fix --unsafe-fixes` (they change behaviour: review them).\n"
            )
    else:
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


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.explain:
        from ..docs import render_rule

        rule = get_rule(args.explain)
        if rule is None:
            raise UsageError(f"unknown rule code {args.explain!r}")
        out.write(render_rule(rule))
        return 0
    if args.list_rules:
        for rule in all_rules().values():
            out.write(f"{rule.code}\t{rule.name}\t{rule.summary}\n")
        return 0

    opts = Options(
        fix=args.fix,
        unsafe_fixes=args.unsafe_fixes,
        diff=args.diff,
        add_noqa=args.add_noqa,
        select=args.select,
        ignore=args.ignore,
        build_fixes=args.format == "json",
    )
    paths = args.paths or [Path(".")]
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")

    configs: dict[Path | None, Config] = {}
    rule_cache: dict[Codes, list[Rule]] = {}
    jobs: list[Job] = []
    for path in paths:
        config = _config_for(path, configs)
        unsafe = config.unsafe_fixes if args.unsafe_fixes is None else args.unsafe_fixes
        for file in iter_migration_files([path], config):
            selection = config.selection_for(file)
            select = args.select if args.select is not None else selection.select
            ignore = (*selection.ignore, *args.ignore)
            codes = (select, ignore)
            # The prefilter runs here, on bytes read once: most schema migrations
            # stop at this line and never reach a worker.
            data: bytes | None
            try:
                data = file.read_bytes()
            except OSError:
                data = None  # unreadable: check_file reports why
            else:
                if codes not in rule_cache:
                    rule_cache[codes] = selected_rules(RuleSelection(*codes))
                if not could_report(data, rule_cache[codes]):
                    continue
            jobs.append((str(file), data, codes, unsafe))

    project = project_view.build(paths, jobs, rule_cache)  # None unless a rule needs it
    project_view.install(project)
    workers = min(os.cpu_count() or 1, 8)
    if len(jobs) >= PARALLEL_THRESHOLD and workers > 1:
        from concurrent.futures import ProcessPoolExecutor
        from functools import partial

        init = {"initializer": project_view.install, "initargs": (project,)} if project else {}
        with ProcessPoolExecutor(max_workers=workers, **init) as pool:
            chunk = max(1, len(jobs) // (workers * 4))
            results = list(pool.map(partial(_check_job, opts=opts), jobs, chunksize=chunk))
    else:
        results = [_check_job(job, opts) for job in jobs]

    for note in sorted({n for r in results for n in r.notes}):
        err.write(f"note: {note}\n")
    errors = [r for r in results if r.error]
    for r in errors:
        err.write(f"error: internal error while checking {r.path} (please report this):\n{r.error}")
    results = [r for r in results if not r.error]

    any_unsafe = any(job[3] for job in jobs)
    if args.format == "json":
        emit_json(results, out)
    elif args.format == "github":
        emit_github(results, out)
    elif args.format == "sarif":
        emit_sarif(results, out)
    else:
        emit_text(results, out, any_unsafe, opts, args.statistics)

    if errors:
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
