"""How fast is ``django-migration-lsp check`` on real migrations, next to ruff and ``ast``?

    python benchmarks/bench_check.py              # 5 runs of each command, 20 repeats per file
    python benchmarks/bench_check.py --runs 9 --repeats 50

On the corpus of ``benchmarks/corpus.py`` (downloaded on first use), it prints:

1. the corpus: files and lines;
2. whole corpus, in subprocesses (the wall time a user waits, interpreter start-up
   included; median of ``--runs``): our CLI ``--format json`` (what the brief
   compares), our CLI ``--format text`` (no fixes built, so no LibCST import), and
   ``ruff check --select E,F`` on the same files (an explicit file list, ``--isolated``
   so that no pyproject.toml or .gitignore changes the set), and the ratios;
3. whole corpus, in this process: ``analyze()`` and ``ast.parse`` summed over files;
4. single files (median of ``--repeats``): ``analyze()``, ``ast.parse`` and
   ``libcst.parse_module`` of the largest corpus file, of that file with the prefilter
   defeated (a ``# RunPython`` comment appended, so that the rules run), and of the
   largest file that the rules really parse.

Figures only: there are no pass/fail thresholds.
"""

from __future__ import annotations

import argparse
import ast
import gc
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import ensure_corpus, migration_files  # noqa: E402
from django_migration_lsp.checks import analyze  # noqa: E402
from django_migration_lsp.checks.engine import selected_rules  # noqa: E402
from django_migration_lsp.config import Config, iter_migration_files  # noqa: E402


