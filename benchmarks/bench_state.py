"""What does replaying the historical state cost, next to ``ast.parse`` of the same files?

    python benchmarks/bench_state.py               # the largest corpus package, 5 runs
    python benchmarks/bench_state.py --runs 9 --package wagtail-8.0.1

The package (by default the corpus package with the most migration files, pretix) is a
project along its real graph (:class:`~django_migration_lsp.project.model.Project`, the
other corpus packages and this tool's Django as its environment, as in
``tests/project/test_corpus_graph.py``). It prints, median of ``--runs`` with the
contenders run in turns:

1. ``ast.parse`` of every migration file of the full plan (the baseline: what any static
   read costs), and the project's cold load (every file read: what ``check`` does for
   DJM007 already);
2. reading the operations into Django objects (:mod:`project.operations`), parse included;
3. the replay (:mod:`project.state`) of the whole full plan, operations already read:
   Django's ``state_forwards`` plus the per-model histories that answer ``model_before``;
4. Django's ``state_forwards`` alone on the same operations (what the histories add);
5. the alternative the histories replace: the same replay plus a full ``ProjectState``
   copy after every migration (the simple way to answer "the state at migration k");
6. the first question a rule asks on a freshly loaded project (``model_before`` at the
   leaf of the largest app: Django's graph built, the operations of the apps it needs
   read and replayed, no more), and the same question on a project that has answered
   it once;
7. ``model_before`` for every model of every app at the end of every migration;

and the memory the replayed state holds (tracemalloc). Figures only, no thresholds.
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import sys
import tracemalloc
import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from bench_check import ms, race  # noqa: E402
from django.db.migrations.state import ProjectState  # noqa: E402

from corpus import FILES, ensure_corpus  # noqa: E402
from django_migration_lsp.checks.source import SourceFile  # noqa: E402
from django_migration_lsp.project.environment import Environment  # noqa: E402
from django_migration_lsp.project.model import load_project  # noqa: E402
from django_migration_lsp.project.operations import prepare_field, read_operations  # noqa: E402
from django_migration_lsp.project.state import HistoricalState  # noqa: E402


def quiet_parse(text: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


def flat(ops):
    for op in ops:
        if op.state_operations is not None:
            yield from flat(op.state_operations)
        elif op.operation is not None:
            yield op.operation


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--package", help="a folder of .cache/corpus/files (default: largest)")
    args = parser.parse_args(argv)

    ensure_corpus()
    packages = sorted(p for p in FILES.iterdir() if p.is_dir())
    if args.package:
        package = FILES / args.package
    else:
        package = max(packages, key=lambda p: sum(1 for _ in p.rglob("migrations/*.py")))
    environment = Environment.current().with_paths([str(p) for p in packages])

    def build():
        return load_project(package, environment=environment)

    project = build()
    plan = project.full_plan()
    paths = {key: project.path_of(key) for key in plan}
    texts = {key: Path(paths[key]).read_text(encoding="utf-8") for key in plan}
    operations = {key: project.operations(key) for key in plan}
    n_ops = sum(len(list(operations[k].walk())) for k in plan)
    lines = sum(t.count("\n") for t in texts.values())
    own = sum(1 for key in plan if key in project.own)
    largest = Counter(key[0] for key in plan if key in project.own).most_common(1)[0][0]
    leaf = project.leaf(largest)
    closure = project.apps_for(largest)
    in_closure = sum(1 for key in plan if key[0] in closure)

    import django

    print(
        f"python {platform.python_version()}, Django {django.get_version()}, "
        f"{os.cpu_count()} CPUs, {platform.platform()}"
    )
    print(
        f"package: {package.name}: {len(plan)} migrations in the full plan ({own} of the "
        f"package, the rest installed apps), {n_ops:,} operations, {lines:,} lines"
    )
    print(
        f"largest app: {largest}; the apps a question about its models replays: "
        f"{len(closure)} ({in_closure} migrations): {', '.join(sorted(closure))}"
    )

    def parse_all() -> None:
        for key in plan:
            quiet_parse(texts[key])

    def read_all() -> None:
        for key in plan:
            text = texts[key]
            read_operations(SourceFile(text, paths[key]), quiet_parse(text))

    def replay() -> HistoricalState:
        return HistoricalState.replay((key, operations[key]) for key in plan)

    def forwards(state: ProjectState, key) -> None:
        for op in flat(operations[key].operations):
            try:
                op.state_forwards(key[0], state)
            except Exception:
                pass

    def django_only() -> None:
        state = ProjectState()
        for key in plan:
            forwards(state, key)

    def snapshots() -> None:
        state = ProjectState()
        kept = []
        for key in plan:
            forwards(state, key)
            for model_state in state.models.values():
                for field in model_state.fields.values():
                    prepare_field(field)  # clone() asks related_model
            kept.append(state.clone())

    def ask(project) -> None:
        try:
            project.model_before(leaf, 0, largest, "x")
        except LookupError:  # an operation that cannot be read (pretix: hierarkey's)
            pass

    def first_question() -> None:
        ask(build())

    warm = build()
    ask(warm)

    def again() -> None:
        ask(warm)

    replayed = replay()
    models = replayed.models()
    ends = [(key, len(operations[key].operations)) for key in plan]

    def queries() -> int:
        answered = 0
        for key, end in ends:
            for app, model in models:
                if app != key[0]:
                    continue
                try:
                    replayed.model_before(key, end, app, model)
                    answered += 1
                except LookupError:
                    pass
        return answered

    n_queries = sum(1 for key, _ in ends for app, _ in models if app == key[0])
    t = race(
        {
            "parse": parse_all,
            "build": build,
            "read": read_all,
            "replay": replay,
            "django": django_only,
            "snapshots": snapshots,
            "first": first_question,
            "again": again,
            "queries": queries,
        },
        args.runs,
    )
    print(f"median of {args.runs} runs, contenders in turns (a shared machine: read the ratios):")
    print(f"  ast.parse of every file                     {ms(t['parse'])}")
    print(
        f"  project load (every file read with ast)     {ms(t['build'])}"
        f"   {t['build'] / t['parse']:5.2f}x ast.parse"
    )
    print(
        f"  read operations into Django objects         {ms(t['read'])}"
        f"   {t['read'] / t['parse']:5.2f}x ast.parse (parse included)"
    )
    print(
        f"  replay (state_forwards + histories)         {ms(t['replay'])}"
        f"   {t['replay'] / t['parse']:5.2f}x ast.parse"
    )
    print(
        f"  read + replay                               {ms(t['read'] + t['replay'])}"
        f"   {(t['read'] + t['replay']) / t['parse']:5.2f}x ast.parse"
    )
    print(
        f"  Django's state_forwards alone               {ms(t['django'])}"
        f"   histories add {t['replay'] / t['django']:5.2f}x"
    )
    print(
        f"  state_forwards + a state copy per migration {ms(t['snapshots'])}"
        f"   {t['snapshots'] / t['replay']:5.2f}x the replay with histories"
    )
    print(
        f"  load + first model_before (at the leaf)     {ms(t['first'])}"
        f"   {(t['first'] - t['build']) / t['parse']:5.2f}x ast.parse beyond the load "
        "(Django's graph, the app's operations read and replayed)"
    )
    print(f"  the same model_before, once replayed        {ms(t['again'])}")
    print(
        f"  model_before x {n_queries:,} (every model, every migration end)"
        f" {ms(t['queries'])}   {t['queries'] / max(n_queries, 1) * 1e6:.1f} us each"
    )

    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    kept = replay()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    held = sum(s.size_diff for s in after.compare_to(before, "filename"))
    print(
        f"  memory held by the replayed state           {held / 1e6:9.1f} MB"
        f"   ({len(kept.models()):,} models with a history)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
