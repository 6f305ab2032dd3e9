"""A corpus of real migration files from pinned Django packages on PyPI.

    python benchmarks/corpus.py            # download what is missing, print a summary
    python benchmarks/corpus.py --refresh  # extract the files again from the cached archives

The archives go to ``.cache/corpus/wheels`` and only the ``*.py`` files under
``migrations`` folders and the apps' ``apps.py`` files (so that
app labels can be read) are extracted to ``.cache/corpus/files/<dist>-<version>/``,
keeping their package paths, e.g.
``files/django-constance-4.4.0/constance/migrations/0003_drop_pickle.py``.
``.cache/`` is git-ignored: never commit the archives or the code in them.

Importable: ``ensure_corpus() -> Path`` (the ``files`` folder) is what the corpus
test and the benchmark call. It is idempotent: a package whose folder is
complete is neither downloaded nor extracted again, and with everything cached it
costs a few directory listings. A package that cannot be downloaded is reported
on stderr and skipped; the others are still made available.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "corpus"
WHEELS = CACHE / "wheels"
FILES = CACHE / "files"
#: Extract only under these folders of a package: Django's own migrations are
#: ``django/contrib/*/migrations``; ``django/db/migrations`` is the framework, not migrations.
ONLY_UNDER = {"django": "django/contrib/"}
#: Written last in a package's folder: its presence means the extraction is complete.
MANIFEST = ".manifest.json"
#: Bump when what is extracted changes, so that cached folders are extracted again.
EXTRACT_RULES = 2

#: Pinned so that every run (and the reviewed expectations in tests/corpus/expected.json)
#: sees the same files. All install on Python 3.11. Change a pin -> re-review expected.json.
PACKAGES: tuple[tuple[str, str], ...] = (
    ("django", "5.2.19"),  # django/contrib/*/migrations
    ("wagtail", "8.0.1"),
    ("django-cms", "5.1.3"),
    ("django-oscar", "4.2.1"),
    ("django-allauth", "65.21.1"),
    ("django-helpdesk", "2.6.1"),
    ("social-auth-app-django", "8.0.0"),
    ("django-oauth-toolkit", "3.4.1"),
    ("django-constance", "4.4.0"),  # constance/migrations/0003_drop_pickle.py: DJM001
    ("dj-stripe", "2.11.0"),
    ("django-filer", "3.6.0"),
    ("django-guardian", "3.5.2"),
    ("django-reversion", "6.4.0"),
    ("django-taggit", "6.1.0"),
    ("django-celery-beat", "2.9.0"),
    # Not django-polymorphic: neither its wheel nor its sdist (4.11.7) ships a migration.
    # Beyond the list in issue 2: more data migrations, where the rules have work to do.
    ("pretix", "2026.8.0"),
    ("djangorestframework", "3.18.3"),
    ("django-auditlog", "3.4.1"),
    ("django-celery-results", "2.6.0"),
    ("django-axes", "8.3.1"),
    ("django-otp", "1.7.5"),
    ("django-waffle", "5.0.0"),
    ("django-post-office", "3.12.0"),
    ("django-silk", "5.6.0"),
)


@dataclass
class Report:
    """What :func:`ensure_corpus` did."""

    root: Path
    ready: list[str] = field(default_factory=list)  # "<dist>-<version>" folders present
    downloaded: list[str] = field(default_factory=list)
    extracted: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # folder -> reason


def folder_name(dist: str, version: str) -> str:
    return f"{dist}-{version}"


def is_migration(rel: PurePosixPath) -> bool:
    """``*.py`` (not ``__init__.py``) in a ``migrations`` folder, at any depth."""
    return rel.suffix == ".py" and rel.name != "__init__.py" and "migrations" in rel.parts[:-1]


def _wanted(rel: PurePosixPath, only_under: str = "") -> bool:
    if not rel.as_posix().startswith(only_under):
        return False
    # A migrations package's __init__.py too: it sometimes defines a base class that
    # the migrations import (django-cms: ``IrreversibleMigration``).
    return (rel.suffix == ".py" and "migrations" in rel.parts[:-1]) or rel.name == "apps.py"


def migration_files(root: Path | None = None) -> list[Path]:
    """Every migration file of the corpus, sorted (the same set the CLI discovers)."""
    root = root or FILES
    return sorted(
        p
        for p in root.rglob("*.py")
        if not any(part.startswith(".") for part in p.relative_to(root).parts)
        and is_migration(PurePosixPath(p.relative_to(root).as_posix()))
    )


# -- archives --------------------------------------------------------------------


def _matches(filename: str, dist: str, version: str) -> str | None:
    """``"wheel"``/``"sdist"`` when ``filename`` is an archive of ``dist==version``."""
    try:
        if filename.endswith(".whl"):
            name, ver, _, _ = parse_wheel_filename(filename)
            kind = "wheel"
        elif filename.endswith((".tar.gz", ".zip")):
            name, ver = parse_sdist_filename(filename)
            kind = "sdist"
        else:
            return None
    except Exception:  # an unrelated or oddly named file
        return None
    if name == canonicalize_name(dist) and ver == Version(version):
        return kind
    return None


def find_archive(dist: str, version: str, folder: Path | None = None) -> Path | None:
    """The cached archive of ``dist==version``, a wheel in preference to an sdist."""
    folder = folder or WHEELS
    if not folder.is_dir():
        return None
    found = {}
    for entry in folder.iterdir():
        kind = _matches(entry.name, dist, version)
        if kind:
            found.setdefault(kind, entry)
    return found.get("wheel") or found.get("sdist")


def _pip_download(requirements: Sequence[str], dest: Path, binary: bool) -> tuple[bool, str]:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--disable-pip-version-check",
        "--quiet",
        "--dest",
        str(dest),
        "--only-binary=:all:" if binary else "--no-binary=:all:",
        *requirements,
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    return proc.returncode == 0, (lines[-1] if lines else f"pip exited {proc.returncode}")


def _warn(message: str) -> None:
    print(f"corpus: {message}", file=sys.stderr, flush=True)


def download(missing: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Download the archives of ``missing`` into WHEELS; returns folder -> error."""
    WHEELS.mkdir(parents=True, exist_ok=True)
    failed: dict[str, str] = {}
    if not missing:
        return failed
    with tempfile.TemporaryDirectory(dir=CACHE, prefix=".download.") as tmp:
        staging = Path(tmp)
        # One pip run for all of them is much faster than one per package ...
        ok, _ = _pip_download([f"{d}=={v}" for d, v in missing], staging, binary=True)
        for dist, version in missing:
            if find_archive(dist, version, staging):
                continue
            # ... and when it fails, one at a time says which one: wheel, then sdist.
            ok, why = _pip_download([f"{dist}=={version}"], staging, binary=True)
            if not ok:
                ok, why_sdist = _pip_download([f"{dist}=={version}"], staging, binary=False)
                if not ok:
                    failed[folder_name(dist, version)] = f"wheel: {why}; sdist: {why_sdist}"
                    _warn(f"cannot download {dist}=={version}: {why_sdist}")
        for entry in staging.iterdir():
            if any(_matches(entry.name, d, v) for d, v in missing):
                os.replace(entry, WHEELS / entry.name)
    return failed


