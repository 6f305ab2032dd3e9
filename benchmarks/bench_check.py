"""How fast is ``django-migration-lsp check`` on whole repositories, next to ruff, pytest-mrt
and the ``ast`` floor?

    python benchmarks/bench_check.py                 # 5 runs of each command, 20 repeats per file
    python benchmarks/bench_check.py --runs 9 --copies 8 --baseline /path/to/other/checkout

Two corpora: the PyPI corpus of ``benchmarks/corpus.py`` (downloaded on first use) and a
large one, the same files copied ``--copies`` times under different folder names in a
temporary folder (hard links; by default enough copies for the 8,897 files of the
repository issue 10 was measured on), so that fixed costs (start-up, imports) weigh as
they do there. For each corpus, in subprocesses (wall time, interpreter start-up included,
median of ``--runs``, the contenders taking turns):

- ours: ``check . --format json`` in the corpus (every finding with its fix, ruff's
  shape), ``--format text``, and ``check /abs/path --format json`` from another folder;
- ``ruff check --select E,F --no-cache --output-format json`` on the same files, named
  one by one (``--isolated``: no configuration, no .gitignore);
- ``mrt check PATH --format json`` (pytest-mrt's static Django checks, from a virtualenv of
  its own: ``--mrt``, by default ``.cache/mrt-venv/bin/mrt``);
- the floor (``benchmarks/floor.py``): start-up, walk, read, prefilter and ``ast.parse`` of
  the files it lets through, on every core, importing nothing of ours;
- optionally ``--baseline``: our json command run from another checkout's sources.

Then the findings per category (ours, pytest-mrt's, and where they agree on the PyPI
corpus), the analysis in this process on one core (``analyze()`` against ``ast.parse`` on
the files the prefilter lets through: the sum and the spread per file), single files, the
start-up imports, and a summary of the ratios. Bytecode caches are on: the commands run
with ``PYTHONDONTWRITEBYTECODE`` unset, and a warm-up round writes the ``.pyc`` files.

Figures only: there are no pass/fail thresholds.
"""

from __future__ import annotations

import argparse
import ast
import gc
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import ROOT, ensure_corpus, migration_files  # noqa: E402
from django_migration_lsp.checks import analyze  # noqa: E402
from django_migration_lsp.checks.engine import selected_rules  # noqa: E402
from django_migration_lsp.config import Config, iter_migration_files  # noqa: E402

#: The size of the repository that issue 10 measured (its held-out corpus is not here).
ISSUE_FILES = 8_897
FLOOR = Path(__file__).resolve().parent / "floor.py"
#: Findings of pytest-mrt in the categories we check, by its rule codes.
CATEGORIES = {
    "RunPython without a reverse": ({"DJM001"}, {"MRT107", "MRT601"}),
    "RunSQL without a reverse": ({"DJM002"}, {"MRT108"}),
    "live model used while migrating": ({"DJM003"}, set()),
    "file that does not parse": ({None}, {"MRT902"}),
}
HEAVY = ("pygls", "lsprotocol", "django", "libcst", "json", "difflib", "concurrent", "tempfile")
#: The rules that read the project (graph and historical state), and the run without them.
PROJECT_RULES = "DJM005,DJM006,DJM007"
IGNORE = ("--ignore", PROJECT_RULES)
IGNORED = f"json --ignore {PROJECT_RULES}"


# -- running things in turns -----------------------------------------------------------


class Timing:
    def __init__(self, times: list[float], cpu: list[float] | None = None) -> None:
        self.times = times
        self.median = statistics.median(times)
        #: CPU seconds (user + system) of the subprocesses a run waited for, each run.
        self.cpu = statistics.median(cpu) if cpu and any(cpu) else None

    @property
    def noisy(self) -> bool:
        """The slowest run took a quarter longer than the fastest: the machine was busy."""
        return max(self.times) > 1.25 * min(self.times)

    def __str__(self) -> str:
        spread = f"{min(self.times) * 1000:.0f}-{max(self.times) * 1000:.0f}"
        cpu = f", cpu {self.cpu * 1000:.0f} ms" if self.cpu is not None else ""
        return f"{self.median * 1000:8.1f} ms  ({spread}{', noisy' if self.noisy else ''}{cpu})"


