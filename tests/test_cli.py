"""The ``check`` command as a user runs it: a subprocess in a project folder."""

from __future__ import annotations

import ast
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from django_migration_lsp.checks.registry import all_rules
from django_migration_lsp.docs import render_rule

MISSING_REVERSE = """\
from django.db import migrations


def forwards(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    operations = [migrations.RunPython(forwards)]
"""
CLEAN = MISSING_REVERSE.replace("(forwards)", "(forwards, migrations.RunPython.noop)")


def run(cwd: Path, *args: str, check_exit: int | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "django_migration_lsp", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check_exit is not None:
        assert proc.returncode == check_exit, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def write(root: Path, rel: str, content: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(tmp_path, "shop/migrations/__init__.py", "")
    write(tmp_path, "shop/migrations/0002_data.py", MISSING_REVERSE)
    write(tmp_path, "shop/migrations/0001_initial.py", CLEAN)
    write(
        tmp_path,
        "shop/models.py",
        "from django.db import migrations\nmigrations.RunPython(print)\n",
    )
    return tmp_path


def test_text_output_and_exit_codes(project: Path):
    proc = run(project, check_exit=1)
    assert proc.stdout.splitlines()[0] == (
        "shop/migrations/0002_data.py:9:19: DJM001 `migrations.RunPython` has no reverse; "
        "unapplying this migration raises `IrreversibleError`"
    )
    assert "Found 1 problem." in proc.stdout
    assert "available with `--fix --unsafe-fixes`" in proc.stdout
    assert "models.py" not in proc.stdout  # not a migration
    assert run(project, "--exit-zero", check_exit=0).stdout
    assert "All checks passed!" in run(project, "--ignore", "DJM001", check_exit=0).stdout
    assert "All checks passed!" in run(project, "--select", "DJM002", check_exit=0).stdout


def test_explicit_file_is_always_checked(project: Path):
    proc = run(project, "shop/models.py", check_exit=1)
    assert "shop/models.py:2:1: DJM001" in proc.stdout


def test_json_has_ruffs_shape(project: Path):
    items = json.loads(run(project, "--format", "json", check_exit=1).stdout)
    assert len(items) == 1
    item = items[0]
    assert set(item) == {
        "cell",
        "code",
        "end_location",
        "filename",
        "fix",
        "location",
        "message",
        "noqa_row",
        "url",
    }
    assert item["code"] == "DJM001"
    assert item["filename"] == str(project / "shop/migrations/0002_data.py")
    assert item["location"] == {"row": 9, "column": 19}
    assert item["end_location"] == {"row": 9, "column": 39}
    assert item["noqa_row"] == 9
    assert item["url"].endswith("docs/rules/DJM001.md")
    assert item["fix"]["applicability"] == "unsafe"
    assert item["fix"]["message"] == "Add migrations.RunPython.noop as reverse"
    assert item["fix"]["edits"] == [
        {
            "content": ", migrations.RunPython.noop",
            "location": {"row": 9, "column": 48},
            "end_location": {"row": 9, "column": 48},
        }
    ]


def test_github_and_sarif(project: Path):
    gh = run(project, "--format", "github", check_exit=1).stdout.strip()
    assert gh.startswith(
        "::error title=django-migration-lsp (DJM001),file=shop/migrations/0002_data.py,"
        "line=9,col=19,endLine=9,endColumn=39::"
    )
    sarif = json.loads(run(project, "--format", "sarif", check_exit=1).stdout)
    assert sarif["version"] == "2.1.0"
    run_ = sarif["runs"][0]
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == list(all_rules())
    (result,) = run_["results"]
    assert result["ruleId"] == "DJM001"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 9, "startColumn": 19, "endLine": 9, "endColumn": 39}


def test_fix_needs_unsafe_fixes(project: Path):
    path = project / "shop/migrations/0002_data.py"
    run(project, "--fix", check_exit=1)
    assert path.read_text() == MISSING_REVERSE  # the only fix is unsafe
    proc = run(project, "--fix", "--unsafe-fixes", check_exit=0)
    assert "1 fixed, 0 remaining" in proc.stdout
    assert path.read_text() == CLEAN
    run(project, check_exit=0)


def test_unsafe_fixes_from_config(project: Path):
    write(project, "pyproject.toml", "[tool.django-migration-lsp]\nunsafe-fixes = true\n")
    run(project, "--fix", check_exit=0)
    assert (project / "shop/migrations/0002_data.py").read_text() == CLEAN


def test_diff_writes_nothing(project: Path):
    path = project / "shop/migrations/0002_data.py"
    before = path.stat().st_mtime_ns
    proc = run(project, "--diff", "--unsafe-fixes", check_exit=1)
    assert (
        "+    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]"
        in proc.stdout
    )
    assert path.read_text() == MISSING_REVERSE and path.stat().st_mtime_ns == before


def test_fix_keeps_crlf_encoding_bom_and_mode(tmp_path: Path):
    latin = "# -*- coding: latin-1 -*-\n# Café\n" + MISSING_REVERSE
    path = write(tmp_path, "a/migrations/0002_x.py", latin.replace("\n", "\r\n").encode("latin-1"))
    bom = write(tmp_path, "a/migrations/0003_y.py", b"\xef\xbb\xbf" + MISSING_REVERSE.encode())
    os.chmod(path, 0o640)
    run(tmp_path, "--fix", "--unsafe-fixes", check_exit=0)
    data = path.read_bytes()
    assert data == CLEAN.join(["# -*- coding: latin-1 -*-\n# Café\n", ""]).replace(
        "\n", "\r\n"
    ).encode("latin-1")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert bom.read_bytes() == b"\xef\xbb\xbf" + CLEAN.encode()
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_non_ascii_before_finding_on_same_line(tmp_path: Path):
    source = MISSING_REVERSE.replace(
        "    operations = [migrations.RunPython(forwards)]",
        '    operations = ["é🐍", migrations.RunPython(forwards)]',
    )
    write(tmp_path, "a/migrations/0002_x.py", source)
    item = json.loads(run(tmp_path, "--format", "json", check_exit=1).stdout)[0]
    assert item["location"] == {"row": 9, "column": 25}  # code points, as ruff counts
    run(tmp_path, "--fix", "--unsafe-fixes", check_exit=0)
    assert (
        '["é🐍", migrations.RunPython(forwards, migrations.RunPython.noop)]'
        in (tmp_path / "a/migrations/0002_x.py").read_text()
    )


def test_add_noqa_then_clean(project: Path):
    proc = run(project, "--add-noqa", check_exit=0)
    assert "Added 1 noqa directive." in proc.stdout
    text = (project / "shop/migrations/0002_data.py").read_text()
    assert "    operations = [migrations.RunPython(forwards)]  # noqa: DJM001\n" in text
    run(project, check_exit=0)


def test_statistics(project: Path):
    proc = run(project, "--statistics", check_exit=1)
    assert proc.stdout.split() == ["1", "DJM001", "irreversible-run-python"]


def test_explain_prints_the_rule_documentation(project: Path):
    proc = run(project, "--explain", "djm003", check_exit=0)
    rule = all_rules()["DJM003"]
    assert proc.stdout.startswith("# hot-model-import (DJM003)\n\n")
    assert rule.documentation() in proc.stdout
    # ``ruff rule``'s shape: no banner of the generated page, each example once.
    assert "GENERATED" not in proc.stdout and "<!--" not in proc.stdout
    assert "Examples from the test suite" not in proc.stdout
    assert proc.stdout.count("from shop.models import Order") == 1
    assert "GENERATED" in render_rule(rule)  # the docs page keeps its banner
    assert run(project, "--explain", "XYZ999", check_exit=2).stderr.startswith(
        "django-migration-lsp: error: unknown rule code"
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[tool.django-migration-lsp]\nselct = ['DJM']\n", "unknown setting `selct`"),
        ("[tool.django-migration-lsp]\nselect = ['NOPE1']\n", "unknown rule code `NOPE1`"),
        (
            "[tool.django-migration-lsp]\nunsafe-fixes = 'yes'\n",
            "`unsafe-fixes` must be true or false",
        ),
        ("[tool.django-migration-lsp\n", "is not valid TOML"),
    ],
)
def test_bad_config_is_a_clear_error(project: Path, config: str, message: str):
    write(project, "pyproject.toml", config)
    proc = run(project, check_exit=2)
    assert message in proc.stderr and proc.stdout == ""