def race(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds of each function, run in turns (a, b, c, a, b, c, ...).

    Taking turns puts every contender under the same load when the machine is
    busy with something else, so the ratios stay meaningful; one warm-up round first.
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    for round_ in range(repeats + 1):
        for name, fn in fns.items():
            gc.collect()  # the same heap for every run: less noise, GC still on
            start = time.perf_counter()
            fn()
            if round_:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def run_command(cmd: Sequence[str]) -> Callable[[], None]:
    def run() -> None:
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            raise SystemExit(f"{cmd[:4]}... exited {proc.returncode}:\n{proc.stderr.decode()}")

    return run


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def count_lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


def quiet_parse(text: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning: invalid escape sequences
        return ast.parse(text)


def single_file(label: str, path: Path, text: str, repeats: int) -> None:
    import libcst

    data = text.encode("utf-8")
    parsed = analyze(data, str(path)).parsed
    t = race(
        {"analyze": lambda: analyze(data, str(path)), "ast": lambda: quiet_parse(text)}, repeats
    )
    t_analyze, t_ast = t["analyze"], t["ast"]
    t_cst = race({"libcst": lambda: libcst.parse_module(text)}, max(3, repeats // 4))["libcst"]
    print(f"{label}: {path.name}, {count_lines(data):,} lines, {len(data):,} bytes")
    print(f"  analyze()            {ms(t_analyze)}   (file parsed by the rules: {parsed})")
    print(f"  ast.parse            {ms(t_ast)}")
    print(f"  analyze / ast.parse  {t_analyze / t_ast:9.2f}x")
    print(f"  libcst.parse_module  {ms(t_cst)}   ({t_cst / t_ast:.1f}x ast.parse; reference)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (median)")
    parser.add_argument("--repeats", type=int, default=20, help="repeats per single file")
    args = parser.parse_args(argv)

    root = ensure_corpus()
    files = migration_files(root)
    if not files:
        print(f"no corpus in {root}", file=sys.stderr)
        return 1
    blobs = {path: path.read_bytes() for path in files}
    discovered = sorted(iter_migration_files([root], Config(root=root)))
    if discovered != files:
        print(
            f"our file discovery finds {len(discovered)} files, the corpus has {len(files)}",
            file=sys.stderr,
        )
        return 1

    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"corpus: {root}")
    lines = sum(count_lines(b) for b in blobs.values())
    size = sum(len(b) for b in blobs.values())
    print(f"  {len(files):,} migration files, {lines:,} lines, {size / 1e6:.1f} MB")
    print()

    # -- whole corpus, as a user runs it --------------------------------------------
    ours = [sys.executable, "-m", "django_migration_lsp", "check", str(root), "--exit-zero"]
    ours_json = [*ours, "--format", "json"]
    ours_text = [*ours, "--format", "text"]
    ruff = shutil.which("ruff")
    startup = [sys.executable, "-c", "import django_migration_lsp.cli"]
    commands = {"json": ours_json, "text": ours_text, "startup": startup}
    if ruff is not None:
        # The same files, named one by one: with a folder, ruff would honour .gitignore
        # (the corpus lives in the git-ignored .cache/) and pick its own set of files.
        commands["ruff"] = [ruff, "check", "--isolated", "--select", "E,F", "--no-cache"]
        commands["ruff"] += ["--exit-zero", "--quiet", *map(str, files)]
    t = race({name: run_command(cmd) for name, cmd in commands.items()}, args.runs)
    print(f"whole corpus, subprocess wall time, median of {args.runs} runs:")
    print(f"  django-migration-lsp check --format json   {ms(t['json'])}")
    print(f"  django-migration-lsp check --format text   {ms(t['text'])}")
    print(f"    start-up alone: python -c 'import django_migration_lsp.cli' {ms(t['startup'])}")
    if ruff is None:
        print("  ruff: not installed (pip install ruff)")
    else:
        shown = subprocess.run(
            [ruff, "check", "--isolated", "--show-files", *map(str, files)],
            capture_output=True,
            text=True,
        ).stdout.split()
        version = subprocess.run([ruff, "--version"], capture_output=True, text=True).stdout
        print(
            f"  {version.strip()} check --select E,F       {ms(t['ruff'])}   "
            f"({sum(1 for s in shown if s.endswith('.py')):,} files checked)"
        )
        print(f"  ratio ours (json) / ruff                   {t['json'] / t['ruff']:9.2f}x")
        print(f"  ratio ours (text) / ruff                   {t['text'] / t['ruff']:9.2f}x")
    print()

    # -- whole corpus, in this process -------------------------------------------------
    rules = selected_rules()
    texts = {path: data.decode("utf-8") for path, data in blobs.items()}

    def analyze_all() -> None:
        for path, data in blobs.items():
            analyze(data, str(path), rules=rules)

    def parse_all(paths: Sequence[Path]) -> Callable[[], None]:
        def parse() -> None:
            for path in paths:
                quiet_parse(texts[path])

        return parse

    parsed = [p for p, data in blobs.items() if analyze(data, str(p), rules=rules).parsed]
    runs = max(3, args.runs)
    t = race({"analyze": analyze_all, "all": parse_all(files), "parsed": parse_all(parsed)}, runs)
    t_analyze_all, t_parse_all, t_parse_parsed = t["analyze"], t["all"], t["parsed"]
    print(f"whole corpus, in process (one core), median of {runs} runs:")
    print(f"  analyze() on every file                  {ms(t_analyze_all)}")
    print(f"  ast.parse on every file                  {ms(t_parse_all)}")
    print(f"  ratio analyze / ast.parse                {t_analyze_all / t_parse_all:9.2f}x")
    print(
        f"  ast.parse on the {len(parsed):,} files analyze() parses "
        f"{ms(t_parse_parsed)}   (the others: skipped by the byte prefilter)"
    )
    print(f"  ratio analyze / ast.parse of those       {t_analyze_all / t_parse_parsed:9.2f}x")
    print()

    # -- single files ----------------------------------------------------------------
    largest = max(files, key=lambda p: (count_lines(blobs[p]), len(blobs[p])))
    triggers = tuple(t for rule in rules for t in rule.triggers)
    parsed_files = [p for p in files if any(t in blobs[p] for t in triggers)]
    largest_parsed = max(parsed_files, key=lambda p: (count_lines(blobs[p]), len(blobs[p])))
    print(f"single files, median of {args.repeats} repeats:")
    single_file("largest file", largest, texts[largest], args.repeats)
    single_file(
        "largest file + '# RunPython' (prefilter defeated)",
        largest,
        texts[largest] + "\n# RunPython\n",
        args.repeats,
    )
    single_file(
        "largest file that the rules parse", largest_parsed, texts[largest_parsed], args.repeats
    )
    for label, path in (("largest", largest), ("largest parsed", largest_parsed)):
        print(f"  ({label}: {path.relative_to(root)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
