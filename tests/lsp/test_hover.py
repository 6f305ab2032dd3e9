"""Hovers from the historical state, over the protocol: on a ``get_model`` of the registry
a ``RunPython`` function was given, the model just before that ``RunPython``; on a
``RemoveField``, what its reverse re-adds. Ranges in the negotiated encoding (🐍: one code
point, two UTF-16 units, four UTF-8 bytes, before the call on its line); the buffer as
typed; nothing elsewhere, nothing (and no error) on bad input."""

from __future__ import annotations

import pytest
from lsprotocol import types

from .harness import Session

HEADER = "from django.db import migrations, models\n\n\n"


def migration(deps: str, operations: str, head: str = "") -> str:
    return (
        HEADER
        + head
        + "class Migration(migrations.Migration):\n"
        + f"    dependencies = [{deps}]\n\n"
        + f"    operations = [\n{operations}    ]\n"
    )


BACKFILL_HEAD = """\
def forwards(apps, schema_editor):
    label, Order = "🐍", apps.get_model("shop", "Order")
    Order.objects.update(code=label)


def backwards(apps, schema_editor):
    restore(apps)


def restore(registry):
    registry.get_model("shop.Order").objects.update(code="new")
    registry.get_model("shop", "Ghost")


def unused(apps):
    return apps.get_model("shop", "Order")


"""
STATUS = (
    '        migrations.AddField("order", "status", models.CharField(max_length=8, null=True)),\n'
)
FILES = {
    "manage.py": "",
    "shop/__init__.py": "",
    "shop/migrations/__init__.py": "",
    "shop/migrations/0001_initial.py": migration(
        "",
        '        migrations.CreateModel("Order", [\n'
        '            ("id", models.AutoField(primary_key=True)),\n'
        '            ("note", models.TextField()),\n'
        '            ("code", models.CharField(max_length=8, default="new")),\n'
        '            ("paid", models.BooleanField(null=True)),\n'
        "        ]),\n",
    ),
    "shop/migrations/0002_paid.py": migration(
        '("shop", "0001_initial")',
        '        migrations.AlterField("order", "paid", models.BooleanField(default=False)),\n',
    ),
    "shop/migrations/0003_backfill.py": migration(
        '("shop", "0002_paid")',
        STATUS + "        migrations.RunPython(forwards, backwards),\n",
        head=BACKFILL_HEAD,
    ),
    "shop/migrations/0004_remove.py": migration(
        '("shop", "0003_backfill")',
        '        migrations.RunSQL("-- 🐍", migrations.RunSQL.noop), '
        'migrations.RemoveField("order", "note"),\n'
        '        migrations.RemoveField(model_name="order", name="status"),\n'
        "        migrations.SeparateDatabaseAndState(\n"
        '            database_operations=[migrations.RemoveField("order", "code")],\n'
        '            state_operations=[migrations.RemoveField("order", "paid")],\n'
        "        ),\n",
    ),
}
BACKFILL = "shop/migrations/0003_backfill.py"
REMOVE = "shop/migrations/0004_remove.py"
ORDER_FIELDS = (
    "- `id`: AutoField, NOT NULL, no default (shop.0001_initial)\n"
    "- `note`: TextField, NOT NULL, no default (shop.0001_initial)\n"
    "- `code`: CharField, NOT NULL, default (shop.0001_initial)\n"
    # Changed by a later migration than the one that created it.
    "- `paid`: BooleanField, NOT NULL, default (shop.0002_paid)\n"
    "- `status`: CharField, NULL, no default (shop.0003_backfill)"
)


async def hover(session: Session, uri: str, position: types.Position) -> types.Hover | None:
    return await session.client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )


async def hover_on(session: Session, uri: str, call: str, offset: int = 0) -> types.Hover | None:
    """The hover ``offset`` characters into the first ``call`` of the document; its range
    must be that call's, in the session's position encoding."""
    found = await hover(session, uri, session.position_of(uri, call, offset))
    if found is not None:
        assert found.range is not None
        assert found.range.start == session.position_of(uri, call)
        assert session.text_at(uri, found.range) == call
        assert isinstance(found.contents, types.MarkupContent)
        assert found.contents.kind == types.MarkupKind.Markdown
    return found


