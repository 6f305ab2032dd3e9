"""Document links and go-to-definition from the ``("app", "name")`` entries of
``dependencies``, ``run_before`` and ``replaces`` to the migration files, resolved as
Django's loader resolves them; ranges in the negotiated position encoding."""

from __future__ import annotations

import pytest
from lsprotocol import types

from .harness import Session

HEADER = "from django.conf import settings\nfrom django.db import migrations\n\n\n"


def migration(body: str) -> str:
    return HEADER + "class Migration(migrations.Migration):\n" + body + "    operations = []\n"


FILES = {
    "manage.py": "",
    "settings.py": 'AUTH_USER_MODEL = "accounts.User"\nINSTALLED_APPS = ["shop", "ledger"]\n',
    "accounts/__init__.py": "",
    "accounts/migrations/__init__.py": "",
    "accounts/migrations/0001_initial.py": migration("    initial = True\n"),
    "accounts/migrations/0002_email.py": migration(
        '    dependencies = [("accounts", "0001_initial")]\n'
    ),
    "ledger/__init__.py": "",
    "ledger/migrations/__init__.py": "",
    # é: 1 code point, 1 UTF-16 unit, 2 UTF-8 bytes; it moves every later column on its line.
    "ledger/migrations/0001_café.py": migration("    initial = True\n"),
    "ledger/migrations/0002_entry.py": migration('    dependencies = [("ledger", "0001_café")]\n'),
    "shop/__init__.py": "",
    "shop/migrations/__init__.py": "",
    "shop/migrations/0001_initial.py": migration("    initial = True\n"),
    "shop/migrations/0001_squashed_0002.py": migration(
        '    replaces = [("shop", "0001_initial"), ("shop", "0002_gone")]\n'
    ),
}
OPENED = "shop/migrations/0003_order.py"
TEXT = migration(
    "    dependencies = [\n"
    '        ("ledger", "0001_café"), ("ledger", "__latest__"),\n'
    '        ("shop", "0001_squashed_0002"),\n'
    "        migrations.swappable_dependency(settings.AUTH_USER_MODEL),\n"
    '        ("accounts", "__first__"),\n'
    '        ("shop", "0099_missing"),\n'
    '        ("nowhere", "__first__"),\n'
    '        ("shop", "__first__"),\n'
    "    ]\n"
    '    run_before = [("accounts", "0002_email")]\n'
    '    replaces = [("shop", "0001_initial"), ("shop", "0002_gone")]\n'
)
#: Each linked entry, as written, and the file it leads to.
LINKED = [
    ('("ledger", "0001_café")', "ledger/migrations/0001_café.py"),
    ('("ledger", "__latest__")', "ledger/migrations/0002_entry.py"),
    ('("shop", "0001_squashed_0002")', "shop/migrations/0001_squashed_0002.py"),
    (
        "migrations.swappable_dependency(settings.AUTH_USER_MODEL)",
        "accounts/migrations/0001_initial.py",
    ),
    ('("accounts", "__first__")', "accounts/migrations/0001_initial.py"),
    ('("accounts", "0002_email")', "accounts/migrations/0002_email.py"),
    ('("shop", "0001_initial")', "shop/migrations/0001_initial.py"),
]


async def opened(start, profile: str) -> tuple[Session, str]:
    session = await start(profile, files=FILES)
    return session, session.open(OPENED, TEXT)


@pytest.mark.parametrize("profile", ["vscode", "neovim"])
async def test_links_of_every_entry_that_names_a_file(start, profile):
    session, uri = await opened(start, profile)
    links = await session.links(uri)
    got = [(session.text_at(uri, link.range), link.target) for link in links]
    assert got == [(text, session.uri(path)) for text, path in LINKED]
    # Not linked: a missing node, an unknown app, __first__ of its own app (Django ignores
    # it), a replaced migration whose file is gone.
    assert session.encoding == ("utf-16" if profile == "vscode" else "utf-8")
    latest = next(
        link for link in links if session.text_at(uri, link.range).startswith('("ledger", "__l')
    )
    # Neovim 0.11 does not ask for links (it has go-to-definition), nor takes tooltips.
    tooltip = "ledger.0002_entry (0002_entry.py)" if profile == "vscode" else None
    assert latest.tooltip == tooltip


@pytest.mark.parametrize("profile", ["vscode", "neovim"])
async def test_definition_goes_to_the_class_line(start, profile):
    session, uri = await opened(start, profile)
    line = (
        FILES["ledger/migrations/0002_entry.py"]
        .splitlines()
        .index("class Migration(migrations.Migration):")
    )
    # Anywhere in the tuple, after the é on the same line.
    position = session.position_of(uri, '"__latest__")', 3)
    [location] = await session.definition(uri, position)
    assert location.uri == session.uri("ledger/migrations/0002_entry.py")
    assert location.range.start == types.Position(line=line, character=0)
    # Not on an entry, or on one without a file: nothing.
    assert await session.definition(uri, session.position_of(uri, "operations")) is None
    assert await session.definition(uri, session.position_of(uri, "0099_missing")) is None


async def test_links_follow_the_buffer(start):
    session, uri = await opened(start, "vscode")
    session.change(uri, migration('    dependencies = [("shop", "0001_initial")]\n'))
    [link] = await session.links(uri)
    assert link.target == session.uri("shop/migrations/0001_initial.py")
    session.change(uri, "class Migration(:\n")  # while typing: no links, no error
    assert await session.links(uri) == []


async def test_links_of_a_file_that_is_no_migration(start):
    session = await start("vscode", files=FILES)
    uri = session.open("shop/models.py", 'dependencies = [("shop", "0001_initial")]\n')
    assert await session.links(uri) == []