def _members(archive: Path, only_under: str = "") -> Iterator[tuple[PurePosixPath, bytes]]:
    """``(path inside the package tree, contents)`` of the wanted files of an archive."""
    if archive.name.endswith(".whl") or archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zf:
            strip = 0 if archive.name.endswith(".whl") else 1
            for info in zf.infolist():
                rel = PurePosixPath(*PurePosixPath(info.filename).parts[strip:])
                if not info.is_dir() and rel.parts and _wanted(rel, only_under):
                    yield rel, zf.read(info)
    else:
        with tarfile.open(archive) as tf:
            for info in tf:
                # An sdist: drop "<name>-<version>/" and a "src/" layout folder.
                parts = PurePosixPath(info.name).parts[1:]
                if parts[:1] == ("src",):
                    parts = parts[1:]
                rel = PurePosixPath(*parts) if parts else None
                if info.isfile() and rel is not None and _wanted(rel, only_under):
                    handle = tf.extractfile(info)
                    if handle is not None:
                        yield rel, handle.read()


def _manifest(archive: str, only_under: str, files: list[str] | None = None) -> dict:
    data: dict = {"archive": archive, "rules": EXTRACT_RULES, "only_under": only_under}
    if files is not None:
        data["files"] = files
    return data


def is_ready(dist: str, version: str) -> bool:
    """Whether ``dist==version`` is extracted, complete, with the current rules."""
    try:
        data = json.loads((FILES / folder_name(dist, version) / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return data.get("rules") == EXTRACT_RULES and data.get("only_under") == ONLY_UNDER.get(dist, "")


def extract(archive: Path, target: Path, only_under: str = "") -> int:
    """Extract the migration and ``apps.py`` files of ``archive`` to ``target``."""
    partial = target.with_name(f".{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    names = []
    for rel, data in _members(archive, only_under):
        if ".." in rel.parts or rel.is_absolute():
            continue
        out = partial.joinpath(*rel.parts)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        names.append(rel.as_posix())
    partial.mkdir(parents=True, exist_ok=True)
    (partial / MANIFEST).write_text(
        json.dumps(_manifest(archive.name, only_under, sorted(names)), indent=1) + "\n"
    )
    shutil.rmtree(target, ignore_errors=True)
    os.replace(partial, target)
    return len(names)


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """One process at a time fills the cache (parallel test runs share the work tree)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prepare(refresh: bool = False) -> Report:
    """Download and extract whatever is missing; see :func:`ensure_corpus`."""
    report = Report(FILES)
    with _locked():
        FILES.mkdir(parents=True, exist_ok=True)
        todo = [(d, v) for d, v in PACKAGES if refresh or not is_ready(d, v)]
        missing = [(d, v) for d, v in todo if find_archive(d, v) is None]
        if missing:
            _warn(f"downloading {len(missing)} package(s) into {WHEELS}")
        report.failed.update(download(missing))
        report.downloaded = [folder_name(d, v) for d, v in missing if find_archive(d, v)]
        for dist, version in todo:
            archive = find_archive(dist, version)
            if archive is None:
                continue
            name = folder_name(dist, version)
            try:
                extract(archive, FILES / name, ONLY_UNDER.get(dist, ""))
                report.extracted.append(name)
            except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
                report.failed[name] = f"cannot extract {archive.name}: {exc}"
                _warn(report.failed[name])
        # Versions no longer pinned would silently join the corpus (and fill the disk).
        pinned = {folder_name(d, v) for d, v in PACKAGES}
        for entry in FILES.iterdir():
            if entry.is_dir() and entry.name not in pinned:
                shutil.rmtree(entry, ignore_errors=True)
        for entry in WHEELS.iterdir() if WHEELS.is_dir() else ():
            if entry.is_file() and not any(_matches(entry.name, d, v) for d, v in PACKAGES):
                entry.unlink()
        report.ready = [folder_name(d, v) for d, v in PACKAGES if is_ready(d, v)]
    return report


def ensure_corpus(refresh: bool = False) -> Path:
    """The corpus ``files`` folder, downloaded and extracted on first use."""
    prepare(refresh=refresh)
    return FILES


# -- summary -----------------------------------------------------------------------


def summarize(root: Path | None = None) -> dict:
    root = root or FILES
    per_package: dict[str, list[int]] = {}
    largest: tuple[int, int, str] = (0, 0, "")
    total_lines = total_bytes = 0
    files = migration_files(root)
    for path in files:
        data = path.read_bytes()
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
        rel = path.relative_to(root).as_posix()
        entry = per_package.setdefault(rel.split("/", 1)[0], [0, 0])
        entry[0] += 1
        entry[1] += lines
        total_lines += lines
        total_bytes += len(data)
        largest = max(largest, (lines, len(data), rel))
    return {
        "files": len(files),
        "lines": total_lines,
        "bytes": total_bytes,
        "largest": {"path": largest[2], "lines": largest[0], "bytes": largest[1]},
        "packages": per_package,
    }


def print_summary(report: Report, out=sys.stdout) -> None:
    summary = summarize(report.root)
    print(f"corpus: {report.root}", file=out)
    width = max((len(name) for name in summary["packages"]), default=10)
    for name in sorted(summary["packages"]):
        files, lines = summary["packages"][name]
        print(f"  {name:<{width}}  {files:5d} files  {lines:8,d} lines", file=out)
    print(
        f"total: {summary['files']:,} migration files, {summary['lines']:,} lines, "
        f"{summary['bytes'] / 1e6:.1f} MB",
        file=out,
    )
    big = summary["largest"]
    print(f"largest: {big['path']} ({big['lines']:,} lines, {big['bytes']:,} bytes)", file=out)
    if report.downloaded:
        print(f"downloaded now: {', '.join(report.downloaded)}", file=out)
    if report.failed:
        print(f"FAILED ({len(report.failed)}):", file=out)
        for name, why in sorted(report.failed.items()):
            print(f"  {name}: {why}", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true", help="extract again from the archives")
    args = parser.parse_args(argv)
    report = prepare(refresh=args.refresh)
    print_summary(report)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