def errors(session: Session) -> list[str]:
    return [m.message for m in session.client.log_messages if m.type == types.MessageType.Error]


@pytest.mark.parametrize("profile", ["vscode", "neovim"])
async def test_get_model_shows_the_model_before_its_run_python(start, profile):
    session = await start(profile, files=FILES)
    assert session.encoding == ("utf-16" if profile == "vscode" else "utf-8")
    uri = session.open(BACKFILL)
    # After the 🐍 on its line, on `"Order"`.
    found = await hover_on(session, uri, 'apps.get_model("shop", "Order")', 25)
    assert found is not None and found.contents.value == (
        "**shop.Order** before `shop.0003_backfill` `operations[1]` (`RunPython`, forward)\n\n"
        + ORDER_FIELDS
    )
    # In a helper of the reverse, with the registry under another name.
    found = await hover_on(session, uri, 'registry.get_model("shop.Order")', 4)
    assert found is not None and found.contents.value == (
        "**shop.Order** before `shop.0003_backfill` `operations[1]` (`RunPython`, reverse)\n\n"
        + ORDER_FIELDS
    )
    # A model the state does not have there: one line, as DJM006 says it.
    found = await hover_on(session, uri, 'registry.get_model("shop", "Ghost")')
    assert found is not None and found.contents.value == (
        "**shop.Ghost** is not in the state before `shop.0003_backfill` `operations[1]` "
        "(`RunPython`, reverse): `get_model` raises `LookupError` when this migration is "
        "unapplied (no migration of `shop` creates a model `Ghost`)"
    )
    assert not errors(session)


@pytest.mark.parametrize("profile", ["vscode", "neovim"])
async def test_get_model_follows_the_unsaved_buffer(start, profile):
    session = await start(profile, files=FILES)
    uri = session.open(BACKFILL)
    flag = '        migrations.AddField("order", "flag", models.BooleanField(default=True)),\n'
    session.replace(uri, STATUS, STATUS + flag)  # not saved
    found = await hover_on(session, uri, 'apps.get_model("shop", "Order")')
    assert found is not None and found.contents.value == (
        "**shop.Order** before `shop.0003_backfill` `operations[2]` (`RunPython`, forward)\n\n"
        + ORDER_FIELDS
        + "\n- `flag`: BooleanField, NOT NULL, default (shop.0003_backfill)"
    )
    # Moved after the RunPython: not there yet when it runs.
    session.replace(uri, STATUS + flag, STATUS)
    session.replace(
        uri,
        "        migrations.RunPython(forwards, backwards),\n",
        "        migrations.RunPython(forwards, backwards),\n" + flag,
    )
    found = await hover_on(session, uri, 'apps.get_model("shop", "Order")')
    assert found is not None and "`operations[1]`" in found.contents.value
    assert "flag" not in found.contents.value


@pytest.mark.parametrize("profile", ["vscode", "neovim"])
async def test_remove_field_shows_what_its_reverse_re_adds(start, profile):
    session = await start(profile, files=FILES)
    uri = session.open(REMOVE)
    found = await hover_on(session, uri, 'migrations.RemoveField("order", "note")', 26)
    assert found is not None and found.contents.value == (
        "**RemoveField** `shop.Order.note`, `shop.0004_remove` `operations[1]`\n\n"
        "Unapplying it re-adds column `note` to `shop_order`: TextField, NOT NULL, no "
        "default. On a table with rows it fails with IntegrityError (empty: it passes)."
    )
    found = await hover_on(
        session, uri, 'migrations.RemoveField(model_name="order", name="status")'
    )
    assert found is not None and found.contents.value == (
        "**RemoveField** `shop.Order.status`, `shop.0004_remove` `operations[2]`\n\n"
        "Unapplying it re-adds column `status` to `shop_order`: CharField, NULL, no default. "
        "Existing rows get NULL."
    )
    found = await hover_on(session, uri, 'migrations.RemoveField("order", "code")', 3)
    assert found is not None and found.contents.value == (
        "**RemoveField** `shop.Order.code`, "
        "`shop.0004_remove` `operations[3].database_operations[0]`\n\n"
        "Unapplying it re-adds column `code` to `shop_order`: CharField, NOT NULL, default. "
        "Existing rows get the default."
    )


