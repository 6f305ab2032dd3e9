import * as fs from 'fs';
import * as vscode from 'vscode';
import { LanguageClient, State } from 'vscode-languageclient/node';
import { LAUNCHER_SCRIPT, MIGRATIONS_GLOB, SERVER_ID, SERVER_MODULE, SERVER_NAME, SERVER_PACKAGE } from './common/constants';
import { describeSource, Launch, resolveLaunch } from './common/launch';
import { registerLogger, traceError, traceInfo, traceWarn } from './common/log/logging';
import { getSelectedInterpreter, hasPythonExtension, initializePython, onDidChangePythonInterpreter } from './common/python';
import { describeProbe, Probe } from './common/probe';
import { createServer, probeServer, workspaceCwd } from './common/server';
import { toServerSettings } from './common/serverSettings';
import {
    checkIfConfigurationChanged,
    getExtensionSettings,
    getInterpreterScope,
    primaryWorkspaceFolder,
} from './common/settings';
import { debounce, isMigrationPath, quoteCommand, SerialQueue } from './common/utilities';

let controller: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    const output = vscode.window.createOutputChannel(SERVER_NAME, { log: true });
    context.subscriptions.push(output, registerLogger(output));
    traceInfo(`${SERVER_NAME} ${context.extension.packageJSON.version} activated.`);

    controller = new ServerController(output);
    context.subscriptions.push(controller);
    const restartSoon = debounce(() => void controller?.restartIfWanted(), 500);

    context.subscriptions.push(
        vscode.commands.registerCommand(`${SERVER_ID}.restart`, () => controller?.restart()),
        vscode.commands.registerCommand(`${SERVER_ID}.showLogs`, () => output.show()),
        vscode.workspace.onDidChangeConfiguration((e) => {
            if (checkIfConfigurationChanged(e)) {
                traceInfo('Settings changed: restarting the server.');
                restartSoon();
            }
        }),
        onDidChangePythonInterpreter(() => {
            traceInfo('Python interpreter changed: restarting the server.');
            restartSoon();
        }),
    );

    // Like the template, let activation return before the Python extension (which can be slow) is asked anything.
    setImmediate(async () => {
        await initializePython(context.subscriptions);
        await controller?.startWhenRelevant(context);
    });
}

export async function deactivate(): Promise<void> {
    await controller?.stop();
}

/** Owns the one LanguageClient of the window; every start, stop and restart goes through one queue. */
class ServerController implements vscode.Disposable {
    private client: LanguageClient | undefined;
    private wanted = false;
    private readonly queue = new SerialQueue();
    private readonly status: vscode.LanguageStatusItem;

    constructor(private readonly output: vscode.LogOutputChannel) {
        this.status = vscode.languages.createLanguageStatusItem(`${SERVER_ID}.status`, { language: 'python' });
        this.status.name = SERVER_NAME;
        this.status.text = 'Django migrations';
        this.status.command = { title: 'Show logs', command: `${SERVER_ID}.showLogs` };
    }

    /**
     * Start only where there is something to check: a workspace with a `migrations` folder, or once a migration
     * file is opened. Other Python projects get an activated extension that does nothing.
     */
    async startWhenRelevant(context: vscode.ExtensionContext): Promise<void> {
        const openMigration = vscode.workspace.textDocuments.some((d) => isMigrationPath(d.uri.fsPath));
        const inWorkspace =
            openMigration ||
            (await vscode.workspace.findFiles(MIGRATIONS_GLOB, '{**/node_modules/**,**/.venv/**,**/.git/**}', 1))
                .length > 0;
        if (inWorkspace) {
            await this.restart();
            return;
        }
        traceInfo('No migrations in this workspace: the server starts when a migration file is opened.');
        const listener = vscode.workspace.onDidOpenTextDocument((doc) => {
            if (doc.languageId === 'python' && isMigrationPath(doc.uri.fsPath)) {
                listener.dispose();
                void this.restart();
            }
        });
        context.subscriptions.push(listener);
    }

    restartIfWanted(): Promise<void> {
        return this.wanted ? this.restart() : Promise.resolve();
    }

    restart(): Promise<void> {
        this.wanted = true;
        return this.queue.run(() => this.doRestart());
    }

    stop(): Promise<void> {
        return this.queue.run(() => this.stopClient());
    }

    dispose(): void {
        void this.stop();
        this.status.dispose();
    }

    private async stopClient(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        if (!client) {
            return;
        }
        try {
            if (client.state !== State.Stopped) {
                await client.stop(2000);
            }
            await client.dispose(2000);
        } catch (error) {
            traceError('Error while stopping the server:', error);
        }
    }

    private setStatus(text: string, detail: string, severity: vscode.LanguageStatusSeverity): void {
        this.status.text = text;
        this.status.detail = detail;
        this.status.severity = severity;
    }

