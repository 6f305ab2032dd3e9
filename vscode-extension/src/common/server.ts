// Starting and stopping the language server process.
import { execFile } from 'child_process';
import { LogOutputChannel, Uri, workspace } from 'vscode';
import {
    ConfigurationParams,
    LanguageClient,
    LanguageClientOptions,
    RevealOutputChannelOn,
    ServerOptions,
} from 'vscode-languageclient/node';
import { SERVER_ID, SERVER_MODULE, SERVER_NAME } from './constants';
import { Launch } from './launch';
import { traceInfo } from './log/logging';
import { ServerSettings, toServerSettings } from './serverSettings';
import { getExtensionSettings } from './settings';

export type Probe =
    | { ok: true; version: string }
    /** The interpreter or executable itself cannot be run. */
    | { ok: false; reason: 'not-found'; detail: string }
    /** The interpreter runs, but `import django_migration_lsp` fails. */
    | { ok: false; reason: 'not-installed'; detail: string }
    | { ok: false; reason: 'failed'; detail: string };

const PROBE_TIMEOUT_MS = 30_000;

/**
 * Ask the chosen interpreter (or executable) for the server's version before starting it, so a missing
 * installation becomes a clear notification instead of a language client that dies five times in a row.
 */
export function probeServer(launch: Launch, cwd: string | undefined): Promise<Probe> {
    const [file, args] =
        launch.kind === 'module'
            ? [
                  launch.command,
                  [
                      ...launch.interpreter.slice(1),
                      '-c',
                      `import ${SERVER_MODULE} as m, sys; sys.stdout.write(m.__version__)`,
                  ],
              ]
            : [launch.command, ['--version']];
    return new Promise((resolve) => {
        execFile(
            file,
            args,
            { cwd, env: { ...process.env, ...launch.env }, timeout: PROBE_TIMEOUT_MS, windowsHide: true },
            (error, stdout, stderr) => {
                if (!error) {
                    resolve({ ok: true, version: stdout.trim().replace(/^django-migration-lsp\s+/, '') });
                    return;
                }
                const code = (error as NodeJS.ErrnoException).code;
                if (code === 'ENOENT' || code === 'EACCES') {
                    resolve({ ok: false, reason: 'not-found', detail: error.message });
                } else if (launch.kind === 'module' && /No module named '?django_migration_lsp/.test(stderr)) {
                    resolve({ ok: false, reason: 'not-installed', detail: stderr.trim() });
                } else {
                    resolve({ ok: false, reason: 'failed', detail: (stderr || error.message).trim() });
                }
            },
        );
    });
}

function serverSettingsFor(scopeUri: string | undefined): ServerSettings {
    return toServerSettings(getExtensionSettings(scopeUri ? Uri.parse(scopeUri) : undefined).settings);
}

export function createServer(
    launch: Launch,
    cwd: string | undefined,
    settings: ServerSettings,
    outputChannel: LogOutputChannel,
): LanguageClient {
    const serverOptions: ServerOptions = {
        command: launch.command,
        args: launch.args,
        // No `transport`: TransportKind.stdio would append `--stdio`; the server speaks stdio with no arguments.
        options: { cwd, env: { ...process.env, ...launch.env, PYTHONUNBUFFERED: '1' } },
    };
    const clientOptions: LanguageClientOptions = {
        documentSelector: [
            { scheme: 'file', language: 'python' },
            { scheme: 'untitled', language: 'python' },
        ],
        outputChannel,
        traceOutputChannel: outputChannel,
        revealOutputChannelOn: RevealOutputChannelOn.Never,
        initializationOptions: settings,
        middleware: {
            workspace: {
                // Answer the server's `workspace/configuration` for our section with the same validated,
                // server-shaped object as `initializationOptions` (not the raw VS Code settings).
                configuration: async (params: ConfigurationParams, token, next) => {
                    const answers = await next(params, token);
                    if (!Array.isArray(answers)) {
                        return answers;
                    }
                    return params.items.map((item, i) =>
                        item.section === SERVER_ID ? serverSettingsFor(item.scopeUri) : answers[i],
                    );
                },
            },
        },
    };
    traceInfo(`Server settings: ${JSON.stringify(settings)}`);
    return new LanguageClient(SERVER_ID, SERVER_NAME, serverOptions, clientOptions);
}

export function workspaceCwd(): string | undefined {
    return workspace.workspaceFolders?.[0]?.uri.fsPath;
}