def race(
    fns: dict[str, Callable[[], object]], repeats: int, collector: bool = True
) -> dict[str, Timing]:
    """Each function ``repeats`` times, in turns (a, b, c, a, b, c, ...), after one
    warm-up round: every contender meets the same load when the machine is busy.
    ``collector=False``: the cycle collector is off while a contender runs, as it is
    while ``check`` checks files."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    cpu: dict[str, list[float]] = {name: [] for name in fns}
    for round_ in range(repeats + 1):
        for name, fn in fns.items():
            gc.collect()  # the same heap for every run: less noise
            if not collector:
                gc.disable()
            used = children_cpu()
            start = time.perf_counter()
            try:
                fn()
            finally:
                gc.enable()
            if round_:
                times[name].append(time.perf_counter() - start)
                cpu[name].append(children_cpu() - used)
    return {name: Timing(ts, cpu[name]) for name, ts in times.items()}


def children_cpu() -> float:
    """CPU seconds used so far by the subprocesses waited for (theirs included): what a
    command costs on a machine shared with others, whose wall time it does not show."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def environment() -> dict[str, str]:
    """The commands' environment: bytecode caches on, written by the warm-up round."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_command(
    cmd: Sequence[str], cwd: Path, env: dict[str, str], ok: Sequence[int] = (0,)
) -> Callable[[], None]:
    def run() -> None:
        proc = subprocess.run(
            cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        if proc.returncode not in ok:
            raise SystemExit(f"{' '.join(cmd[:5])} ... exited {proc.returncode}:\n{proc.stderr}")

    return run


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def count_lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


def quiet_parse(source: str | bytes) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning: invalid escape sequences
        return ast.parse(source)


def find_tool(name: str, explicit: str | None, *candidates: Path) -> str | None:
    if explicit:
        return explicit
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name)


# -- the large corpus ------------------------------------------------------------------


def replicate(source: Path, target: Path, copies: int) -> None:
    """``copies`` copies of the corpus under ``target/copy-01``, ...: hard links where the
    file system allows, else copies."""
    for k in range(1, copies + 1):
        link_tree(source, target / f"copy-{k:02d}")


def link_tree(source: Path, target: Path) -> None:
    """The files under ``source`` at the same places under ``target``: hard links where
    the file system allows, else copies."""
    for path in sorted(source.rglob("*")):
        if path.is_dir():
            continue
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, dest)
        except OSError:
            shutil.copy2(path, dest)


# -- whole corpora, as a user runs them ---------------------------------------------------


class Tools:
    def __init__(self, args: argparse.Namespace) -> None:
        venv_bin = Path(sys.executable).parent
        self.ruff = find_tool("ruff", args.ruff, venv_bin / "ruff")
        self.mrt = find_tool("mrt", args.mrt, ROOT / ".cache" / "mrt-venv" / "bin" / "mrt")
        self.baseline = Path(args.baseline).resolve() if args.baseline else None
        self.env = environment()
        if self.baseline is not None:
            self._check_baseline()

    @property
    def baseline_server(self) -> Path:
        assert self.baseline is not None
        server = self.baseline / "server"
        return server if server.is_dir() else self.baseline

    def baseline_env(self, *extra: str) -> dict[str, str]:
        """The environment that runs the baseline's sources (by ``PYTHONPATH``)."""
        path = os.pathsep.join([str(self.baseline_server), *extra])
        return {**self.env, "PYTHONPATH": path}

    def _check_baseline(self) -> None:
        """The baseline's package must be the one imported (not this checkout's, which an
        editable install would give if the baseline folder were gone)."""
        probe = "import django_migration_lsp as m; print(m.__file__)"
        found = subprocess.run(
            [sys.executable, "-c", probe],
            env=self.baseline_env(),
            capture_output=True,
            text=True,
            cwd=tempfile.gettempdir(),
        ).stdout.strip()
        if not found.startswith(str(self.baseline_server)):
            raise SystemExit(f"--baseline {self.baseline}: python imports {found or 'nothing'}")


