// Which process to start, decided without touching `vscode` (unit-tested with node:test).
import * as os from 'os';
import * as path from 'path';
import { ExtensionSettings } from './serverSettings';

export type InterpreterSource = 'setting' | 'python-extension' | 'PATH';

export interface Launch {
    /** `python -m django_migration_lsp`, or a `django-migration-lsp` executable from the `path` setting. */
    kind: 'module' | 'executable';
    command: string;
    args: string[];
    /** `[python, ...its args]` for `kind: 'module'`; empty for an executable. */
    interpreter: string[];
    /** Where the command came from, for the log and error messages. */
    source: InterpreterSource | 'path-setting';
    /** Extra environment (PYTHONPATH for `useBundled`). */
    env: Record<string, string>;
    /** Things the user should hear about (e.g. `useBundled` without a bundled server). */
    warnings: string[];
}

export interface LaunchInputs {
    settings: ExtensionSettings;
    /** From the Python extension's active environment, if it is installed; `undefined` otherwise. */
    pythonExtensionInterpreter: string[] | undefined;
    /** Folder whose settings apply, for `${workspaceFolder}`. */
    workspaceFolder: string | undefined;
    module: string;
    bundledLibsDir: string;
    exists: (p: string) => boolean;
    env?: NodeJS.ProcessEnv;
    home?: string;
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
 * 3. The interpreter selected in the Python extension (or Python Environments extension), when installed.
 * 4. `python3` (`python` on Windows) on `PATH`.
 */
export function resolveLaunch(inputs: LaunchInputs): Launch {
    const { settings, workspaceFolder } = inputs;
    const env = inputs.env ?? process.env;
    const resolve = (v: string) => resolveVariables(v, workspaceFolder, env, inputs.home);
    const warnings: string[] = [];

    const paths = settings.path.map(resolve).filter((p) => p.trim() !== '');
    if (paths.length > 0) {
        const found = paths.find((p) => inputs.exists(p));
        if (found) {
            return { kind: 'executable', command: found, args: [], interpreter: [], source: 'path-setting', env: {}, warnings };
        }
        warnings.push(
            `None of django-migration-lsp.path exists (${paths.join(', ')}); falling back to python -m ${inputs.module}.`,
        );
    }

    let interpreter: string[];
    let source: InterpreterSource;
    const fromSetting = settings.interpreter.map(resolve).filter((p) => p.trim() !== '');
    if (fromSetting.length > 0) {
        interpreter = fromSetting;
        source = 'setting';
    } else if (inputs.pythonExtensionInterpreter && inputs.pythonExtensionInterpreter.length > 0) {
        interpreter = inputs.pythonExtensionInterpreter;
        source = 'python-extension';
    } else {
        interpreter = [process.platform === 'win32' ? 'python' : 'python3'];
        source = 'PATH';
    }

    const extraEnv: Record<string, string> = {};
    if (settings.importStrategy === 'useBundled') {
        if (inputs.exists(path.join(inputs.bundledLibsDir, inputs.module))) {
            const current = env.PYTHONPATH;
            extraEnv.PYTHONPATH = current ? `${inputs.bundledLibsDir}${path.delimiter}${current}` : inputs.bundledLibsDir;
        } else {
            warnings.push(
                'django-migration-lsp.importStrategy is "useBundled", but this build of the extension bundles no server ' +
                    '(LibCST is native code, built per Python version and platform); using the server installed in the ' +
                    'interpreter\'s environment ("fromEnvironment").',
            );
        }
    }

    return {
        kind: 'module',
        command: interpreter[0],
        args: [...interpreter.slice(1), '-m', inputs.module],
        interpreter,
        source,
        env: extraEnv,
        warnings,
    };
}
