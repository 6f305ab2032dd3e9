// The interpreter the user selected in VS Code. Both Python extensions are optional: the narrow types below
// describe only what we call, so neither extension is a dependency of this one.
import { Disposable, Event, EventEmitter, extensions, Uri } from 'vscode';
import { SelectedInterpreter } from './launch';
import { traceError, traceInfo, traceVerbose } from './log/logging';

/** ms-python.vscode-python-envs (the "Python Environments API" the template prefers). */
interface PythonEnvironmentsApi {
    getEnvironment(scope: Uri | undefined): Promise<{ execInfo?: { run?: { executable: string; args?: string[] } } } | undefined>;
    onDidChangeEnvironment?: Event<unknown>;
}

/** ms-python.python (`PythonExtension.api()` in @vscode/python-extension returns these exports). */
interface PythonExtensionApi {
    ready?: Promise<void>;
    environments?: {
        getActiveEnvironmentPath(resource?: Uri): { path: string };
        resolveEnvironment(env: { path: string } | string): Promise<{ executable: { uri?: Uri } } | undefined>;
        onDidChangeActiveEnvironmentPath: Event<unknown>;
    };
}

const ENVS_EXTENSION_ID = 'ms-python.vscode-python-envs';
const PYTHON_EXTENSION_ID = 'ms-python.python';

const onDidChangeInterpreterEmitter = new EventEmitter<void>();
/** Fires when the selected interpreter may have changed; the extension restarts the server. */
export const onDidChangePythonInterpreter: Event<void> = onDidChangeInterpreterEmitter.event;

async function activated<T>(id: string): Promise<T | undefined> {
    const extension = extensions.getExtension<T>(id);
    if (!extension) {
        return undefined;
    }
    try {
        return extension.isActive ? extension.exports : await extension.activate();
    } catch (error) {
        traceError(`Could not activate ${id}:`, error);
        return undefined;
    }
}

/** Subscribe to interpreter changes in whichever Python extensions are installed. */
export async function initializePython(disposables: Disposable[]): Promise<void> {
    const envs = await activated<PythonEnvironmentsApi>(ENVS_EXTENSION_ID);
    if (envs?.onDidChangeEnvironment) {
        disposables.push(envs.onDidChangeEnvironment(() => onDidChangeInterpreterEmitter.fire()));
        traceVerbose(`Listening to interpreter changes from ${ENVS_EXTENSION_ID}.`);
    }
    const python = await activated<PythonExtensionApi>(PYTHON_EXTENSION_ID);
    if (python?.environments) {
        disposables.push(python.environments.onDidChangeActiveEnvironmentPath(() => onDidChangeInterpreterEmitter.fire()));
        traceVerbose(`Listening to interpreter changes from ${PYTHON_EXTENSION_ID}.`);
    }
    if (!envs && !python) {
        traceInfo(
            'No Python extension installed: the server runs with django-migration-lsp.interpreter, else python3 on PATH.',
        );
    }
}

/** `[executable, ...args]` of the selected interpreter and which extension told, or `undefined` when none can. */
export async function getSelectedInterpreter(resource: Uri | undefined): Promise<SelectedInterpreter | undefined> {
    const envs = await activated<PythonEnvironmentsApi>(ENVS_EXTENSION_ID);
    if (envs) {
        try {
            const run = (await envs.getEnvironment(resource))?.execInfo?.run;
            if (run?.executable) {
                return { interpreter: [run.executable, ...(run.args ?? [])], from: 'python-envs-extension' };
            }
        } catch (error) {
            traceError(`${ENVS_EXTENSION_ID} could not tell the environment:`, error);
        }
    }
    const python = await activated<PythonExtensionApi>(PYTHON_EXTENSION_ID);
    if (python?.environments) {
        try {
            await python.ready;
            const active = python.environments.getActiveEnvironmentPath(resource);
            const resolved = await python.environments.resolveEnvironment(active);
            if (resolved?.executable.uri) {
                return { interpreter: [resolved.executable.uri.fsPath], from: 'python-extension' };
            }
        } catch (error) {
            traceError(`${PYTHON_EXTENSION_ID} could not resolve the active environment:`, error);
        }
    }
    return undefined;
}

/** Whether a command exists to open the interpreter picker. */
export function hasPythonExtension(): boolean {
    return extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined;
}