def whole_corpus(
    label: str, root: Path, files: list[Path], tools: Tools, runs: int, elsewhere: Path
) -> dict[str, float]:
    """Run every contender on ``root`` in turns; print and return the medians (seconds)."""
    env = tools.env
    ours = [sys.executable, "-m", "django_migration_lsp", "check"]
    relative = [str(p.relative_to(root)) for p in files]
    commands: dict[str, tuple[list[str], Path, dict[str, str], tuple[int, ...]]] = {
        "json": ([*ours, ".", "--format", "json", "--exit-zero"], root, env, (0,)),
        IGNORED: ([*ours, ".", "--format", "json", "--exit-zero", *IGNORE], root, env, (0,)),
        "text": ([*ours, ".", "--format", "text", "--exit-zero"], root, env, (0,)),
        "json, absolute path from elsewhere": (
            [*ours, str(root), "--format", "json", "--exit-zero"],
            elsewhere,
            env,
            (0,),
        ),
        "start-up: check --help": ([*ours, "--help"], root, env, (0,)),
        "python -c pass": ([sys.executable, "-c", "pass"], root, env, (0,)),
        "floor": ([sys.executable, str(FLOOR), "."], root, env, (0,)),
    }
    if tools.ruff:
        ruff = [tools.ruff, "check", "--isolated", "--select", "E,F", "--no-cache"]
        commands["ruff"] = (
            [*ruff, "--exit-zero", "--output-format", "json", *relative],
            root,
            env,
            (0,),
        )
    if tools.mrt:
        commands["pytest-mrt"] = (
            [tools.mrt, "check", ".", "--format", "json"],
            root,
            env,
            (0, 1, 2),
        )
    if tools.baseline:
        base_env = tools.baseline_env()
        commands["json, baseline"] = (
            [*ours, ".", "--format", "json", "--exit-zero"],
            root,
            base_env,
            (0,),
        )
        commands[f"{IGNORED}, baseline"] = (
            [*ours, ".", "--format", "json", "--exit-zero", *IGNORE],
            root,
            base_env,
            (0,),
        )
    print(f"{label}: {len(files):,} migration files in {root}")
    floor_counts = subprocess.run(
        [sys.executable, str(FLOOR), "."], cwd=root, env=env, capture_output=True, text=True
    ).stdout.split()
    if floor_counts[:1] != [str(len(files))]:
        raise SystemExit(f"the floor walks {floor_counts} files, not {len(files)}")
    print(f"  (the prefilter lets {int(floor_counts[1]):,} of them through to ast.parse)")
    print(f"  ({load()} before)")
    t = race({name: run_command(*spec) for name, spec in commands.items()}, runs)
    print(f"  wall time, median of {runs} runs (fastest-slowest):")
    for name, timing in t.items():
        print(f"    {name:38s} {timing}")
    medians = {name: timing.median for name, timing in t.items()}
    noisy = [name for name, timing in t.items() if timing.noisy]
    if noisy:
        print(f"    noisy (slowest run > 1.25x the fastest): {', '.join(noisy)}")
    print(f"  ({load()} after)")
    return medians


def print_ratios(label: str, m: dict[str, float]) -> None:
    print(f"  ratios ({label}):")
    if "ruff" in m:
        ratio = m["json"] / m["ruff"]
        print(f"    ours json / ruff                       {ratio:9.2f}x   (target 1.5x)")
        print(f"    ours json, no project rules / ruff     {m[IGNORED] / m['ruff']:9.2f}x")
        print(f"    ours text / ruff                       {m['text'] / m['ruff']:9.2f}x")
        print(f"    floor / ruff                           {m['floor'] / m['ruff']:9.2f}x")
    print(f"    ours json / ours without {PROJECT_RULES} {m['json'] / m[IGNORED]:6.2f}x")
    print(f"    ours json / floor                      {m['json'] / m['floor']:9.2f}x")
    print(
        "    absolute path from elsewhere / inside  "
        f"{m['json, absolute path from elsewhere'] / m['json']:9.2f}x"
    )
    if "pytest-mrt" in m:
        print(f"    pytest-mrt / ours json                 {m['pytest-mrt'] / m['json']:9.2f}x")
    if "json, baseline" in m:
        print(f"    ours json / baseline json              {m['json'] / m['json, baseline']:9.2f}x")
        base = m["json, baseline"] / m[f"{IGNORED}, baseline"]
        print(f"    baseline json / baseline without them  {base:9.2f}x")
        print(
            "    ours / baseline without them           "
            f"{m[IGNORED] / m[f'{IGNORED}, baseline']:9.2f}x"
        )


