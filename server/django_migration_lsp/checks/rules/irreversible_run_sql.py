from __future__ import annotations

from collections.abc import Iterator

from ..base import (
    Applicability,
    Finding,
    Fix,
    Invalid,
    Rule,
    Valid,
)
from ..context import MigrationContext
from ..operations import RELATIVE_IMPORT
from ..source import SourceFile
from ._operations import fix_data, missing_reverses, pass_reverse

HEADER = "from django.db import migrations\n\n\n"


class IrreversibleRunSQL(Rule):
    """
    ## What it does
    Checks for `RunSQL` operations that have no `reverse_sql` (or `reverse_sql=None`).

    ## Why is this bad?
    Django cannot unapply such a migration: rolling back past it fails with
    `IrreversibleError: Operation <RunSQL ...> in shop.0003_x is not reversible`.

    When the SQL has nothing to undo (it only fills in data, or the schema
    rollback removes what it made), pass `migrations.RunSQL.noop`. Otherwise
    write the SQL that reverses it.

    As for DJM001, a migration class that overrides `unapply()` (itself or
    through a base class) is not reported, and subclasses of `RunSQL` of the
    project's own are read statically and reported unless they give a reverse
    themselves.

    ## Example
    ```python
    migrations.RunSQL("UPDATE shop_order SET status = 'new' WHERE status IS NULL")
    ```

    Use instead:
    ```python
    migrations.RunSQL(
        "UPDATE shop_order SET status = 'new' WHERE status IS NULL",
        reverse_sql=migrations.RunSQL.noop,
    )
    ```

    ## Fix safety
    The fix is unsafe: `RunSQL.noop` makes the rollback run, but whatever the
    forward SQL changed stays changed.

    ## References
    - [Django docs: `RunSQL`](https://docs.djangoproject.com/en/stable/ref/migration-operations/#runsql)
    """

    code = "DJM002"
    name = "irreversible-run-sql"
    summary = "`RunSQL` operation without `reverse_sql`"
    triggers = (b"RunSQL", RELATIVE_IMPORT)
    fix_applicability = Applicability.UNSAFE

    VALID = [
        Valid(
            HEADER + "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunSQL('SELECT 1', migrations.RunSQL.noop)]\n"
        ),
        Valid(
            HEADER + "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.RunSQL(\n"
            "            sql='CREATE INDEX i ON t (c)', reverse_sql='DROP INDEX i'\n"
            "        ),\n"
            "    ]\n"
        ),
        Valid(
            "from django.db.migrations import RunSQL\n\n\n"
            "class Migration:\n    operations = [RunSQL(['SELECT 1'], [])]\n"
        ),
    ]
    INVALID = [
        Invalid(
            HEADER + "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunSQL('UPDATE t SET c = 1')]\n",
            range=(5, 19, 5, 36),
            message="`migrations.RunSQL` has no `reverse_sql`; unapplying this migration raises "
            "`IrreversibleError`",
            fixed=HEADER + "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunSQL('UPDATE t SET c = 1', "
            "reverse_sql=migrations.RunSQL.noop)]\n",
        ),
        Invalid(
            "from django.db import migrations as m\n\n\n"
            "class Migration(m.Migration):\n"
            "    operations = [\n"
            "        m.RunSQL(\n"
            '            sql="UPDATE t SET c = 1",\n'
            "            reverse_sql=None,\n"
            "        ),\n"
            "    ]\n",
            range=(6, 9, 6, 17),
            fixed="from django.db import migrations as m\n\n\n"
            "class Migration(m.Migration):\n"
            "    operations = [\n"
            "        m.RunSQL(\n"
            '            sql="UPDATE t SET c = 1",\n'
            "            reverse_sql=m.RunSQL.noop,\n"
            "        ),\n"
            "    ]\n",
        ),
        Invalid(
            HEADER + "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.RunSQL(\n"
            '            "UPDATE t SET x = 1",  # backfill x\n'
            "        ),\n"
            "    ]\n",
            fixed=HEADER + "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.RunSQL(\n"
            '            "UPDATE t SET x = 1",  # backfill x\n'
            "            reverse_sql=migrations.RunSQL.noop,\n"
            "        ),\n"
            "    ]\n",
        ),
        Invalid(
            HEADER + "class PostgresRunSQL(migrations.RunSQL):\n"
            "    def __init__(self, sql, reverse_sql=None, *, postgres_only=True, **kwargs):\n"
            "        super().__init__(sql, reverse_sql=reverse_sql, **kwargs)\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [PostgresRunSQL('CREATE EXTENSION pg_trgm')]\n",
            range=(10, 19, 10, 33),
            fixed=HEADER + "class PostgresRunSQL(migrations.RunSQL):\n"
            "    def __init__(self, sql, reverse_sql=None, *, postgres_only=True, **kwargs):\n"
            "        super().__init__(sql, reverse_sql=reverse_sql, **kwargs)\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [PostgresRunSQL('CREATE EXTENSION pg_trgm', "
            "reverse_sql=PostgresRunSQL.noop)]\n",
        ),
    ]

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        for missing in missing_reverses(ctx, "RunSQL", "sql", "reverse_sql"):
            op = missing.op
            yield self.finding(
                f"`{op.callee}` has no `reverse_sql`; unapplying this migration raises "
                "`IrreversibleError`",
                ctx.source.node_range(op.call.func),
                fix_data=fix_data(ctx, missing),
            )

    def fixes(self, source: SourceFile, finding: Finding) -> list[Fix]:
        data = finding.fix_data or {}
        noop = data["noop"]
        edit = pass_reverse(source, data, noop, "reverse_sql", positional=False)
        return [Fix(f"Add reverse_sql={noop}", Applicability.UNSAFE, (edit,))]
