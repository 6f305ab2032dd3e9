"""Settings: initializationOptions, workspace/configuration, didChangeConfiguration and
``[tool.django-migration-lsp]`` in pyproject.toml."""

from __future__ import annotations

import pytest
from lsprotocol import types

from .harness import NAME, RUN_PYTHON, Session, wait_for

MIGRATION = "shop/migrations/0004_both.py"
BOTH = RUN_PYTHON.replace(
    "migrations.RunPython(forwards),",
    'migrations.RunPython(forwards),\n        migrations.RunSQL("UPDATE shop_order SET x = 1"),',
)
W, E, H = (
    types.DiagnosticSeverity.Warning,
    types.DiagnosticSeverity.Error,
    types.DiagnosticSeverity.Hint,
)


async def codes_and_severities(session: Session, uri: str) -> list[tuple[str, int]]:
    return [(str(d.code), d.severity) for d in await session.diagnostics(uri)]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({}, [("DJM001", W), ("DJM002", W)]),
        ({"severity": {"DJM001": "error"}}, [("DJM001", E), ("DJM002", W)]),
        ({"ignore": ["DJM002"]}, [("DJM001", W)]),
        ({"select": ["DJM002"]}, [("DJM002", W)]),
        ({"select": ["djm"], "ignore": ["DJM001"]}, [("DJM002", W)]),
        ({"enable": False}, []),
        (
            {"django-migration-lsp": {"severity": {"DJM002": "hint"}}},
            [("DJM001", W), ("DJM002", H)],
        ),
    ],
    ids=["defaults", "severity", "ignore", "select", "prefix", "disabled", "namespaced"],
)
async def test_initialization_options(start, profile, settings, expected):
    session = await start(profile, settings=settings)
    uri = session.open(MIGRATION, BOTH)
    if expected:
        assert await codes_and_severities(session, uri) == expected
    else:
        await session.nothing_for(uri)


async def test_disabled_server_offers_no_actions(start):
    session = await start("vscode", settings={"enable": False, "unsafeFixes": True})
    uri = session.open(MIGRATION, BOTH)
    await session.nothing_for(uri)
    assert await session.actions(uri, [], only=["source.fixAll"]) == []


async def test_workspace_configuration_is_pulled(start, profile):
    session = await start(
        profile,
        settings={"severity": {"DJM001": "error"}},
        configuration={"severity": {"DJM002": "hint"}, "unsafeFixes": True},
    )
    uri = session.open(MIGRATION, BOTH)
    # initializationOptions and the client's answer combine, the answer winning per key.
    assert await codes_and_severities(session, uri) == [("DJM001", W), ("DJM002", H)]
    diagnostics = await session.diagnostics(uri)
    assert [a.kind for a in await session.actions(uri, diagnostics, only=["source"])] == [
        "source.fixAll.django-migration-lsp"
    ]


async def test_did_change_configuration_pulls_again(start, profile):
    session = await start(profile)
    uri = session.open(MIGRATION, BOTH)
    assert await codes_and_severities(session, uri) == [("DJM001", W), ("DJM002", W)]
    session.client.set_configuration({"ignore": ["DJM001"]}, section=NAME)
    count = len(session.published)
    session.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=None)
    )
    if session.pull:
        await wait_for(
            lambda: any("settings changed" in m.message for m in session.client.log_messages),
            "the server to take the new settings",
        )
        assert await codes_and_severities(session, uri) == [("DJM002", W)]
    else:
        await wait_for(lambda: len(session.published) > count, "a publish")
        assert await session.published_for(uri, lambda p: len(p.diagnostics) == 1, "DJM002 only")


async def test_did_change_configuration_with_the_settings(start):
    """A client without workspace/configuration sends the settings in the notification."""

    def no_configuration(caps: types.ClientCapabilities) -> None:
        assert caps.workspace is not None
        caps.workspace.configuration = False

    session = await start("neovim-push", tweak=no_configuration)
    uri = session.open(MIGRATION, BOTH)
    assert await codes_and_severities(session, uri) == [("DJM001", W), ("DJM002", W)]
    session.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={NAME: {"severity": {"DJM001": "error"}, "ignore": ["DJM002"]}}
        )
    )
    diagnostics = await session.published_for(
        uri, lambda p: [d.code for d in p.diagnostics] == ["DJM001"], "DJM001 alone"
    )
    assert diagnostics[0].severity == E


async def test_invalid_settings_warn_and_fall_back(start, profile):
    session = await start(
        profile,
        settings={
            "select": "DJM001",
            "ignore": ["DJM9"],
            "severity": {"DJM001": "loud", "DJM002": "error"},
            "unsafeFixes": "yes",
            "logLevel": 3,
            "workspaceDiagnostics": None,
        },
    )
    uri = session.open(MIGRATION, BOTH)
    assert await codes_and_severities(session, uri) == [("DJM001", W), ("DJM002", W)]
    warnings = [m.message for m in session.client.messages if m.type == types.MessageType.Warning]
    text = "\n".join(warnings)
    for key in ("`select`", "`ignore`", "`severity`", "`unsafeFixes`", "`logLevel`"):
        assert key in text
    assert "DJM9" in text and "loud" in text
    assert "workspaceDiagnostics" not in text  # null means "not set"
    assert all(m.startswith(f"{NAME}: invalid setting") for m in warnings)
    # Still serving.
    diagnostics = await session.diagnostics(uri)
    assert await session.actions(uri, diagnostics[:1], only=["quickfix"])