# -- pre-commit: one changed file in a large project ------------------------------------------


def pre_commit(root: Path, files: list[Path], tools: Tools, runs: int, tmp: Path) -> dict:
    """``check --force-exclude FILE`` (what the pre-commit hook runs on a commit that
    changes one migration) in the corpus package with the most migration files, made a
    project of its own: a ``manage.py`` at its root, the other corpus packages on
    ``PYTHONPATH`` (its environment, as in ``tests/test_corpus.py``). A project rule
    reads the whole project for that one file: the graph, and for a ``RemoveField`` the
    historical state up to it. The files: the newest migration of the package's largest
    app, and the newest one there with a ``RemoveField``."""
    counts = Counter(p.relative_to(root).parts[0] for p in files)
    package = max(counts, key=lambda name: (counts[name], name))
    project = tmp / "pre-commit" / package
    link_tree(root / package, project)
    (project / "manage.py").write_text("")
    folders = Counter(p.parent for p in files if p.relative_to(root).parts[0] == package)
    app = max(folders, key=lambda folder: (folders[folder], str(folder)))
    app_files = sorted(p for p in files if p.parent == app)
    newest = app_files[-1]
    removal = [p for p in app_files if b"RemoveField" in p.read_bytes()][-1]
    others = [str(p) for p in sorted(root.iterdir()) if p.is_dir() and p.name != package]
    env = {**tools.env, "PYTHONPATH": os.pathsep.join(others)}
    ours = [sys.executable, "-m", "django_migration_lsp", "check", "--force-exclude"]
    ok = (0, 1)
    cases = {"a RemoveField": removal, "the newest migration": newest}
    commands: dict[str, tuple[list[str], Path, dict[str, str], tuple[int, ...]]] = {}
    for label, path in cases.items():
        rel = str(path.relative_to(root / package))
        commands[label] = ([*ours, rel], project, env, ok)
        commands[f"{label}, --ignore {PROJECT_RULES}"] = ([*ours, rel, *IGNORE], project, env, ok)
        if tools.baseline:
            base_env = tools.baseline_env(*others)
            commands[f"{label}, baseline"] = ([*ours, rel], project, base_env, ok)
    commands["python -c pass"] = ([sys.executable, "-c", "pass"], project, env, (0,))
    print(
        f"pre-commit: check --force-exclude FILE in {package} ({counts[package]:,} migration "
        f"files) as a project; the app {app.relative_to(root / package)} has {len(app_files)}"
    )
    for label, path in cases.items():
        print(f"  {label}: {path.name}")
    print(f"  ({load()} before)")
    t = race({name: run_command(*spec) for name, spec in commands.items()}, runs)
    print(f"  wall time, median of {runs} runs (fastest-slowest):")
    for name, timing in t.items():
        print(f"    {name:52s} {timing}")
    print(f"  ({load()} after)")
    medians = {name: timing.median for name, timing in t.items()}
    print("  ratios:")
    for label in cases:
        without = medians[f"{label}, --ignore {PROJECT_RULES}"]
        print(f"    {label}: all rules / without {PROJECT_RULES}  {medians[label] / without:6.2f}x")
        if f"{label}, baseline" in medians:
            print(
                f"    {label}: ours / baseline                 "
                f"{medians[label] / medians[f'{label}, baseline']:6.2f}x"
            )
    print()
    return medians


# -- findings per category ------------------------------------------------------------------


def our_findings(root: Path, env: dict[str, str]) -> list[dict]:
    cmd = [sys.executable, "-m", "django_migration_lsp", "check", ".", "--format", "json"]
    out = subprocess.run(cmd + ["--exit-zero"], cwd=root, env=env, capture_output=True, text=True)
    return json.loads(out.stdout)


def mrt_findings(mrt: str, root: Path, env: dict[str, str]) -> list[dict]:
    cmd = [mrt, "check", ".", "--format", "json"]
    out = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    return json.loads(out.stdout)["findings"]


