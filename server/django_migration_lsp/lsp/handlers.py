"""The server's LSP handlers: each a function of ``(ls, params)``, registered by
:func:`register`. They translate between the protocol and the server's operations;
code lenses are in :mod:`.lens`, document links and definitions in :mod:`.links`."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from .. import __version__
from ..checks.fixing import fix_all, fixable
from ..config import Config
from . import actions, hover, lens, links
from .checking import Checked
from .convert import SOURCE, UTF16, Codec
from .documents import key_of, uri_to_path
from .settings import section

if TYPE_CHECKING:
    from .server import MigrationLanguageServer

#: How long to wait for the client's answer to ``workspace/configuration`` before
#: checking anything with the initializationOptions alone (seconds).
SETTINGS_TIMEOUT = 5.0


def initialize(ls: MigrationLanguageServer, params: types.InitializeParams) -> None:
    encoding = ls.workspace.position_encoding or UTF16
    ls.codec = Codec(getattr(encoding, "value", encoding))
    ls.initialization_options = section(params.initialization_options)
    ls.apply_settings()


async def initialized(ls: MigrationLanguageServer, params: types.InitializedParams) -> None:
    ls.projects.bind()  # the loop the project views report to
    try:
        await asyncio.wait_for(ls.pull_settings(), SETTINGS_TIMEOUT)
    except asyncio.TimeoutError:
        ls.log(types.MessageType.Warning, "no answer to workspace/configuration; going on")
    ls.apply_settings()
    ls.ready.set()
    ls.log(
        types.MessageType.Info,
        f"{SOURCE} {__version__}: positions in {ls.codec.encoding}, "
        f"{'pull' if ls.pull else 'push'} diagnostics",
    )
    await ls.register_dynamic()
    if not ls.capability("workspace.did_change_watched_files.dynamic_registration", False):
        ls.spawn(ls.poll_pyprojects(), "watching pyproject.toml")
    ls.start_scan()


def shutdown(ls: MigrationLanguageServer, params: None) -> None:
    ls.shutdown_workers()


# -- documents ---------------------------------------------------------------------


def did_open(ls: MigrationLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    doc = ls.document(params.text_document.uri)
    if doc is None or doc.path is None or ls.config_for(doc.path) is None:
        return
    if ls.pull:
        ls.clear(doc.key)  # pushed by the workspace scan; the client pulls from now on
    else:
        ls.schedule(doc, 0)


def did_change(ls: MigrationLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    doc = ls.document(params.text_document.uri)
    if doc is None or ls.pull or doc.path is None or ls.config_for(doc.path) is None:
        return
    ls.schedule(doc, ls.settle_delay(doc))


async def did_close(ls: MigrationLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    key = key_of(params.text_document.uri)
    ls.cancel_pending(key)
    ls.checked.pop(key, None)
    ls.lenses.pop(key, None)
    path = uri_to_path(params.text_document.uri)
    if path is None or ls.config_for(path) is None:
        ls.clear(key)
        return
    checked = await ls.check_saved(path)  # None unless workspace diagnostics are on
    if key in ls.documents:
        return  # opened again meanwhile
    if checked is None:
        if not ls.pull:
            ls.publish(params.text_document.uri, [])  # cleared on close
    else:
        ls.deliver_saved(key, checked)
        ls.request_refresh()


def did_save(ls: MigrationLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    path = uri_to_path(params.text_document.uri)
    if path is not None:
        ls.projects.refresh([path])  # its own node; then the others' answers and lenses


# -- settings and files ------------------------------------------------------------


async def did_change_configuration(
    ls: MigrationLanguageServer, params: types.DidChangeConfigurationParams
) -> None:
    sent = section(params.settings)
    if sent:
        ls.client_settings[None] = {**ls.client_settings.get(None, {}), **sent}
    await ls.pull_settings()
    if ls.apply_settings():
        ls.log(types.MessageType.Info, "settings changed: checking again")
        ls.refresh_all()


async def did_change_watched_files(
    ls: MigrationLanguageServer, params: types.DidChangeWatchedFilesParams
) -> None:
    if any(change.uri.endswith("/pyproject.toml") for change in params.changes):
        ls.reload_projects()
        return
    paths = [p for c in params.changes if (p := uri_to_path(c.uri)) is not None]
    ls.projects.refresh([p for p in paths if p.suffix == ".py"])
    changed = False
    for change in params.changes:
        path = uri_to_path(change.uri)
        if path is None or path.suffix != ".py":
            continue
        key = key_of(change.uri)
        if change.type == types.FileChangeType.Deleted:
            if ls.saved.pop(key, None) is not None:
                ls.deliver_saved(key, None)
                changed = True
        elif ls.config_for(path) is not None:
            ls.deliver_saved(key, await ls.check_saved(path))
            changed = True
    if changed:
        ls.request_refresh()


async def did_change_workspace_folders(
    ls: MigrationLanguageServer, params: types.DidChangeWorkspaceFoldersParams
) -> None:
    ls.forget_folders()
    await ls.pull_settings()
    ls.apply_settings()
    ls.invalidate()
    ls.refresh_all()


# -- pull diagnostics --------------------------------------------------------------


async def document_diagnostic(
    ls: MigrationLanguageServer, params: types.DocumentDiagnosticParams
) -> types.DocumentDiagnosticReport:
    uri = params.text_document.uri
    checked: Checked | None = None
    try:
        if (doc := ls.document(uri)) is not None:
            # Clients pull after every keystroke: in a burst, wait for a pause in the
            # typing, as the push path does (the client cancels this request if it asks
            # again).
            while (delay := ls.settle_delay(doc)) > 0:
                await asyncio.sleep(delay)
            checked = await ls.check_document(doc)
        elif (path := uri_to_path(uri)) is not None:
            checked = ls.saved.get(key_of(uri)) or await ls.check_saved(path)
    except Exception as exc:  # nothing for this file; the server goes on
        ls.log_exception(f"checking {uri}", exc)
    if checked is None:
        return types.RelatedFullDocumentDiagnosticReport(items=[], result_id=f"{ls.generation}:-")
    if params.previous_result_id == checked.result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=checked.result_id)
    return types.RelatedFullDocumentDiagnosticReport(
        items=checked.diagnostics, result_id=checked.result_id
    )


async def workspace_diagnostic(
    ls: MigrationLanguageServer, params: types.WorkspaceDiagnosticParams
) -> types.WorkspaceDiagnosticReport:
    if not ls.workspace_pulled:
        ls.workspace_pulled = True
        for key in [k for k in ls.pushed if k not in ls.documents]:
            ls.clear(key)  # pushed before the client started pulling
    await ls.scan_finished()
    previous = {key_of(p.uri): (p.uri, p.value) for p in params.previous_result_ids}
    items: list[types.WorkspaceDocumentDiagnosticReport] = []
    for key, checked in ls.saved.items():
        if key in ls.documents:
            continue  # open documents are pulled one by one
        if previous.get(key, (None, None))[1] == checked.result_id:
            items.append(
                types.WorkspaceUnchangedDocumentDiagnosticReport(
                    uri=checked.uri, result_id=checked.result_id, version=None
                )
            )
        else:
            items.append(
                types.WorkspaceFullDocumentDiagnosticReport(
                    uri=checked.uri,
                    items=checked.diagnostics,
                    result_id=checked.result_id,
                    version=None,
                )
            )
    for key, (uri, _) in previous.items():  # reported before; gone, excluded or turned off
        if key not in ls.saved and key not in ls.documents:
            items.append(
                types.WorkspaceFullDocumentDiagnosticReport(uri=uri, items=[], version=None)
            )
    return types.WorkspaceDiagnosticReport(items=items)


# -- code actions ------------------------------------------------------------------


async def code_action(
    ls: MigrationLanguageServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    doc = ls.document(params.text_document.uri)
    checked = await ls.check_document(doc) if doc is not None else None
    if checked is None or checked.analysis is None or checked.analysis.source is None:
        return None
    target = actions.Target(
        checked.uri, checked.version, checked.analysis.source, ls.codec, ls.document_changes
    )
    only = params.context.only
    result: list[types.CodeAction] = []
    if actions.wanted(actions.QUICK_FIX, only):
        for diag in params.context.diagnostics:
            found = actions.from_diagnostic(diag) or actions.match_finding(
                diag, checked.analysis.findings, target
            )
            if found is None or found.version != checked.version:
                continue  # not ours, or computed for another version of the text
            result.extend(actions.quick_fixes(target, diag, found))
    if actions.wanted(actions.FIX_ALL_OURS, only):
        unsafe = (checked.config or Config()).unsafe_fixes
        if any(fixable(f, unsafe) for f in checked.analysis.findings):
            action = types.CodeAction(
                title=actions.FIX_ALL_TITLE,
                kind=actions.FIX_ALL_OURS,
                data={"uri": checked.uri, "version": checked.version},
            )
            resolvable = ls.capability("text_document.code_action.resolve_support.properties")
            if "edit" in (resolvable or []):
                result.append(action)  # the edit is computed if the client asks for it
            elif await fill_fix_all(ls, action, checked, target):
                result.append(action)
    return result


async def fill_fix_all(
    ls: MigrationLanguageServer, action: types.CodeAction, checked: Checked, target: actions.Target
) -> bool:
    """Compute ``action.edit`` for ``source.fixAll``; ``False`` if nothing changes."""
    analysis, config = checked.analysis, checked.config
    assert analysis is not None and analysis.source is not None and config is not None
    path = uri_to_path(checked.uri)
    fixed = await ls.in_worker(
        partial(fix_all, analysis, config.rules_for(path), unsafe=config.unsafe_fixes)
    )
    if not fixed.applied:
        return False
    ls.log(types.MessageType.Log, f"fix all in {checked.uri}: {', '.join(fixed.applied)}")
    action.edit = target.edit(actions.diff_edits(analysis.source, fixed.text))
    return True


async def code_action_resolve(
    ls: MigrationLanguageServer, action: types.CodeAction
) -> types.CodeAction:
    data: Any = action.data
    uri = data.get("uri") if isinstance(data, dict) else None
    doc = ls.document(uri) if isinstance(uri, str) else None
    if doc is None or action.kind != actions.FIX_ALL_OURS:
        return action
    checked = await ls.check_document(doc)
    if checked is None or checked.analysis is None or checked.analysis.source is None:
        return action
    target = actions.Target(
        checked.uri, checked.version, checked.analysis.source, ls.codec, ls.document_changes
    )
    if not await fill_fix_all(ls, action, checked, target):
        action.edit = types.WorkspaceEdit(changes={checked.uri: []})
    return action


def register(ls: MigrationLanguageServer) -> None:
    features: list[tuple[str, Any, Any]] = [
        (types.INITIALIZE, None, initialize),
        (types.INITIALIZED, None, initialized),
        (types.SHUTDOWN, None, shutdown),
        (types.TEXT_DOCUMENT_DID_OPEN, None, did_open),
        (types.TEXT_DOCUMENT_DID_CHANGE, None, did_change),
        (types.TEXT_DOCUMENT_DID_CLOSE, None, did_close),
        (types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False), did_save),
        (types.WORKSPACE_DID_CHANGE_CONFIGURATION, None, did_change_configuration),
        (types.WORKSPACE_DID_CHANGE_WATCHED_FILES, None, did_change_watched_files),
        (types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS, None, did_change_workspace_folders),
        (
            types.TEXT_DOCUMENT_DIAGNOSTIC,
            types.DiagnosticOptions(
                identifier=SOURCE, inter_file_dependencies=False, workspace_diagnostics=True
            ),
            document_diagnostic,
        ),
        (types.WORKSPACE_DIAGNOSTIC, None, workspace_diagnostic),
        (
            types.TEXT_DOCUMENT_CODE_ACTION,
            types.CodeActionOptions(code_action_kinds=actions.KINDS, resolve_provider=True),
            code_action,
        ),
        (types.CODE_ACTION_RESOLVE, None, code_action_resolve),
        (types.TEXT_DOCUMENT_HOVER, None, hover.hover),
        (
            types.TEXT_DOCUMENT_CODE_LENS,
            types.CodeLensOptions(resolve_provider=False),
            lens.code_lens,
        ),
        (
            types.TEXT_DOCUMENT_DOCUMENT_LINK,
            types.DocumentLinkOptions(resolve_provider=False),
            links.document_link,
        ),
        (types.TEXT_DOCUMENT_DEFINITION, None, links.definition),
    ]
    for method, options, handler in features:
        ls.feature(method, options)(handler)
    ls.command(lens.COMMAND)(lens.show_rollback)