    private async doRestart(): Promise<void> {
        await this.stopClient();

        const folder = primaryWorkspaceFolder();
        const { settings, problems } = getExtensionSettings(folder);
        for (const problem of problems) {
            traceWarn(problem);
            void vscode.window.showWarningMessage(`${SERVER_NAME}: ${problem}. Using the default.`);
        }
        if (!settings.enable) {
            traceInfo('django-migration-lsp.enable is false: the server is not started.');
            this.setStatus('Django migrations: off', 'Disabled by settings', vscode.LanguageStatusSeverity.Information);
            return;
        }

        const needsPythonExtension = settings.interpreter.every((p) => p.trim() === '');
        const launch = resolveLaunch({
            settings,
            selectedInterpreter: needsPythonExtension ? await getSelectedInterpreter(folder?.uri) : undefined,
            interpreterScope: getInterpreterScope(folder),
            workspaceFolder: folder?.uri.fsPath,
            module: SERVER_MODULE,
            launcherScript: LAUNCHER_SCRIPT,
            exists: (p) => fs.existsSync(p),
        });
        for (const warning of launch.warnings) {
            traceWarn(warning);
            void vscode.window.showWarningMessage(`${SERVER_NAME}: ${warning}`);
        }

        const cwd = workspaceCwd();
        const commandLine = quoteCommand([launch.command, ...launch.args]);
        traceInfo(`Starting the server: ${commandLine} (${describeSource(launch)}), cwd ${cwd ?? '(none)'}`);
        const probe = await probeServer(launch, cwd);
        if (!probe.ok) {
            this.reportProbeFailure(launch, probe);
            return;
        }
        traceInfo(describeProbe(probe));
        if (!probe.fixes) {
            const bundled = probe.bundlePythons?.length ? ` (the bundle has it for ${probe.bundlePythons.join(', ')})` : '';
            const warning =
                `LibCST cannot load for Python ${probe.python ?? '?'} (${probe.tag ?? '?'})${bundled}: problems are ` +
                `reported, but quick fixes are not available. Select another interpreter, or install ${SERVER_PACKAGE} in this one.`;
            traceWarn(warning);
            void vscode.window.showWarningMessage(`${SERVER_NAME}: ${warning}`);
        }

        const client = createServer(launch, cwd, toServerSettings(settings), this.output);
        this.client = client;
        try {
            await client.start();
            traceInfo(`Server started (django-migration-lsp ${probe.version}).`);
            const origin = probe.origin === 'bundle' ? 'bundled' : probe.origin === 'environment' ? 'environment' : '';
            this.setStatus(
                'Django migrations',
                [`django-migration-lsp ${probe.version}`, origin, probe.executable ?? launch.command].filter(Boolean).join(' · '),
                vscode.LanguageStatusSeverity.Information,
            );
        } catch (error) {
            traceError('The server failed to start:', error);
            this.setStatus('Django migrations', 'The server failed to start', vscode.LanguageStatusSeverity.Error);
            void this.notifyError(`${SERVER_NAME}: the server failed to start (${commandLine}). See the logs.`);
        }
    }

    private reportProbeFailure(launch: Launch, probe: Exclude<Probe, { ok: true }>): void {
        const python = quoteCommand(launch.interpreter.length > 0 ? launch.interpreter : [launch.command]);
        traceError(`Cannot start the server with ${python}: ${probe.reason}\n${probe.detail}`);
        this.setStatus('Django migrations', `Not running: ${probe.reason}`, vscode.LanguageStatusSeverity.Error);

        if (probe.reason === 'not-installed') {
            const install = `${python} -m pip install ${SERVER_PACKAGE}`;
            traceError(`Install it with: ${install}`);
            void this.notifyError(
                `${SERVER_NAME}: the server is not installed in ${python} (${describeSource(launch)}). ` +
                    `Run "pip install ${SERVER_PACKAGE}" in that environment, or select another interpreter.`,
                { title: 'Install in terminal', run: () => this.installInTerminal(install) },
            );
        } else if (probe.reason === 'not-found' || probe.reason === 'python-too-old') {
            const problem =
                probe.reason === 'not-found'
                    ? `cannot run ${python}`
                    : `${python} is Python ${probe.python}; the server needs Python ${probe.minimum} or newer`;
            void this.notifyError(
                `${SERVER_NAME}: ${problem} (${describeSource(launch)}). ` +
                    `Set "django-migration-lsp.interpreter" or select another Python interpreter.`,
                {
                    title: 'Open settings',
                    run: () => vscode.commands.executeCommand('workbench.action.openSettings', `${SERVER_ID}.interpreter`),
                },
            );
        } else {
            void this.notifyError(`${SERVER_NAME}: ${python} could not load the server. See the logs.`);
        }
    }

    private installInTerminal(command: string): void {
        const terminal = vscode.window.createTerminal({ name: `Install ${SERVER_PACKAGE}` });
        terminal.show();
        terminal.sendText(command, true);
        const closed = vscode.window.onDidCloseTerminal((t) => {
            if (t === terminal) {
                closed.dispose();
                void this.restart();
            }
        });
        void vscode.window.showInformationMessage(
            `${SERVER_NAME}: when the install finishes, run "Django Migration LSP: Restart Server" (or close the terminal).`,
        );
    }

    private async notifyError(message: string, action?: { title: string; run: () => unknown }): Promise<void> {
        const buttons = [action?.title, hasPythonExtension() ? 'Select Interpreter' : undefined, 'Show Logs'].filter(
            (b): b is string => b !== undefined,
        );
        const choice = await vscode.window.showErrorMessage(message, ...buttons);
        if (choice === undefined) {
            return;
        }
        if (choice === action?.title) {
            await action.run();
        } else if (choice === 'Select Interpreter') {
            await vscode.commands.executeCommand('python.setInterpreter');
        } else {
            this.output.show();
        }
    }
}
