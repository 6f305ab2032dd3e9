"""What the editor is offered must compile, keep the document's newlines, and a "Disable
for this line" must silence, even after a multi-line SQL string."""

from __future__ import annotations

from lsprotocol import types

from .harness import RUN_SQL, Session, dedent

MIGRATION = "shop/migrations/0003_data.py"
FIX_ALL = "source.fixAll.django-migration-lsp"

IMPORT_ALONE_IN_IF = dedent(
    """
    from django.db import migrations


    def forwards(apps, schema_editor):
        if True:
            from shop.models import Order
        Order.objects.update(status="new")


    class Migration(migrations.Migration):
        operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
    """
)

FUTURE = dedent(
    '''
    """Delete users without an email."""
    from __future__ import annotations

    from django.contrib.auth import get_user_model
    from django.db import migrations


    def forwards(apps, schema_editor):
        get_user_model().objects.filter(email="").delete()


    class Migration(migrations.Migration):
        operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
    '''
)

GLOBAL = dedent(
    """
    from django.db import migrations
    from shop.models import Order


    def forwards(apps, schema_editor):
        global Order
        Order.objects.update(status="new")


    class Migration(migrations.Migration):
        operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
    """
)

SQL_STRING_ON_THE_CALL_LINE = dedent(
    '''
    from django.db import migrations


    class Migration(migrations.Migration):
        operations = [
            migrations.RunSQL("""
                UPDATE shop_order SET status = 'new'
            """),
        ]
    '''
)

MULTI_LINE_SQL = dedent(
    '''
    from django.db import migrations


    class Migration(migrations.Migration):
        operations = [
            migrations.RunSQL(
                """
                UPDATE shop_order SET status = 'new'
                """,
            ),
        ]
    '''
)


async def quick_fix(session: Session, uri: str, code: str) -> list[types.CodeAction]:
    diagnostics = [d for d in await session.diagnostics(uri) if d.code == code]
    assert diagnostics, f"no {code} diagnostic"
    return await session.actions(uri, diagnostics[:1], only=["quickfix"])


def compiled(text: str) -> None:
    compile(text, MIGRATION, "exec", dont_inherit=True)


async def test_removing_an_import_alone_in_a_block_keeps_the_block(session: Session):
    uri = session.open(MIGRATION, IMPORT_ALONE_IN_IF)
    (fix, _noqa) = await quick_fix(session, uri, "DJM003")
    session.apply(fix.edit)
    text = session.texts[uri]
    compiled(text)
    assert "    if True:\n        pass\n" in text
    assert "    Order = apps.get_model(" in text
    assert await session.diagnostics(uri) == []


async def test_the_settings_import_goes_after_future_imports(session: Session):
    uri = session.open(MIGRATION, FUTURE)
    (fix, _noqa) = await quick_fix(session, uri, "DJM003")
    session.apply(fix.edit)
    text = session.texts[uri]
    compiled(text)
    assert text.startswith(
        '"""Delete users without an email."""\nfrom __future__ import annotations\n\n'
        "from django.conf import settings\n"
    )


async def test_no_fix_where_the_function_declares_the_name_global(session: Session):
    uri = session.open(MIGRATION, GLOBAL)
    (diagnostic,) = await session.diagnostics(uri)
    assert "(no automatic fix: `forwards()` declares `Order` global)" in diagnostic.message
    actions = await quick_fix(session, uri, "DJM003")
    assert [a.title for a in actions] == ["DJM003: Disable for this line"]


async def test_crlf_document_gets_crlf_edits(start):
    session = await start("vscode", settings={"unsafeFixes": True})
    crlf = MULTI_LINE_SQL.replace("\n", "\r\n")
    uri = session.open(MIGRATION, crlf, save=False)
    (fix, _noqa) = await quick_fix(session, uri, "DJM002")
    for change in fix.edit.document_changes or []:
        for edit in change.edits:
            assert "\n" not in edit.new_text.replace("\r\n", "")
    session.apply(fix.edit)
    text = session.texts[uri]
    assert "reverse_sql=migrations.RunSQL.noop,\r\n" in text
    assert text.count("\n") == text.count("\r\n")
    compiled(text)

    uri = session.open("shop/migrations/0004_x.py", RUN_SQL.replace("\n", "\r\n"), save=False)
    diagnostics = await session.diagnostics(uri)
    (action,) = await session.actions(uri, diagnostics, only=["source.fixAll"])
    session.apply((await session.resolve(action)).edit)
    text = session.texts[uri]
    assert text.count("\n") == text.count("\r\n") and "reverse_sql=" in text
    compiled(text)


async def test_disable_for_this_line_goes_after_the_sql_string(session: Session):
    uri = session.open(MIGRATION, SQL_STRING_ON_THE_CALL_LINE)
    (diagnostic,) = await session.diagnostics(uri)
    assert diagnostic.range.start.line == 5  # 0-based: the line that opens the string
    assert diagnostic.data["noqa_row"] == 8  # 1-based: the line where it closes
    (action,) = [a for a in await quick_fix(session, uri, "DJM002") if "Disable" in a.title]
    session.apply(action.edit)
    text = session.texts[uri]
    assert "            UPDATE shop_order SET status = 'new'\n" in text  # the SQL is intact
    assert '        """),  # noqa: DJM002\n' in text
    assert await session.diagnostics(uri) == []
    actions = await session.actions(uri, [])
    assert not [a for a in actions if "Disable" in a.title]