def test_usage_errors(project: Path):
    assert "no such file or folder" in run(project, "nope/", check_exit=2).stderr
    assert "unknown rule code" in run(project, "--select", "XX1", check_exit=2).stderr


def test_discovery_skips_and_includes(tmp_path: Path):
    for rel in (
        ".venv/lib/site-packages/app/migrations/0002_x.py",
        "node_modules/x/migrations/0002_x.py",
        "legacy/old/migrations/0002_x.py",
        "dojo/db_migrations/0002_x.py",
        "shop/migrations/0002_x.py",
        "shop/migrations/squashed/0003_x.py",
    ):
        write(tmp_path, rel, MISSING_REVERSE)
    write(
        tmp_path,
        "pyproject.toml",
        '[tool.django-migration-lsp]\nexclude = ["legacy/**"]\n'
        'extend-include = ["dojo/db_migrations/*.py"]\n'
        'per-file-ignores = { "shop/migrations/squashed/*.py" = ["DJM001"] }\n',
    )
    files = {
        item["filename"]
        for item in json.loads(run(tmp_path, "--format", "json", check_exit=1).stdout)
    }
    assert files == {
        str(tmp_path / "dojo/db_migrations/0002_x.py"),
        str(tmp_path / "shop/migrations/0002_x.py"),
    }


