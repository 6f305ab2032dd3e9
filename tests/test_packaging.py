"""The sdist and the wheel as users get them, and installing the wheel into an existing project.

``python -m build`` builds the sdist, then the wheel *from the sdist* (its default), so a file
missing from the sdist breaks the wheel here. The Django test installs the wheel, non-editable,
into a real venv that already has Django 3.2.25 and checks that the tool left it alone.
Both need PyPI (build's isolated environment, the venv's packages); pip's cache makes reruns fast.
"""

from __future__ import annotations

import email.parser
import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "server" / "django_migration_lsp"
OLDEST_DJANGO = "3.2.25"


def run(*argv: str | Path, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=kwargs.pop("timeout", 300),
        **kwargs,
    )


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    proc = run(sys.executable, "-m", "build", "--outdir", out, ROOT, cwd=ROOT)
    assert proc.returncode == 0, f"python -m build failed:\n{proc.stdout}\n{proc.stderr}"
    [sdist] = out.glob("*.tar.gz")
    [wheel] = out.glob("*.whl")
    return {"sdist": sdist, "wheel": wheel}


def package_sources() -> set[str]:
    """The package's Python files, relative to server/ (what both distributions must carry)."""
    return {
        p.relative_to(PACKAGE.parent).as_posix()
        for p in PACKAGE.rglob("*.py")
        if "__pycache__" not in p.parts
    }


def metadata(text: str) -> email.message.Message:
    return email.parser.Parser().parsestr(text)


def test_sdist_has_the_license_and_the_package_and_no_tests(dists):
    with tarfile.open(dists["sdist"]) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
        root = tar.getnames()[0].split("/", 1)[0]
        pkg_info = tar.extractfile(f"{root}/PKG-INFO").read().decode()
        license_text = tar.extractfile(f"{root}/LICENSE").read().decode()
    assert {"LICENSE", "README.md", "pyproject.toml", "PKG-INFO"} <= names
    assert license_text == (ROOT / "LICENSE").read_text()
    missing = {f"server/{p}" for p in package_sources()} - names
    assert not missing, f"the sdist lacks {sorted(missing)}"
    # Tests need the repository (fixtures, harnesses): an sdist with half of them would not run.
    assert not [n for n in names if n.startswith("tests/") or "/tests/" in n]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    meta = metadata(pkg_info)
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]


def test_wheel_has_the_license_metadata_urls_and_classifiers(dists):
    with zipfile.ZipFile(dists["wheel"]) as whl:
        names = set(whl.namelist())
        [dist_info] = {n.split("/", 1)[0] for n in names if ".dist-info/" in n}
        meta = metadata(whl.read(f"{dist_info}/METADATA").decode())
        license_text = whl.read(f"{dist_info}/licenses/LICENSE").decode()
        entry_points = whl.read(f"{dist_info}/entry_points.txt").decode()
    assert license_text == (ROOT / "LICENSE").read_text()
    assert {n for n in names if not n.startswith(dist_info)} == package_sources()
    assert meta["License-Expression"] == "MIT"
    assert not [c for c in meta.get_all("Classifier") if c.startswith("License ::")]  # PEP 639
    assert "django-migration-lsp = django_migration_lsp.__main__:main" in entry_points

    requires = meta.get_all("Requires-Dist")
    [django] = [r for r in requires if r.lower().startswith("django")]
    assert django.replace(" ", "").lower() == "django>=3.2", django

    classifiers = set(meta.get_all("Classifier"))
    for version in ("3.2", "4.2", "5.2"):
        assert f"Framework :: Django :: {version}" in classifiers
    prefix = "Programming Language :: Python :: 3."
    minors = {int(c[len(prefix) :]) for c in classifiers if c.startswith(prefix)}
    assert min(minors) == 10, minors
    assert meta["Requires-Python"] == ">=3.10"

    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert {"Homepage", "Repository", "Issues"} <= set(urls), urls
    assert all(u.startswith("https://") for u in urls.values()), urls


def check_json(python: Path | str, cwd: Path) -> list[tuple]:
    proc = run(
        python, "-m", "django_migration_lsp", "check", "--format", "json", "tests/fixtures/project",
        cwd=cwd,
    )  # fmt: skip
    assert proc.returncode == 1, f"exit {proc.returncode} (1: findings)\n{proc.stdout}{proc.stderr}"
    return sorted((d["filename"], d["code"], d["location"]["row"]) for d in json.loads(proc.stdout))


def test_installing_into_a_django_3_2_project_keeps_its_django(dists, tmp_path: Path):
    """The issue's scenario: `pip install django-migration-lsp` in a project on Django 3.2.25
    used to upgrade it to 5.2. A real venv, real pip, the real wheel."""
    venv = tmp_path / "project-venv"
    proc = run(sys.executable, "-m", "venv", venv)
    assert proc.returncode == 0, proc.stderr
    python = venv / "bin" / "python"

    def pip(*args: str | Path) -> None:
        proc = run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args)
        assert proc.returncode == 0, f"pip install {args} failed:\n{proc.stdout}\n{proc.stderr}"

    def django_version() -> str:
        return run(python, "-c", "import django; print(django.__version__)").stdout.strip()

    pip(f"Django=={OLDEST_DJANGO}")
    assert django_version() == OLDEST_DJANGO
    pip(dists["wheel"])
    assert django_version() == OLDEST_DJANGO, "installing the tool changed the project's Django"
    assert run(python, "-m", "pip", "check").returncode == 0

    # The installed tool works there, and finds what the development install finds.
    version = run(venv / "bin" / "django-migration-lsp", "--version")
    assert version.returncode == 0 and version.stdout.startswith("django-migration-lsp "), version
    findings = check_json(python, ROOT)
    assert findings, "no findings on tests/fixtures/project"
    assert findings == check_json(sys.executable, ROOT)