async def test_pyproject_settings_merge_with_the_editor(start, profile):
    session = await start(
        profile,
        settings={"severity": {"DJM002": "hint"}},
        files={
            "pyproject.toml": """
                [tool.django-migration-lsp]
                severity = { DJM001 = "error", DJM002 = "error" }
                per-file-ignores = { "legacy/migrations/*.py" = ["DJM001"] }
            """
        },
    )
    uri = session.open(MIGRATION, BOTH)
    assert await codes_and_severities(session, uri) == [("DJM001", E), ("DJM002", H)]
    legacy = session.open("legacy/migrations/0001_initial.py", BOTH)
    assert await codes_and_severities(session, legacy) == [("DJM002", H)]


async def test_pyproject_extend_include_and_exclude(start, profile):
    session = await start(
        profile,
        files={
            "pyproject.toml": """
                [tool.django-migration-lsp]
                extend-include = ["dojo/db_migrations/*.py"]
                exclude = ["vendored/**"]
            """
        },
    )
    included = session.open("dojo/db_migrations/0001_x.py", RUN_PYTHON)
    excluded = session.open("vendored/app/migrations/0001_x.py", RUN_PYTHON)
    assert [d.code for d in await session.diagnostics(included)] == ["DJM001"]
    if session.pull:
        assert await session.diagnostics(excluded) == []
    else:
        assert session.last_published(excluded) is None


async def test_invalid_pyproject_warns_and_uses_defaults(start):
    session = await start(
        "vscode",
        files={"pyproject.toml": "[tool.django-migration-lsp]\nselect = 'DJM001'\n"},
    )
    uri = session.open(MIGRATION, BOTH)
    assert [d.code for d in await session.diagnostics(uri)] == ["DJM001", "DJM002"]
    await wait_for(lambda: session.client.messages, "a warning")
    (message,) = session.client.messages
    assert message.type == types.MessageType.Warning
    assert "pyproject.toml" in message.message and "`select` must be a list" in message.message


async def test_pyproject_is_read_again_when_it_changes(start, profile):
    session = await start(profile, files={"pyproject.toml": "[project]\nname = 'shop'\n"})
    uri = session.open(MIGRATION, BOTH)
    assert [d.code for d in await session.diagnostics(uri)] == ["DJM001", "DJM002"]
    count = len(session.published)
    path = session.write(
        "pyproject.toml",
        "[project]\nname = 'shop'\n\n[tool.django-migration-lsp]\nignore = ['DJM001']\n",
    )
    session.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=path.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    if session.pull:
        await wait_for(
            lambda: any("pyproject.toml changed" in m.message for m in session.client.log_messages),
            "the server to read pyproject.toml again",
        )
        assert [d.code for d in await session.diagnostics(uri)] == ["DJM002"]
    else:
        await wait_for(lambda: len(session.published) > count, "a publish")
        await session.published_for(
            uri, lambda p: [d.code for d in p.diagnostics] == ["DJM002"], "DJM002 alone"
        )


async def test_log_level(start):
    quiet = await start("vscode", settings={"logLevel": "error", "unsafeFixes": True})
    chatty = await start("vscode", settings={"logLevel": "debug", "unsafeFixes": True})
    for session in (quiet, chatty):
        uri = session.open(MIGRATION, BOTH)
        diagnostics = await session.diagnostics(uri)
        (action,) = await session.actions(uri, diagnostics, only=["source.fixAll"])
        await session.resolve(action)  # logs the fixes it applied, at debug level
    await wait_for(
        lambda: any(m.type == types.MessageType.Log for m in chatty.client.log_messages),
        "a debug message",
    )
    assert quiet.client.log_messages == []


async def test_dynamic_registrations(start):
    session = await start("vscode")
    registrations = await wait_for(
        lambda: session.client.registrations, "client/registerCapability"
    )
    by_method = {r.method: r for r in registrations}
    watched = by_method[types.WORKSPACE_DID_CHANGE_WATCHED_FILES].register_options
    assert [w["globPattern"] for w in watched["watchers"]] == ["**/*.py", "**/pyproject.toml"]
    assert types.WORKSPACE_DID_CHANGE_CONFIGURATION in by_method
    # Neovim's profile cannot register dynamically: nothing is asked of it.
    nvim = await start("neovim")
    uri = nvim.open(MIGRATION, BOTH)
    await nvim.diagnostics(uri)
    assert nvim.client.registrations == []


async def test_pyproject_is_polled_when_the_client_cannot_watch(start):
    """Neovim's profile cannot register file watchers: edits are noticed all the same."""
    session = await start("neovim-push", files={"pyproject.toml": "[project]\nname = 'shop'\n"})
    uri = session.open(MIGRATION, BOTH)
    assert [d.code for d in await session.diagnostics(uri)] == ["DJM001", "DJM002"]
    session.write("pyproject.toml", "[tool.django-migration-lsp]\nignore = ['DJM002']\n")
    await session.published_for(
        uri,
        lambda p: [d.code for d in p.diagnostics] == ["DJM001"],
        "DJM001 alone",
    )