RELOCATED = Path(__file__).resolve().parent / "fixtures" / "relocated"


@pytest.fixture
def relocated(tmp_path: Path) -> Path:
    """DefectDojo's layout: ``MIGRATION_MODULES = {"dojo": "dojo.db_migrations"}``, and a
    package recognised by its content (``reports/schema``); no configuration."""
    root = tmp_path / "defectdojo"
    shutil.copytree(RELOCATED, root)
    return root


def found_files(proc: subprocess.CompletedProcess, root: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in json.loads(proc.stdout):
        rel = Path(item["filename"]).resolve().relative_to(root.resolve()).as_posix()
        out.setdefault(rel, []).append(item["code"])
    return out


def test_relocated_migrations_are_found_without_configuration(relocated: Path):
    proc = run(relocated, "--format", "json", check_exit=1)
    assert found_files(proc, relocated) == {
        "dojo/db_migrations/0002_finding_hash_code.py": ["DJM001"],
        "dojo/db_migrations/0003_rehash_findings.py": ["DJM003"],
        "reports/schema/0002_report_search_index.py": ["DJM002"],
    }
    # From a subfolder, with no argument: the settings above are still read.
    inside = run(relocated / "dojo" / "db_migrations", "--format", "json", check_exit=1)
    assert found_files(inside, relocated) == {
        "dojo/db_migrations/0002_finding_hash_code.py": ["DJM001"],
        "dojo/db_migrations/0003_rehash_findings.py": ["DJM003"],
    }
    assert found_files(run(relocated / "reports", "--format", "json", check_exit=1), relocated)
    # Numbered modules that are not migrations, and app code: nothing to check.
    run(relocated / "scripts", check_exit=0)
    run(relocated, "dojo/settings", "dojo/models.py", check_exit=0)


def test_syntax_error_undecodable_and_binary_files(tmp_path: Path):
    write(
        tmp_path,
        "a/migrations/0002_typing.py",
        "from django.db import migrations\nmigrations.RunPython(\n",
    )
    write(tmp_path, "a/migrations/0003_latin.py", b"x = '\xe9'  # RunPython\n")
    write(tmp_path, "a/migrations/0004_binary.py", b"\x00\x01RunPython")
    write(tmp_path, "a/migrations/0005_ok.py", MISSING_REVERSE)
    items = json.loads(run(tmp_path, "--format", "json", check_exit=1).stdout)
    by_file = {Path(i["filename"]).name: i for i in items}
    assert by_file["0002_typing.py"]["code"] is None
    assert by_file["0002_typing.py"]["message"].startswith("SyntaxError")
    assert "cannot decode file as utf-8" in by_file["0003_latin.py"]["message"]
    assert "binary file" in by_file["0004_binary.py"]["message"]
    assert by_file["0005_ok.py"]["code"] == "DJM001"  # the run goes on


def test_hostile_paths(tmp_path: Path):
    weird = write(tmp_path, "app -- x/migrations/0002 ünï €$(rm -rf).py", MISSING_REVERSE)
    (tmp_path / "loop").mkdir()
    (tmp_path / "loop" / "self").symlink_to(tmp_path / "loop")
    proc = run(tmp_path, "--fix", "--unsafe-fixes", check_exit=0)
    assert "1 fixed" in proc.stdout
    assert weird.read_text() == CLEAN


def test_fixed_files_parse_and_are_idempotent(tmp_path: Path):
    fixtures = Path(__file__).parent / "fixtures" / "project"
    import shutil

    shutil.copytree(fixtures, tmp_path / "project")
    run(tmp_path / "project", "--fix", "--unsafe-fixes")
    for path in (tmp_path / "project").rglob("migrations/*.py"):
        ast.parse(path.read_text())
    second = json.loads(run(tmp_path / "project", "--format", "json").stdout)
    assert all(item["fix"] is None for item in second), second


def test_many_files_run_in_worker_processes(tmp_path: Path):
    from django_migration_lsp.cli.check import FILES_PER_WORKER

    count = 2 * FILES_PER_WORKER + 7  # two workers where there are two cores
    for i in range(count):
        write(tmp_path, f"app{i % 3}/migrations/{i:04d}_x.py", MISSING_REVERSE)
    write(tmp_path, "app0/migrations/9999_skipped.py", b"x" * 100 + b"\n")
    (tmp_path / "app1/migrations/9998_fifo.py").parent.mkdir(exist_ok=True)
    os.mkfifo(tmp_path / "app1/migrations/9998_fifo.py")
    proc = run(tmp_path, "--format", "json", check_exit=1)
    items = json.loads(proc.stdout)
    assert len(items) == count and {i["code"] for i in items} == {"DJM001"}
    assert [i["filename"] for i in items] == sorted(i["filename"] for i in items)
    assert all(i["fix"]["edits"] for i in items)
    assert proc.stderr.count("warning: skipped") == 1 and "9998_fifo.py" in proc.stderr


def test_pathological_input_is_a_finding_not_a_crash(tmp_path: Path):
    nested = "from django.db import migrations\nx = " + "(" * 300 + ")" * 300 + "\nRunPython\n"
    write(tmp_path, "a/migrations/0002_nested.py", nested)
    huge = MISSING_REVERSE + "\n".join(f"v{i} = {i}" for i in range(200_000)) + "\n"
    write(tmp_path, "a/migrations/0003_huge.py", huge)
    items = json.loads(run(tmp_path, "--format", "json", check_exit=1).stdout)
    by_file = {Path(i["filename"]).name: i for i in items}
    assert by_file["0002_nested.py"]["code"] is None
    assert by_file["0002_nested.py"]["message"].startswith("SyntaxError: too many nested")
    assert by_file["0003_huge.py"]["code"] == "DJM001"


# -- ruff's conventions for a CI user ---------------------------------------------------


def test_help_says_no_arguments_start_the_server():
    proc = subprocess.run(
        [sys.executable, "-m", "django_migration_lsp", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "With no arguments, django-migration-lsp starts the language server" in text
    for flag in ("--stdio", "--tcp", "--ws", "--host", "--port", "check", "--version"):
        assert flag in text
    check_help = subprocess.run(
        [sys.executable, "-m", "django_migration_lsp", "check", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "--force-exclude" in check_help and "Exit status" in check_help


def test_no_migration_files_is_a_warning(tmp_path: Path):
    write(tmp_path, "shop/models.py", "x = 1\n")
    proc = run(tmp_path, check_exit=0)
    assert proc.stderr == "warning: no migration files found under .\n"
    assert "All checks passed!" in proc.stdout


def test_diff_says_how_many_fixes_need_unsafe_fixes(project: Path):
    proc = run(project, "--diff", check_exit=0)
    assert proc.stdout == ""  # stdout is the diff only: here there is none
    assert proc.stderr == ("No problems would be fixed (1 fix available with `--unsafe-fixes`).\n")
    proc = run(project, "--diff", "--unsafe-fixes", check_exit=1)
    assert proc.stdout.startswith("--- shop/migrations/0002_data.py\n")
    assert proc.stderr == "Would fix 1 problem.\n"


def test_diff_counts_the_unsafe_fixes_left_beside_applied_ones(tmp_path: Path):
    # A noqa'd finding is not counted; the two unsafe fixes are.
    write(tmp_path, "a/migrations/0002_x.py", MISSING_REVERSE)
    write(tmp_path, "a/migrations/0003_y.py", MISSING_REVERSE)
    proc = run(tmp_path, "--diff", check_exit=0)
    assert "(2 fixes available with `--unsafe-fixes`)" in proc.stderr


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_statistics_in_text_and_json(project: Path, fmt: str):
    write(project, "shop/migrations/0003_sql.py", MISSING_SQL)
    proc = run(project, "--statistics", "--format", fmt, check_exit=1)
    if fmt == "text":
        assert proc.stdout.splitlines() == [
            "    1\tDJM001\tirreversible-run-python",
            "    1\tDJM002\tirreversible-run-sql",
        ]
    else:
        assert json.loads(proc.stdout) == [
            {"code": "DJM001", "name": "irreversible-run-python", "count": 1, "fixable": False},
            {"code": "DJM002", "name": "irreversible-run-sql", "count": 1, "fixable": False},
        ]
    unsafe = json.loads(
        run(project, "--statistics", "--format", "json", "--unsafe-fixes", check_exit=1).stdout
    )
    assert {row["fixable"] for row in unsafe} == {True}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--statistics", "--format", "github"], "--statistics prints text or json"),
        (["--statistics", "--format", "sarif"], "--statistics prints text or json"),
        (["--add-noqa", "--fix"], "--add-noqa and --fix cannot be combined"),
        (["--statistics", "--diff"], "--statistics and --diff cannot be combined"),
    ],
)
def test_contradicting_flags_are_a_usage_error(project: Path, args: list[str], message: str):
    before = (project / "shop/migrations/0002_data.py").read_bytes()
    proc = run(project, *args, check_exit=2)
    assert message in proc.stderr and proc.stdout == ""
    assert (project / "shop/migrations/0002_data.py").read_bytes() == before


def test_force_exclude_applies_to_named_files(tmp_path: Path):
    write(tmp_path, "legacy/migrations/0002_x.py", MISSING_REVERSE)
    write(tmp_path, "shop/migrations/0002_x.py", MISSING_REVERSE)
    write(tmp_path, "dojo/db_migrations/0002_x.py", MISSING_REVERSE)
    write(tmp_path, "shop/models.py", MISSING_REVERSE)  # not a migration
    write(
        tmp_path,
        "pyproject.toml",
        '[tool.django-migration-lsp]\nexclude = ["legacy/**"]\n'
        'extend-include = ["dojo/db_migrations/*.py"]\n',
    )
    named = [
        "legacy/migrations/0002_x.py",
        "shop/migrations/0002_x.py",
        "dojo/db_migrations/0002_x.py",
        "shop/models.py",
    ]
    # Without it a named file is always checked (as ruff does).
    without = json.loads(run(tmp_path, "--format", "json", *named, check_exit=1).stdout)
    assert len(without) == 4
    with_it = json.loads(
        run(tmp_path, "--format", "json", "--force-exclude", *named, check_exit=1).stdout
    )
    assert sorted(Path(i["filename"]).relative_to(tmp_path).as_posix() for i in with_it) == [
        "dojo/db_migrations/0002_x.py",
        "shop/migrations/0002_x.py",
    ]
    proc = run(tmp_path, "--force-exclude", "shop/models.py", check_exit=0)
    assert "no migration files found under shop/models.py" in proc.stderr


# -- --add-noqa and noqa comments: ruff's rule for multi-line strings --------------------------

MULTILINE_SQL = '''\
from django.db import migrations


class Migration(migrations.Migration):
    operations = [
        migrations.RunSQL("""
            UPDATE shop_order SET status = 'new'  -- backfill
            WHERE status IS NULL
        """),
        migrations.RunSQL(
            """UPDATE a SET b = 1""", \\
        ),
    ]
'''


def test_add_noqa_goes_after_a_multi_line_string_and_is_idempotent(tmp_path: Path):
    path = write(tmp_path, "a/migrations/0002_sql.py", MULTILINE_SQL)
    before = json.loads(run(tmp_path, "--format", "json", check_exit=1).stdout)
    assert [(i["location"]["row"], i["noqa_row"]) for i in before] == [(6, 9), (10, 10)]

    proc = run(tmp_path, "--add-noqa", "--diff", check_exit=1)
    assert path.read_text() == MULTILINE_SQL  # --diff writes nothing
    assert '+        """),  # noqa: DJM002\n' in proc.stdout
    assert proc.stderr == "Would add 2 noqa directives.\n"

    proc = run(tmp_path, "--add-noqa", check_exit=0)
    assert "Added 2 noqa directives." in proc.stdout
    text = path.read_text()
    # The SQL is unchanged: the comment is after the string, not in it.
    assert "UPDATE shop_order SET status = 'new'  -- backfill\n" in text
    assert '        """),  # noqa: DJM002\n' in text
    assert "        migrations.RunSQL(  # noqa: DJM002\n" in text
    assert text.count("noqa") == 2
    compile(text, str(path), "exec")
    run(tmp_path, check_exit=0)  # silenced

    again = run(tmp_path, "--add-noqa", check_exit=0)
    assert "Added 0 noqa directives." in again.stdout
    assert path.read_text() == text  # the second run changes nothing
    assert run(tmp_path, "--add-noqa", "--diff", check_exit=0).stdout == ""


def test_noqa_after_the_string_with_a_comment_already_there(tmp_path: Path):
    source = MULTILINE_SQL.replace('        """),\n', '        """),  # backfill\n')
    path = write(tmp_path, "a/migrations/0002_sql.py", source)
    run(tmp_path, "--add-noqa", check_exit=0)
    assert '        """),  # noqa: DJM002 # backfill\n' in path.read_text()
    run(tmp_path, check_exit=0)


def test_add_noqa_keeps_crlf(tmp_path: Path):
    path = write(tmp_path, "a/migrations/0002_sql.py", MULTILINE_SQL.replace("\n", "\r\n").encode())
    run(tmp_path, "--add-noqa", check_exit=0)
    data = path.read_bytes()
    assert b'"""),  # noqa: DJM002\r\n' in data
    assert data.count(b"\n") == data.count(b"\r\n")


# -- a file from a newer Python ----------------------------------------------------------

NEWER_EXCEPT = MISSING_REVERSE.replace(
    "def forwards(apps, schema_editor):\n    pass\n",
    "def forwards(apps, schema_editor):\n    try:\n        pass\n"
    "    except ValueError, TypeError:\n        pass\n",
)


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="`except A, B:` is valid on 3.14")
def test_newer_syntax_is_not_called_the_users_syntax_error(tmp_path: Path):
    write(tmp_path, "a/migrations/0002_x.py", NEWER_EXCEPT)
    write(tmp_path, "a/migrations/0003_typo.py", MISSING_REVERSE.replace("(forwards)", "(forwards"))
    items = json.loads(run(tmp_path, "--format", "json", check_exit=1).stdout)
    by_file = {Path(i["filename"]).name: i for i in items}
    newer = by_file["0002_x.py"]
    version = "{}.{}".format(*sys.version_info[:2])
    assert newer["code"] is None and newer["location"]["row"] == 7
    assert newer["message"].startswith(f"cannot parse with Python {version}'s grammar: ")
    assert "`except A, B:` without parentheses, new in Python 3.14" in newer["message"]
    assert by_file["0003_typo.py"]["message"].startswith("SyntaxError: ")  # a real typo


MISSING_SQL = """\
from django.db import migrations


class Migration(migrations.Migration):
    operations = [migrations.RunSQL("UPDATE t SET c = 1")]
"""


# -- every write compiles ------------------------------------------------------------------


def _apply_json_fix(text: str, fix: dict) -> str:
    from django_migration_lsp.checks.base import Edit, Position, Range
    from django_migration_lsp.checks.source import SourceFile

    def pos(loc: dict) -> Position:
        return Position(loc["row"], loc["column"] - 1)

    edits = [
        Edit(Range(pos(e["location"]), pos(e["end_location"])), e["content"]) for e in fix["edits"]
    ]
    return SourceFile(text).apply(edits)


@pytest.mark.parametrize(
    "shape",
    ["future_and_docstring", "global_declaration", "import_alone_in_if", "import_alone_in_try"],
)
def test_json_fixes_and_fix_write_only_what_compiles(tmp_path: Path, shape: str):
    from .checks.test_fix_properties import SHAPES

    source = SHAPES[shape]
    path = write(tmp_path, "shop/migrations/0002_x.py", source)
    items = json.loads(run(tmp_path, "--format", "json", check_exit=1).stdout)
    for item in items:
        if item["fix"] is not None:
            compile(_apply_json_fix(source, item["fix"]), str(path), "exec")
    hot = [i for i in items if i["code"] == "DJM003"]
    assert len(hot) == 1
    if shape == "global_declaration":
        assert hot[0]["fix"] is None
        assert "(no automatic fix: `forwards()` declares `Order` global)" in hot[0]["message"]
    else:
        assert hot[0]["fix"] is not None

    run(tmp_path, "--fix", "--unsafe-fixes")
    fixed = path.read_text()
    compile(fixed, str(path), "exec")
    remaining = json.loads(run(tmp_path, "--format", "json").stdout)
    if shape == "global_declaration":
        assert [i["code"] for i in remaining] == ["DJM003"]  # nothing it could do safely
    else:
        assert remaining == []  # fixed, not silently skipped