@pytest.mark.parametrize("profile", ["vscode", "neovim"])
async def test_no_hover_elsewhere(start, profile):
    session = await start(profile, files=FILES)
    backfill, remove = session.open(BACKFILL), session.open(REMOVE)
    for uri, needle in (
        (backfill, "def forwards"),
        (backfill, "Order.objects.update(code=label)"),
        (backfill, "migrations.RunPython(forwards"),  # the RunPython itself
        (backfill, "migrations.AddField"),
        (backfill, '("shop", "0002_paid")'),
        (remove, 'migrations.RunSQL("-- 🐍"'),
        (remove, 'state_operations=[migrations.RemoveField("order", "paid")]'),  # no database
        (remove, "SeparateDatabaseAndState"),
    ):
        assert await hover(session, uri, session.position_of(uri, needle, 3)) is None, needle
    # A get_model in a function that no RunPython runs.
    unused = session.position_of(backfill, 'return apps.get_model("shop", "Order")', 10)
    assert await hover(session, backfill, unused) is None
    # Between the two calls of a line: on the comma.
    comma = session.position_of(remove, ", migrations.RemoveField")
    assert await hover(session, remove, comma) is None
    assert not errors(session)


async def test_noqa_hover_still_works_beside_them(start):
    session = await start("vscode", files=FILES)
    text = FILES[BACKFILL].replace(
        'registry.get_model("shop", "Ghost")', 'registry.get_model("shop", "Ghost")  # noqa: DJM006'
    )
    uri = session.open(BACKFILL, text)
    found = await hover(session, uri, session.position_of(uri, "DJM006", 2))
    assert found is not None and "**DJM006** `reverse-cannot-run`" in found.contents.value
    found = await hover_on(session, uri, 'registry.get_model("shop", "Ghost")')
    assert found is not None and found.contents.value.startswith("**shop.Ghost** is not in")


@pytest.mark.parametrize("profile", ["vscode", "neovim"])
async def test_bad_input_gives_no_hover_and_no_error(start, profile, tmp_path):
    session = await start(profile, files=FILES)
    # While typing: the buffer does not parse.
    uri = session.open(BACKFILL)
    session.replace(
        uri, "def backwards(apps, schema_editor):", "def backwards(apps, schema_editor:"
    )
    position = session.position_of(uri, 'apps.get_model("shop", "Order")', 5)
    assert await hover(session, uri, position) is None
    # A file of the project that is no migration; a migration outside any project.
    models = session.open("shop/models.py", "def f(apps):\n    apps.get_model('shop', 'Order')\n")
    assert await hover(session, models, types.Position(line=1, character=10)) is None
    outside = tmp_path / "elsewhere" / "app" / "migrations" / "0003_backfill.py"
    outside.parent.mkdir(parents=True)
    outside.write_text(FILES[BACKFILL], encoding="utf-8")
    other = outside.as_uri()
    session.texts[other], session.versions[other] = FILES[BACKFILL], 1
    session.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=other, language_id="python", version=1, text=FILES[BACKFILL])
        )
    )
    position = session.position_of(other, 'apps.get_model("shop", "Order")', 5)
    assert await hover(session, other, position) is None
    # A migration of the project not saved yet (not in the graph).
    new = session.open("shop/migrations/0005_new.py", FILES[BACKFILL], save=False)
    assert await hover(session, new, session.position_of(new, "apps.get_model", 5)) is None
    assert not errors(session)
