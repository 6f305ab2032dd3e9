"""Build the server bundle that ships inside the platform-specific .vsix.

    python3 scripts/bundle.py linux-x64            # from vscode-extension/ (npm run bundle)
    python3 scripts/bundle.py linux-x64 --check    # exit 1 if the bundle is missing or stale

The layout (Microsoft's python-tools template keeps pure-Python packages in bundled/libs; LibCST
is native code with one build per CPython version and no abi3 wheel, so it cannot live there):

    bundled/tool/lsp_server.py     the launcher the extension runs (committed)
    bundled/libs/                  django_migration_lsp (copied from ../server) and its pure-Python
                                   dependencies, installed once for the oldest Python served
    bundled/native/<tag>/          LibCST and PyYAML for one CPython: cp310 ... cp314, cp314t
    bundled/bundle.json            target, Python tags, package versions: read by the launcher

Every package comes from bundled/requirements.txt, a hashed lock (pip-compile, see its header)
installed with ``pip install --require-hashes --only-binary=:all: --no-deps``: nothing is built
and nothing unpinned comes in. Data files the server never reads (Django's translations and
static assets, LibCST's test suites) are left out. A stamp of the inputs (lock, this script, the
server's sources, the target) makes a second run with the same inputs a no-op.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

EXTENSION = Path(__file__).resolve().parents[1]
BUNDLED = EXTENSION / "bundled"
LOCK = BUNDLED / "requirements.txt"
SERVER = EXTENSION.parent / "server" / "django_migration_lsp"
STAMP = BUNDLED / ".stamp"

#: Packages with per-CPython builds; everything else in the lock must be pure Python.
NATIVE = {"libcst", "pyyaml"}

#: CPython builds served, as (pip --python-version, wheel ABI tag). LibCST publishes these and no
#: abi3 wheel; a Python without its tag here runs the server without quick fixes.
PYTHONS = [
    ("3.10", "cp310"),
    ("3.11", "cp311"),
    ("3.12", "cp312"),
    ("3.13", "cp313"),
    ("3.14", "cp314"),
    ("3.14", "cp314t"),
]
OLDEST = PYTHONS[0][0]

#: VS Code target -> wheel platform tags. LibCST's Linux wheels are manylinux_2_28 (glibc 2.28+).
TARGETS = {
    "linux-x64": ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"],
}

#: Left out of the bundle: (package directory, glob) of files the server never reads.
PRUNE = [
    ("django", "**/*.po"),
    ("django", "**/*.mo"),
    ("django", "contrib/*/static/**/*"),
    ("libcst", "**/tests/**/*"),
]


def lock_entries() -> dict[str, str]:
    """Lock file blocks (requirement line and its hashes) by normalised package name."""
    entries: dict[str, list[str]] = {}
    block: list[str] = []
    for line in LOCK.read_text().splitlines():
        if not line.strip() or line.strip().startswith("#"):
            continue
        if not line[0].isspace():
            name = line.split("==", 1)[0].strip().lower().replace("_", "-")
            block = entries.setdefault(name, [])
        block.append(line)
    return {name: "\n".join(lines) + "\n" for name, lines in entries.items()}


def stamp(target: str) -> str:
    digest = hashlib.sha256()
    digest.update(target.encode())
    for path in [LOCK, Path(__file__), *sorted(SERVER.rglob("*.py"))]:
        if "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(EXTENSION.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def pip_install(into: Path, requirements: str, platforms: list[str], *tags: str) -> None:
    """``pip install --target`` of hashed requirements, wheels only, no dependency resolution."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(requirements)
    argv = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--root-user-action=ignore", "--target", str(into), "--no-deps", "--no-compile",
        "--require-hashes", "--only-binary=:all:", *tags, "-r", f.name,
    ]  # fmt: skip
    for platform in platforms:
        argv += ["--platform", platform]
    try:
        subprocess.run(argv, check=True)
    finally:
        Path(f.name).unlink()


def prune(root: Path) -> int:
    removed = 0
    for package, pattern in PRUNE:
        for path in (root / package).glob(pattern):
            if path.is_file():
                path.unlink()
                removed += 1
    # The folders the pruned files leave empty (locale/xx/LC_MESSAGES, static/...), deepest first.
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if not any(folder.iterdir()):
            folder.rmdir()
    for cache in root.rglob("__pycache__"):
        shutil.rmtree(cache)
    # pip's --target leaves a bin/ for console scripts (django-admin ...): the bundle runs none.
    shutil.rmtree(root / "bin", ignore_errors=True)
    return removed


def build(target: str) -> dict:
    entries = lock_entries()
    missing = NATIVE - set(entries)
    if missing:
        sys.exit(f"bundle: {LOCK.name} lacks {sorted(missing)}")
    pure = "".join(block for name, block in entries.items() if name not in NATIVE)
    native = "".join(block for name, block in entries.items() if name in NATIVE)
    platforms = TARGETS[target]

    work = Path(tempfile.mkdtemp(prefix="djm-bundle-", dir=BUNDLED))
    try:
        libs = work / "libs"
        # Pure Python only (--implementation py, platform "any"), resolved as for the oldest
        # Python: the lock's backports (tomli, exceptiongroup) are then included for it.
        pure_python = ("--implementation", "py", "--python-version", OLDEST, "--abi", "none")
        pip_install(libs, pure, ["any"], *pure_python)
        shutil.copytree(SERVER, libs / SERVER.name, ignore=shutil.ignore_patterns("__pycache__"))
        removed = prune(libs)
        for version, abi in PYTHONS:
            into = work / "native" / abi
            cpython = ("--implementation", "cp", "--python-version", version, "--abi", abi)
            pip_install(into, native, platforms, *cpython)
            removed += prune(into)
        manifest = {
            "target": target,
            "platforms": platforms,
            "pythons": [abi for _, abi in PYTHONS],
            "oldest": OLDEST,
            "packages": {
                name: block.split("==", 1)[1].split()[0] for name, block in entries.items()
            },
            "pruned_files": removed,
        }
        (work / "bundle.json").write_text(json.dumps(manifest, indent=2) + "\n")
        for name in ("libs", "native", "bundle.json"):
            old = BUNDLED / name
            if old.is_dir():
                shutil.rmtree(old)
            elif old.exists():
                old.unlink()
            (work / name).rename(old)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", choices=sorted(TARGETS))
    parser.add_argument("--check", action="store_true", help="only say whether it is up to date")
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    args = parser.parse_args(argv)

    want = stamp(args.target)
    current = STAMP.read_text().strip() if STAMP.exists() else ""
    if current == want and not args.force:
        print(f"bundle: up to date ({args.target}) in {BUNDLED.relative_to(EXTENSION)}")
        return 0
    if args.check:
        print(f"bundle: missing or stale for {args.target}: run `npm run bundle`")
        return 1
    STAMP.unlink(missing_ok=True)
    manifest = build(args.target)
    STAMP.write_text(want + "\n")
    files = sum(1 for p in (BUNDLED / "libs").rglob("*") if p.is_file())
    files += sum(1 for p in (BUNDLED / "native").rglob("*") if p.is_file())
    print(
        f"bundle: {args.target}, Python {', '.join(manifest['pythons'])}: {files} files "
        f"({manifest['pruned_files']} data files left out)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
