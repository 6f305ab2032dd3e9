import * as path from 'path';

/** The extension's install folder (dist/extension.js lives one level below it). */
export const EXTENSION_ROOT_DIR = path.dirname(__dirname);
/**
 * The launcher the interpreter runs (the template's `bundled/tool/lsp_server.py`): it picks the server installed in
 * the interpreter's environment or the one bundled in `bundled/libs` + `bundled/native/<python tag>`.
 */
export const LAUNCHER_SCRIPT = path.join(EXTENSION_ROOT_DIR, 'bundled', 'tool', 'lsp_server.py');

/** Settings prefix, command prefix, LanguageClient id, and the server's `workspace/configuration` section. */
export const SERVER_ID = 'django-migration-lsp';
export const SERVER_NAME = 'Django Migration LSP';
/** `python -m <SERVER_MODULE>` starts the language server on stdio. */
export const SERVER_MODULE = 'django_migration_lsp';
/** The PyPI distribution users install. */
export const SERVER_PACKAGE = 'django-migration-lsp';

/** Files whose presence in the workspace means there is something to check. */
export const MIGRATIONS_GLOB = '{**/migrations/*.py,**/[0-9][0-9][0-9][0-9]_*.py}';
