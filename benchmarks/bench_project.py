"""How fast is the project's migration graph, next to parsing the same files?

    python benchmarks/bench_project.py              # 5 runs of each, alternating
    python benchmarks/bench_project.py --runs 9 --apps 14 --per-app 100

Prints, for the largest corpus package (``benchmarks/corpus.py``, by migration count) and
for a generated project of ``--apps`` x ``--per-app`` migrations (1,400 by default:
several apps, dependencies across them, initial migrations of realistic size, data
migrations with ``RunPython``, a squash):

1. in this process: the cold build of the graph (``load_project`` + Django's
   ``MigrationGraph``: every file read, parsed and linked) beside the floor, ``ast.parse``
   of every file (read included);
2. in subprocesses (the wall time a user waits, interpreter start-up included):
   ``django-migration-lsp plan APP zero --format json`` on the generated project beside
   ``python -c 'import ast; parse every file'`` and ``python -c pass``.

Contenders run in turns (a, b, a, b, ...) so that a machine busy with something else slows
them alike; the ratios are the figures to compare. Figures only, no thresholds.
"""

from __future__ import annotations

import argparse
import ast
import gc
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import ensure_corpus  # noqa: E402
from django_migration_lsp.project.environment import Environment  # noqa: E402
from django_migration_lsp.project.model import load_project  # noqa: E402


def race(fns: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Median seconds of each function, run in turns; one warm-up round first."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for round_ in range(runs + 1):
        for name, fn in fns.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            if round_:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


# -- a generated project ---------------------------------------------------------------

FIELD = "                ({name!r}, models.CharField(max_length=100, null=True, blank=True)),\n"


def _initial(app: str, models: int, fields: int, deps: list[tuple[str, str]]) -> str:
    out = [
        "from django.conf import settings\nfrom django.db import migrations, models\n"
        "import django.db.models.deletion\n\n\n",
        "class Migration(migrations.Migration):\n    initial = True\n\n    dependencies = [\n",
        "        migrations.swappable_dependency(settings.AUTH_USER_MODEL),\n",
        *(f"        ({a!r}, {n!r}),\n" for a, n in deps),
        "    ]\n\n    operations = [\n",
    ]
    for m in range(models):
        out.append(
            f"        migrations.CreateModel(\n            name='Model{m}',\n"
            "            fields=[\n"
            "                ('id', models.BigAutoField(auto_created=True, primary_key=True, "
            "serialize=False, verbose_name='ID')),\n"
        )
        out.extend(FIELD.format(name=f"field_{f}") for f in range(fields))
        out.append(
            "                ('owner', models.ForeignKey(on_delete=django.db.models.deletion."
            "CASCADE, to=settings.AUTH_USER_MODEL)),\n"
            "            ],\n            options={'ordering': ['id']},\n        ),\n"
        )
    out.append("    ]\n")
    return "".join(out)


def _later(app: str, index: int, deps: list[tuple[str, str]]) -> str:
    head = (
        "from django.db import migrations, models\n\n\n"
        + (
            "def forwards(apps, schema_editor):\n"
            f"    Model = apps.get_model({app!r}, 'Model0')\n"
            "    Model.objects.filter(field_0__isnull=True).update(field_0='')\n\n\n"
            if index % 10 == 0
            else ""
        )
        + "class Migration(migrations.Migration):\n\n    dependencies = [\n"
        + "".join(f"        ({a!r}, {n!r}),\n" for a, n in deps)
        + "    ]\n\n    operations = [\n"
    )
    if index % 10 == 0:
        body = "        migrations.RunPython(forwards, migrations.RunPython.noop),\n"
    else:
        body = (
            "        migrations.AddField(\n"
            f"            model_name='model{index % 7}',\n"
            f"            name='added_{index}',\n"
            "            field=models.IntegerField(default=0),\n        ),\n"
            "        migrations.AlterField(\n"
            "            model_name='model0',\n            name='field_1',\n"
            f"            field=models.CharField(max_length={100 + index}, null=True),\n"
            "        ),\n"
        )
    return head + body + "    ]\n"


def generate(root: Path, apps: int, per_app: int) -> list[Path]:
    """A project of ``apps`` x ``per_app`` migrations; returns the migration files."""
    labels = ["accounts", *(f"app{i:02d}" for i in range(1, apps))]
    (root / "manage.py").write_text("")
    (root / "settings.py").write_text(
        f"INSTALLED_APPS = {['django.contrib.contenttypes', 'django.contrib.auth', *labels]!r}\n"
        "AUTH_USER_MODEL = 'accounts.User'\n"
    )
    files = []
    for a, app in enumerate(labels):
        folder = root / app / "migrations"
        folder.mkdir(parents=True)
        (root / app / "__init__.py").write_text("")
        (folder / "__init__.py").write_text("")
        names = ["0001_initial"]
        deps = [(labels[a - 1], "0001_initial")] if a else []
        (folder / "0001_initial.py").write_text(_initial(app, 12, 25, deps))
        files.append(folder / "0001_initial.py")
        for i in range(2, per_app + 1):
            name = f"{i:04d}_change_{i}"
            deps = [(app, names[-1])]
            if a and i % 15 == 0:  # across apps: an earlier app's migration of the same rank
                deps.append((labels[(a * 7 + i) % a], f"{i - 5:04d}_change_{i - 5}"))
            (folder / f"{name}.py").write_text(_later(app, i, deps))
            names.append(name)
            files.append(folder / f"{name}.py")
    return files


# -- main --------------------------------------------------------------------------------


def parse_all(paths: Sequence[Path]) -> Callable[[], None]:
    def parse() -> None:
        for path in paths:
            ast.parse(path.read_bytes())

    return parse


def build(root: Path, environment: Environment) -> Callable[[], None]:
    def run() -> None:
        project = load_project(root, environment=environment)
        assert project.full_plan()

    return run


def command(cmd: Sequence[str], cwd: Path) -> Callable[[], None]:
    def run() -> None:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.decode()}")

    return run


