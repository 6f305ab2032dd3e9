// Asking the chosen command what it would run, before starting it (no `vscode` import: unit-tested with node:test).
import { Launch } from './launch';

export type Probe =
    | {
          ok: true;
          version: string;
          /** `environment` / `bundle`: what the launcher chose; `module` / `executable`: the other launch kinds. */
          origin: 'environment' | 'bundle' | 'module' | 'executable';
          /** Why the launcher chose it, e.g. "the interpreter has no django_migration_lsp installed". */
          why?: string;
          /** The `django_migration_lsp` package directory that will run. */
          location?: string;
          python?: string;
          executable?: string;
          /** The interpreter's wheel tag, e.g. `cp312`. */
          tag?: string;
          /** Whether LibCST can load, i.e. whether quick fixes work. */
          fixes: boolean;
          /** The Python tags the bundle has LibCST for. */
          bundlePythons?: string[];
      }
    /** The interpreter or executable itself cannot be run. */
    | { ok: false; reason: 'not-found'; detail: string }
    /** `python -m` without the bundle: the interpreter runs, but `import django_migration_lsp` fails. */
    | { ok: false; reason: 'not-installed'; detail: string }
    /** The interpreter is older than the server supports (the launcher's exit status 3). */
    | { ok: false; reason: 'python-too-old'; detail: string; python: string; minimum: string }
    | { ok: false; reason: 'failed'; detail: string };

/** The command that asks, for each launch kind. */
export function probeCommand(launch: Launch, module: string): { file: string; args: string[] } {
    switch (launch.kind) {
        case 'launcher':
            return { file: launch.command, args: [...launch.args, '--probe'] };
        case 'module':
            return {
                file: launch.command,
                args: [...launch.interpreter.slice(1), '-c', `import ${module} as m, sys; sys.stdout.write(m.__version__)`],
            };
        case 'executable':
            return { file: launch.command, args: ['--version'] };
    }
}

export interface ProbeOutput {
    /** `error.code` of `child_process.execFile`: `'ENOENT'` etc. when it could not start, the exit status otherwise. */
    errorCode?: string | number;
    errorMessage?: string;
    stdout: string;
    stderr: string;
}

const EXIT_TOO_OLD = 3;

function lastJsonLine(stdout: string): Record<string, unknown> | undefined {
    const line = stdout.trim().split('\n').pop();
    try {
        const value = line ? JSON.parse(line) : undefined;
        return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
    } catch {
        return undefined;
    }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function interpretProbe(launch: Launch, module: string, out: ProbeOutput): Probe {
    if (out.errorCode === 'ENOENT' || out.errorCode === 'EACCES') {
        return { ok: false, reason: 'not-found', detail: out.errorMessage ?? String(out.errorCode) };
    }
    const detail = (out.stderr || out.errorMessage || '').trim();
    if (launch.kind !== 'launcher') {
        if (out.errorCode === undefined) {
            return {
                ok: true,
                version: out.stdout.trim().replace(/^django-migration-lsp\s+/, ''),
                origin: launch.kind,
                fixes: true,
            };
        }
        const missing = launch.kind === 'module' && new RegExp(`No module named '?${module}`).test(out.stderr);
        return { ok: false, reason: missing ? 'not-installed' : 'failed', detail };
    }

    const info = lastJsonLine(out.stdout);
    if (info?.reason === 'python-too-old' || out.errorCode === EXIT_TOO_OLD) {
        return {
            ok: false,
            reason: 'python-too-old',
            detail: str(info?.detail) ?? detail,
            python: str(info?.python) ?? '?',
            minimum: str(info?.minimum) ?? '3.10',
        };
    }
    if (out.errorCode !== undefined || !info || info.ok !== true || typeof info.version !== 'string') {
        return { ok: false, reason: 'failed', detail: str(info?.detail) ?? (detail || out.stdout.trim()) };
    }
    const bundle = info.bundle as { pythons?: unknown } | undefined;
    return {
        ok: true,
        version: info.version,
        origin: info.source === 'environment' ? 'environment' : 'bundle',
        why: str(info.why),
        location: str(info.location),
        python: str(info.python),
        executable: str(info.executable),
        tag: str(info.tag),
        fixes: typeof info.libcst === 'string',
        bundlePythons: Array.isArray(bundle?.pythons) ? bundle.pythons.filter((t) => typeof t === 'string') : undefined,
    };
}

/** One log line: which server runs, from where, on which Python, and why. */
export function describeProbe(probe: Extract<Probe, { ok: true }>): string {
    const where = {
        environment: "the interpreter's environment",
        bundle: 'the bundle in the extension',
        module: "the interpreter's environment",
        executable: 'the executable',
    }[probe.origin];
    const python = probe.python ? ` with Python ${probe.python} (${probe.executable ?? '?'})` : '';
    const why = probe.why ? `: ${probe.why}` : '';
    const location = probe.location ? ` (${probe.location})` : '';
    return `Using django-migration-lsp ${probe.version} from ${where}${location}${python}${why}.`;
}
