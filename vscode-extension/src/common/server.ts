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
import { interpretProbe, Probe, probeCommand } from './probe';
import { traceInfo } from './log/logging';
import { ServerSettings, toServerSettings } from './serverSettings';
import { getExtensionSettings } from './settings';

const PROBE_TIMEOUT_MS = 30_000;

/**
 * Ask the chosen interpreter (or executable) what it would run before starting it, so a missing or unusable
 * interpreter becomes a clear notification instead of a language client that dies five times in a row.
 */
export function probeServer(launch: Launch, cwd: string | undefined): Promise<Probe> {
    const { file, args } = probeCommand(launch, SERVER_MODULE);
    return new Promise((resolve) => {
        execFile(
            file,
            args,
            { cwd, env: { ...process.env, ...launch.env }, timeout: PROBE_TIMEOUT_MS, windowsHide: true },
            (error, stdout, stderr) => {
                resolve(
                    interpretProbe(launch, SERVER_MODULE, {
                        errorCode: error ? ((error as NodeJS.ErrnoException).code ?? 'failed') : undefined,
                        errorMessage: error?.message,
                        stdout,
                        stderr,
                    }),
                );
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