def in_process(label: str, root: Path, files: list[Path], runs: int) -> None:
    environment = Environment.current()
    result = race({"graph": build(root, environment), "parse": parse_all(files)}, runs)
    print(f"\n{label}: {len(files)} migrations, {sum(f.stat().st_size for f in files):,} bytes")
    print(f"  graph, cold build (read + parse + link) {ms(result['graph'])}")
    print(f"  ast.parse of every file (the floor)     {ms(result['parse'])}")
    print(f"  ratio graph / parse                     {result['graph'] / result['parse']:8.2f}x")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--apps", type=int, default=14)
    parser.add_argument("--per-app", type=int, default=100)
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    print(f"runs: {args.runs} per contender, alternating; medians")

    corpus = ensure_corpus()
    packages = sorted(corpus.iterdir(), key=lambda p: len(list(p.glob("**/migrations/*.py"))))
    largest = packages[-1]
    files = [p for p in largest.glob("**/migrations/*.py") if p.name != "__init__.py"]
    in_process(f"largest corpus package ({largest.name})", largest, files, args.runs)

    with tempfile.TemporaryDirectory(prefix="bench-project-") as folder:
        root = Path(folder)
        files = generate(root, args.apps, args.per_app)
        in_process("generated project", root, files, args.runs)

        listing = root / "files.txt"
        listing.write_text("\n".join(map(str, files)))
        parse_script = (
            "import ast, sys\n"
            "for p in open(sys.argv[1]).read().split('\\n'):\n"
            "    ast.parse(open(p, 'rb').read())\n"
        )
        plan = [sys.executable, "-m", "django_migration_lsp", "plan", "accounts", "zero"]
        result = race(
            {
                "plan": command([*plan, "--format", "json"], root),
                "parse": command([sys.executable, "-c", parse_script, str(listing)], root),
                "startup": command([sys.executable, "-c", "pass"], root),
            },
            args.runs,
        )
        print("\ngenerated project, in subprocesses (wall time, start-up included):")
        print(f"  plan accounts zero --format json        {ms(result['plan'])}")
        print(f"  python: ast.parse of every file         {ms(result['parse'])}")
        print(f"  python -c pass (start-up)               {ms(result['startup'])}")
        print(f"  ratio plan / parse                      {result['plan'] / result['parse']:8.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
