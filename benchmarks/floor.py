"""The floor under any Python checker of these files that works as ours does.

    python benchmarks/floor.py PATH [--jobs N]

Interpreter start-up, a walk of ``PATH`` (the ``.py`` files of ``migrations`` folders,
skipping hidden and virtualenv folders), a read of every such file, the byte prefilter
(does it mention ``RunPython`` or ``RunSQL``?) and ``ast.parse`` of the files it lets
through, on ``--jobs`` processes (default: every core; forked, the files dealt out in
turn). Nothing of django-migration-lsp is imported: what the check costs above this is
the analysis, the fixes, the output and our own start-up.

Prints ``files parsed`` (two numbers) so that a caller can check it saw the same files.
"""

from __future__ import annotations

import os
import sys

SKIP = frozenset({".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__"})
TRIGGERS = (b"RunPython", b"RunSQL")


def migration_files(root: str) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP and not d.startswith("."))
        if "migrations" not in folder.split(os.sep):
            continue
        found.extend(
            os.path.join(folder, n)
            for n in sorted(files)
            if n.endswith(".py") and n != "__init__.py"
        )
    return found


def parse_share(paths: list[str]) -> int:
    import ast
    import warnings

    warnings.simplefilter("ignore")  # SyntaxWarning: invalid escape sequences
    parsed = 0
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        if any(t in data for t in TRIGGERS):
            try:
                ast.parse(data)
            except SyntaxError:
                pass
            parsed += 1
    return parsed


def main(argv: list[str]) -> int:
    root = argv[0] if argv else "."
    jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if "--jobs" in argv:
        jobs = int(argv[argv.index("--jobs") + 1])
    paths = migration_files(root)
    jobs = max(1, min(jobs or 1, len(paths)))
    pipes = []
    for k in range(1, jobs):
        read_end, write_end = os.pipe()
        if os.fork() == 0:
            os.close(read_end)
            os.write(write_end, str(parse_share(paths[k::jobs])).encode())
            os._exit(0)
        os.close(write_end)
        pipes.append(read_end)
    parsed = parse_share(paths[0::jobs])
    for read_end in pipes:
        parsed += int(os.read(read_end, 64) or b"0")
        os.close(read_end)
        os.wait()
    print(len(paths), parsed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
