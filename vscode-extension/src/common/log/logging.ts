import { Disposable, LogOutputChannel } from 'vscode';

/** One LogOutputChannel, shared by the extension and (through the LanguageClient) the server. */
let channel: LogOutputChannel | undefined;

export function registerLogger(output: LogOutputChannel): Disposable {
    channel = output;
    return new Disposable(() => {
        channel = undefined;
    });
}

function format(parts: unknown[]): string {
    return parts
        .map((p) => (p instanceof Error ? (p.stack ?? p.message) : typeof p === 'string' ? p : JSON.stringify(p)))
        .join(' ');
}

export function traceLog(...parts: unknown[]): void {
    channel?.appendLine(format(parts));
}

export function traceInfo(...parts: unknown[]): void {
    channel?.info(format(parts));
}

export function traceWarn(...parts: unknown[]): void {
    channel?.warn(format(parts));
}

export function traceError(...parts: unknown[]): void {
    channel?.error(format(parts));
}

export function traceVerbose(...parts: unknown[]): void {
    channel?.debug(format(parts));
}
