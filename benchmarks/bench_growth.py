"""Does analysis time grow linearly with the file? Generated migrations, doubling in size.

    python benchmarks/bench_growth.py                  # 2,000 .. 16,000 operations, 3 repeats
    python benchmarks/bench_growth.py --sizes 1000 2000 4000 --repeats 5

Two generated shapes, each at every size (the number of operations):

- ``shared``: one ``operations`` list alternating ``RunPython(forwards)`` (DJM001) and
  ``RunSQL(...)`` (DJM002), every line mentioning ``RunPython``/``RunSQL``: the shape that
  was quadratic (0.45 s at 2,000 operations, 22 s at 16,000);
- ``functions``: one forward function per ``RunPython``, each using a model imported from
  ``shop.models`` (DJM001 and DJM003 on every function: reachability, bindings and the
  DJM003 fix data scale with the number of functions).

For each it prints the median time of ``analyze()`` and, as the baseline measured in the
same run, of ``ast.parse`` on the same bytes (the two alternate: a, b, a, b, ...), then
the growth per doubling (time at 2n / time at n: 2.0 is linear, 4.0 quadratic) and the
ratio ``analyze / ast.parse``, which stays flat when the analysis is linear like the
parser. Figures only: no pass/fail thresholds. Python's cyclic garbage collector runs
as it does in the CLI; its full passes grow with the heap and add a little to both.
"""

from __future__ import annotations

import argparse
import ast
import gc
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))
from django_migration_lsp.checks import analyze  # noqa: E402

PATH = "shop/migrations/0002_generated.py"


def shared(n: int) -> bytes:
    ops = "".join(
        "        migrations.RunPython(forwards),\n"
        if i % 2 == 0
        else f"        migrations.RunSQL('UPDATE shop_order SET c = {i}'),\n"
        for i in range(n)
    )
    return (
        "from django.db import migrations\n\n\n"
        "def forwards(apps, schema_editor):\n    pass\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    operations = [\n" + ops + "    ]\n"
    ).encode()


def functions(n: int) -> bytes:
    runs = range(0, n, 2)
    defs = "".join(
        f"def forwards_{i}(apps, schema_editor):\n"
        f"    Order.objects.filter(pk={i}).update(status='new')\n\n\n"
        for i in runs
    )
    ops = "".join(
        f"        migrations.RunPython(forwards_{i}),\n"
        if i % 2 == 0
        else f"        migrations.RunSQL('UPDATE shop_order SET c = {i}'),\n"
        for i in range(n)
    )
    return (
        "from django.db import migrations\n\nfrom shop.models import Order\n\n\n"
        + defs
        + "class Migration(migrations.Migration):\n"
        "    operations = [\n" + ops + "    ]\n"
    ).encode()


SHAPES: dict[str, Callable[[int], bytes]] = {"shared": shared, "functions": functions}


def parse(data: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ast.parse(data)


def race(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds of each function, run in turns (a, b, a, b, ...), one warm-up round."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for round_ in range(repeats + 1):
        for name, fn in fns.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            if round_:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 4000, 8000, 16000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--shapes", nargs="+", choices=list(SHAPES), default=list(SHAPES))
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()} on {platform.machine()}; median of {args.repeats}")
    for shape in args.shapes:
        print(f"\n{shape}:")
        print(
            f"{'operations':>10} {'lines':>7} {'findings':>8} {'analyze':>9} {'ast.parse':>9}"
            f" {'growth':>7} {'analyze/parse':>13}"
        )
        previous: float | None = None
        for n in args.sizes:
            data = SHAPES[shape](n)
            lines = data.count(b"\n")
            findings = len(analyze(data, PATH).findings)
            t = race(
                {"analyze": lambda d=data: analyze(d, PATH), "parse": lambda d=data: parse(d)},
                args.repeats,
            )
            growth = f"{t['analyze'] / previous:6.2f}x" if previous else f"{'':>7}"
            previous = t["analyze"]
            print(
                f"{n:>10,} {lines:>7,} {findings:>8,} {t['analyze']:>8.3f}s"
                f" {t['parse']:>8.3f}s {growth} {t['analyze'] / t['parse']:>12.1f}x"
            )
    print("\ngrowth = time at this size / time at the previous size (2.00x is linear)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