def _our_key(item: dict) -> tuple[str, int]:
    """Where a finding is, as pytest-mrt says it: the file's name and the operation's line
    (no folder: two apps' ``0001_initial.py`` look alike, so agreement is approximate)."""
    return Path(item["filename"]).name, item["location"]["row"]


def findings_section(label: str, ours: list[dict], theirs: list[dict] | None, agree: bool) -> None:
    ours_by = Counter(item["code"] for item in ours)
    theirs_by = Counter(item["rule"] for item in theirs) if theirs is not None else Counter()
    print(f"findings per category, {label} (ours / pytest-mrt's; places: file name and line):")
    covered: set[str] = set()
    for category, (our_codes, their_codes) in CATEGORIES.items():
        covered |= their_codes
        n_ours = sum(ours_by[c] for c in our_codes)
        if theirs is None:
            print(f"  {category:34s} {n_ours:6,} / (pytest-mrt not installed)")
            continue
        n_theirs = sum(theirs_by[c] for c in their_codes)
        codes = ", ".join(sorted(their_codes)) or "no such check"
        line = f"  {category:34s} {n_ours:6,} / {n_theirs:<6,} ({codes})"
        if agree and their_codes:
            mine = Counter(_our_key(i) for i in ours if i["code"] in our_codes)
            other: Counter = Counter()  # MRT601 repeats MRT107 in a squashed migration
            for code in their_codes:
                other |= Counter((i["file"], i["line"]) for i in theirs if i["rule"] == code)
            both = sum((mine & other).values())
            only = sum((mine - other).values()), sum((other - mine).values())
            line += f": same place {both}, ours only {only[0]}, theirs only {only[1]}"
            only_theirs = sorted(other - mine)[:4]
            if only_theirs:
                line += "\n      theirs only, e.g. " + ", ".join(f"{r}:{n}" for r, n in only_theirs)
            only_ours = sorted(mine - other)[:4]
            if only_ours:
                line += "\n      ours only, e.g. " + ", ".join(f"{r}:{n}" for r, n in only_ours)
        print(line)
    if theirs is not None:
        other = Counter()
        patterns: dict[str, str] = {}
        for item in theirs:
            if item["rule"] not in covered:
                other[item["rule"]] += 1
                patterns[item["rule"]] = item["pattern"]
        if other:
            print("  pytest-mrt's other checks (not rollback blockers that we report):")
            for code, n in sorted(other.items(), key=lambda kv: -kv[1]):
                print(f"    {code} {patterns[code]:46s} {n:6,}")
    print()


# -- in process ----------------------------------------------------------------------------


def in_process(files: list[Path], blobs: dict[Path, bytes], runs: int) -> float:
    """``analyze()`` against ``ast.parse``, one core; returns the ratio on parsed files."""
    rules = selected_rules()

    def analyze_all() -> None:
        for path, data in blobs.items():
            analyze(data, str(path), rules=rules)

    def parse_all(paths: Sequence[Path]) -> Callable[[], None]:
        def parse() -> None:
            for path in paths:
                quiet_parse(blobs[path])

        return parse

    parsed = [p for p, data in blobs.items() if analyze(data, str(p), rules=rules).parsed]

    def analyze_parsed() -> None:
        for path in parsed:
            analyze(blobs[path], str(path), rules=rules)

    t = race(
        {
            "analyze": analyze_all,
            "all": parse_all(files),
            "parsed": parse_all(parsed),
            "analyze parsed": analyze_parsed,
        },
        runs,
        collector=False,
    )
    print(
        f"whole PyPI corpus, in process (one core, cycle collector off as in check), "
        f"median of {runs} runs:"
    )
    print(f"  analyze() on every file                    {t['analyze']}")
    print(f"  ast.parse on every file                    {t['all']}")
    print(f"  ast.parse on the {len(parsed):,} files the prefilter lets through {t['parsed']}")
    print(f"  analyze() on those files                   {t['analyze parsed']}")
    ratio = t["analyze parsed"].median / t["parsed"].median
    print(f"  ratio analyze / ast.parse on those files   {ratio:9.2f}x   (target 1.3x)")
    # Per file: the spread of the ratio, and the files that cost most above the parse.
    rows = []
    gc.disable()
    for path in parsed:
        data = blobs[path]
        a, p = [], []
        for _ in range(5):
            start = time.perf_counter()
            quiet_parse(data)
            p.append(time.perf_counter() - start)
            start = time.perf_counter()
            analyze(data, str(path), rules=rules)
            a.append(time.perf_counter() - start)
        rows.append((statistics.median(a), statistics.median(p), path))
    gc.enable()
    ratios = sorted(a / p for a, p, _ in rows)
    pct = lambda q: ratios[min(len(ratios) - 1, int(q * len(ratios)))]  # noqa: E731
    print(
        f"  per file, analyze / ast.parse: median {pct(0.5):.2f}x, p90 {pct(0.9):.2f}x, "
        f"max {ratios[-1]:.2f}x; files within 1.3x: {sum(r <= 1.3 for r in ratios)} "
        f"of {len(ratios)}"
    )
    rows.sort(key=lambda r: r[1] - r[0])
    print("  most time above the parse:")
    for a, p, path in rows[:3]:
        print(f"    {ms(a - p)} over {ms(p)} ({a / p:.2f}x)  {path.name}")
    print()
    return ratio


