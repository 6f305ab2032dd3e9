// Which process to start, decided without touching `vscode` (unit-tested with node:test).
import * as os from 'os';
import * as path from 'path';
import { ExtensionSettings } from './serverSettings';

/** Where the interpreter came from: a setting, one of the two Python extensions, or `PATH`. */
export type InterpreterSource = 'setting' | 'python-extension' | 'python-envs-extension' | 'PATH';

/** Which settings file supplied a setting's value (`WorkspaceConfiguration.inspect`). */
export type SettingScope = 'user' | 'workspace' | 'workspaceFolder';

export interface Launch {
    /**
     * `launcher`: `python bundled/tool/lsp_server.py`, which picks the environment's server or the bundled one.
     * `module`: `python -m django_migration_lsp`, for a build of the extension without the bundle.
     * `executable`: a `django-migration-lsp` executable from the `path` setting.
     */
    kind: 'launcher' | 'module' | 'executable';
    command: string;
    args: string[];
    /** `[python, ...its args]`, empty for an executable. */
    interpreter: string[];
    /** Where the command came from, for the log and error messages. */
    source: InterpreterSource | 'path-setting';
    /** For `source: 'setting'`: the settings file that set `django-migration-lsp.interpreter`. */
    settingScope?: SettingScope;
    /** Extra environment: `LS_IMPORT_STRATEGY` for the launcher. */
    env: Record<string, string>;
    /** Things the user should hear about (e.g. no `path` entry exists). */
    warnings: string[];
}

/** The interpreter a Python extension reports, and which extension reported it. */
export interface SelectedInterpreter {
    interpreter: string[];
    from: 'python-extension' | 'python-envs-extension';
}

export interface LaunchInputs {
    settings: ExtensionSettings;
    /** From the Python extensions' active environment, if one is installed; `undefined` otherwise. */
    selectedInterpreter: SelectedInterpreter | undefined;
    /** Which settings file set `django-migration-lsp.interpreter` (see {@link settingScope}). */
    interpreterScope?: SettingScope;
    /** Folder whose settings apply, for `${workspaceFolder}`. */
    workspaceFolder: string | undefined;
    module: string;
    /** `bundled/tool/lsp_server.py` in the installed extension; absent in a build without the bundle. */
    launcherScript: string;
    exists: (p: string) => boolean;
    env?: NodeJS.ProcessEnv;
    home?: string;
    platform?: NodeJS.Platform;
}

/** `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~`, as in the template's settings. */
export function resolveVariables(
    value: string,
    workspaceFolder: string | undefined,
    env: NodeJS.ProcessEnv = process.env,
    home: string = os.homedir(),
): string {
    let out = value.replace(/\$\{(workspaceFolder|userHome|env:([^}]+))\}/g, (match, name: string, envName?: string) => {
        if (name === 'workspaceFolder') {
            return workspaceFolder ?? match;
        }
        if (name === 'userHome') {
            return home;
        }
        return env[envName ?? ''] ?? '';
    });
    if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) {
        out = path.join(home, out.slice(1));
    }
    return out;
}

/**
 * The lookup order, documented here as ruff-vscode documents `findRuffBinaryPath`:
 *
 * 1. `django-migration-lsp.path`: the first entry that exists is run directly (no Python lookup at all).
 * 2. `django-migration-lsp.interpreter`: an explicit interpreter for this extension wins over the Python extension,
 *    so a project can pin the environment the server runs in.
 * 3. The interpreter selected in the Python Environments extension or the Python extension, when installed.
 * 4. `python3` (`python` on Windows) on `PATH`.
 *
 * The interpreter then runs the bundled launcher, which uses the server installed in that interpreter's environment
 * when there is one (`importStrategy: fromEnvironment`, the default) and the copy bundled in the extension otherwise.
 */
export function resolveLaunch(inputs: LaunchInputs): Launch {
    const { settings, workspaceFolder } = inputs;
    const env = inputs.env ?? process.env;
    const platform = inputs.platform ?? process.platform;
    const resolve = (v: string) => resolveVariables(v, workspaceFolder, env, inputs.home);
    const warnings: string[] = [];

    const paths = settings.path.map(resolve).filter((p) => p.trim() !== '');
    if (paths.length > 0) {
        const found = paths.find((p) => inputs.exists(p));
        if (found) {
            return { kind: 'executable', command: found, args: [], interpreter: [], source: 'path-setting', env: {}, warnings };
        }
        warnings.push(`None of django-migration-lsp.path exists (${paths.join(', ')}); using a Python interpreter instead.`);
    }

    let interpreter: string[];
    let source: InterpreterSource;
    let settingScope: SettingScope | undefined;
    const fromSetting = settings.interpreter.map(resolve).filter((p) => p.trim() !== '');
    if (fromSetting.length > 0) {
        interpreter = fromSetting;
        source = 'setting';
        settingScope = inputs.interpreterScope;
    } else if (inputs.selectedInterpreter && inputs.selectedInterpreter.interpreter.length > 0) {
        interpreter = inputs.selectedInterpreter.interpreter;
        source = inputs.selectedInterpreter.from;
    } else {
        interpreter = [platform === 'win32' ? 'python' : 'python3'];
        source = 'PATH';
    }

    const base = { command: interpreter[0], interpreter, source, settingScope, warnings };
    if (inputs.exists(inputs.launcherScript)) {
        return {
            ...base,
            kind: 'launcher',
            args: [...interpreter.slice(1), inputs.launcherScript],
            env: { LS_IMPORT_STRATEGY: settings.importStrategy },
        };
    }
    if (settings.importStrategy === 'useBundled') {
        warnings.push(
            'django-migration-lsp.importStrategy is "useBundled", but this build of the extension has no bundled server ' +
                '(a development build: run `npm run bundle`); using the server installed in the interpreter\'s environment.',
        );
    }
    return { ...base, kind: 'module', args: [...interpreter.slice(1), '-m', inputs.module], env: {} };
}

/**
 * The settings file whose value VS Code uses: the most specific one that defines the key at all (an explicit `[]`
 * in a folder hides a user value), from `WorkspaceConfiguration.inspect`.
 */
export function settingScope(inspected: {
    globalValue?: unknown;
    workspaceValue?: unknown;
    workspaceFolderValue?: unknown;
}): SettingScope | undefined {
    if (inspected.workspaceFolderValue !== undefined) {
        return 'workspaceFolder';
    }
    if (inspected.workspaceValue !== undefined) {
        return 'workspace';
    }
    return inspected.globalValue !== undefined ? 'user' : undefined;
}

/** By file: in a single-folder window, .vscode/settings.json is both the workspace and the folder settings. */
const SCOPE_NAMES: Record<SettingScope, string> = {
    user: 'user settings',
    workspace: 'workspace settings (the .code-workspace file)',
    workspaceFolder: 'folder settings (.vscode/settings.json)',
};

/** Where the command came from, naming the setting (and its settings file) or the extension actually used. */
export function describeSource(launch: Pick<Launch, 'source' | 'settingScope' | 'command'>): string {
    switch (launch.source) {
        case 'path-setting':
            return 'executable from django-migration-lsp.path';
        case 'setting':
            return launch.settingScope
                ? `interpreter from django-migration-lsp.interpreter in the ${SCOPE_NAMES[launch.settingScope]}`
                : 'interpreter from django-migration-lsp.interpreter';
        case 'python-extension':
            return 'interpreter selected in the Python extension (ms-python.python)';
        case 'python-envs-extension':
            return 'environment selected in the Python Environments extension (ms-python.vscode-python-envs)';
        case 'PATH':
            return `${launch.command} on PATH`;
    }
}