def single_file(label: str, path: Path, text: str, repeats: int) -> None:
    data = text.encode("utf-8")
    parsed = analyze(data, str(path)).parsed
    t = race(
        {"analyze": lambda: analyze(data, str(path)), "ast": lambda: quiet_parse(data)}, repeats
    )
    print(f"{label}: {path.name}, {count_lines(data):,} lines, {len(data):,} bytes")
    print(f"  analyze()            {t['analyze']}   (file parsed by the rules: {parsed})")
    print(f"  ast.parse            {t['ast']}")
    print(f"  analyze / ast.parse  {t['analyze'].median / t['ast'].median:9.2f}x")


def startup(root: Path, env: dict[str, str]) -> None:
    """What ``check`` imports: ``-X importtime`` of ``check --help`` and of a json run."""
    print("start-up imports (python -X importtime, one run each):")
    for label, args in (
        ("check --help", ["--help"]),
        ("check . --format json", [".", "--format", "json", "--exit-zero"]),
    ):
        cmd = [sys.executable, "-X", "importtime", "-m", "django_migration_lsp", "check", *args]
        err = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True).stderr
        rows = [line.split("|") for line in err.splitlines() if line.startswith("import time:")]
        total = sum(
            int(r[0].split(":")[1]) for r in rows[1:] if r[0].split(":")[1].strip().isdigit()
        )
        ours = sum(
            int(r[0].split(":")[1])
            for r in rows[1:]
            if r[2].strip().startswith("django_migration_lsp")
            and r[0].split(":")[1].strip().isdigit()
        )
        names = {r[2].strip().split(".")[0] for r in rows[1:]}
        heavy = [h for h in HEAVY if h in names]
        print(
            f"  {label:24s} {total / 1000:6.1f} ms of imports ({ours / 1000:.1f} ms in our "
            f"modules); of {', '.join(HEAVY)}: {', '.join(heavy) or 'none'}"
        )
    print()


# -- main --------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (median)")
    parser.add_argument("--repeats", type=int, default=20, help="repeats per single file")
    parser.add_argument(
        "--copies",
        type=int,
        default=None,
        help=f"copies of the corpus in the large one (default: enough for {ISSUE_FILES:,} files)",
    )
    parser.add_argument("--ruff", help="the ruff executable (default: beside python, or PATH)")
    parser.add_argument("--mrt", help="pytest-mrt's mrt executable (default: .cache/mrt-venv)")
    parser.add_argument("--baseline", help="another checkout whose json run is timed beside ours")
    parser.add_argument("--no-large", action="store_true", help="the PyPI corpus only")
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
            f"our discovery finds {len(discovered)} files, the corpus has {len(files)}",
            file=sys.stderr,
        )
        return 1
    tools = Tools(args)
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"{load()} at the start")
    print("bytecode caches: on (PYTHONDONTWRITEBYTECODE unset for the commands; a warm-up")
    print("round of every command comes first and writes them)")

    def version(exe: str) -> str:
        return subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()

    print(f"ruff: {version(tools.ruff) if tools.ruff else 'not found (pip install ruff)'}")
    print(f"pytest-mrt: {tools.mrt or 'not found (--mrt PATH)'}")
    lines = sum(count_lines(b) for b in blobs.values())
    size = sum(len(b) for b in blobs.values())
    print(f"PyPI corpus: {len(files):,} migration files, {lines:,} lines, {size / 1e6:.1f} MB")
    print()

    with tempfile.TemporaryDirectory(prefix="djm-bench-") as tmp:
        elsewhere = Path(tmp) / "elsewhere"  # a working directory outside the corpora
        elsewhere.mkdir()
        small = whole_corpus("PyPI corpus", root, files, tools, args.runs, elsewhere)
        print_ratios("PyPI corpus", small)
        print()
        hook = pre_commit(root, files, tools, args.runs, Path(tmp))
        large: dict[str, float] | None = None
        if not args.no_large:
            copies = args.copies or math.ceil(ISSUE_FILES / len(files))
            big = Path(tmp) / "large"
            replicate(root, big, copies)
            big_files = migration_files(big)
            print(
                f"large corpus: the PyPI corpus {copies} times, under copy-01 ... "
                f"copy-{copies:02d} (hard links in {tmp})"
            )
            large = whole_corpus("large corpus", big, big_files, tools, args.runs, elsewhere)
            print_ratios("large corpus", large)
            print()
        ours = our_findings(root, tools.env)
        theirs = mrt_findings(tools.mrt, root, tools.env) if tools.mrt else None
        findings_section("PyPI corpus", ours, theirs, agree=True)
        if large is not None:
            ours_big = our_findings(big, tools.env)
            theirs_big = mrt_findings(tools.mrt, big, tools.env) if tools.mrt else None
            findings_section(f"large corpus ({copies} copies)", ours_big, theirs_big, agree=False)
        startup(root, tools.env)

    ratio = in_process(files, blobs, max(3, args.runs))

    rules = selected_rules()
    largest = max(files, key=lambda p: (count_lines(blobs[p]), len(blobs[p])))
    triggers = tuple(t for rule in rules for t in rule.triggers)
    parsed_files = [p for p in files if any(t in blobs[p] for t in triggers)]
    largest_parsed = max(parsed_files, key=lambda p: (count_lines(blobs[p]), len(blobs[p])))
    text = {p: blobs[p].decode("utf-8") for p in (largest, largest_parsed)}
    print(f"single files, median of {args.repeats} repeats:")
    single_file(
        "largest file + '# RunPython' (prefilter defeated)",
        largest,
        text[largest] + "\n# RunPython\n",
        args.repeats,
    )
    single_file(
        "largest file that the rules parse", largest_parsed, text[largest_parsed], args.repeats
    )
    print(f"  (largest: {largest.relative_to(root)})")
    print(f"  (largest parsed: {largest_parsed.relative_to(root)})")
    print()

    print("summary:")
    for label, m in (("PyPI corpus", small), ("large corpus", large)):
        if m is None:
            continue
        against_ruff = f"{m['json'] / m['ruff']:.2f}x ruff" if "ruff" in m else "ruff not run"
        print(
            f"  {label}: check --format json {m['json'] * 1000:.0f} ms = {against_ruff} "
            f"(target 1.5x), {m['json'] / m['floor']:.2f}x the floor ({m['floor'] * 1000:.0f} ms"
            + (f" = {m['floor'] / m['ruff']:.2f}x ruff" if "ruff" in m else "")
            + ")"
        )
    for label, m in (("PyPI corpus", small), ("large corpus", large)):
        if m is None:
            continue
        line = (
            f"  {label}: all rules {m['json'] * 1000:.0f} ms, without {PROJECT_RULES} "
            f"{m[IGNORED] * 1000:.0f} ms ({m['json'] / m[IGNORED]:.2f}x)"
        )
        if "json, baseline" in m:
            line += f"; baseline {m['json, baseline'] * 1000:.0f} ms"
        print(line)
    for label in ("a RemoveField", "the newest migration"):
        line = f"  pre-commit, {label}: {hook[label] * 1000:.0f} ms"
        if f"{label}, baseline" in hook:
            line += f" (baseline {hook[f'{label}, baseline'] * 1000:.0f} ms)"
        print(line)
    print(f"  analyze / ast.parse on the files that need it: {ratio:.2f}x (target 1.3x)")
    print(f"  {load()} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
