// Pure settings logic (no `vscode` import), so it is unit-tested with node:test.

export const SEVERITIES = ['error', 'warning', 'information', 'hint'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const LOG_LEVELS = ['error', 'warning', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const IMPORT_STRATEGIES = ['fromEnvironment', 'useBundled'] as const;
export type ImportStrategy = (typeof IMPORT_STRATEGIES)[number];

/** Everything under `django-migration-lsp.*` except `trace.server` (vscode-languageclient reads that itself). */
export interface ExtensionSettings {
    enable: boolean;
    interpreter: string[];
    path: string[];
    importStrategy: ImportStrategy;
    select: string[];
    ignore: string[];
    unsafeFixes: boolean;
    workspaceDiagnostics: boolean;
    severity: Record<string, Severity>;
    logLevel: LogLevel;
}

/**
 * What the server receives: `initializationOptions`, the `workspace/configuration` answer for the
 * `django-migration-lsp` section, and `workspace/didChangeConfiguration` under `settings["django-migration-lsp"]`.
 */
export interface ServerSettings {
    enable: boolean;
    select: string[];
    ignore: string[];
    unsafeFixes: boolean;
    workspaceDiagnostics: boolean;
    severity: Record<string, Severity>;
    logLevel: LogLevel;
}

/** Must equal the `default`s in package.json `contributes.configuration` (a unit test checks). */
export const DEFAULT_SETTINGS: Readonly<ExtensionSettings> = Object.freeze({
    enable: true,
    interpreter: [],
    path: [],
    importStrategy: 'fromEnvironment',
    select: [],
    ignore: [],
    unsafeFixes: false,
    workspaceDiagnostics: true,
    severity: {},
    logLevel: 'info',
});

export interface ReadResult {
    settings: ExtensionSettings;
    /** Human-readable complaints about values that were replaced by defaults. */
    problems: string[];
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * Validate raw configuration values (`get(key)` is `WorkspaceConfiguration.get`); an invalid value falls back to its
 * default and is reported, the way jedi-language-server treats bad initialization options.
 */
export function readSettings(get: (key: string) => unknown): ReadResult {
    const problems: string[] = [];
    const settings: ExtensionSettings = { ...DEFAULT_SETTINGS, severity: {} };

    const pick = <K extends keyof ExtensionSettings>(key: K, ok: (v: unknown) => boolean, expected: string): void => {
        const value = get(key);
        if (value === undefined || value === null) {
            return;
        }
        if (ok(value)) {
            settings[key] = value as ExtensionSettings[K];
        } else {
            problems.push(`django-migration-lsp.${key} must be ${expected}; got ${JSON.stringify(value)}`);
        }
    };
    const oneOf = (values: readonly string[]) => (v: unknown) => typeof v === 'string' && values.includes(v);

    pick('enable', (v) => typeof v === 'boolean', 'true or false');
    pick('interpreter', isStringArray, 'a list of strings');
    pick('path', isStringArray, 'a list of strings');
    pick('importStrategy', oneOf(IMPORT_STRATEGIES), IMPORT_STRATEGIES.join(' or '));
    pick('select', isStringArray, 'a list of rule codes');
    pick('ignore', isStringArray, 'a list of rule codes');
    pick('unsafeFixes', (v) => typeof v === 'boolean', 'true or false');
    pick('workspaceDiagnostics', (v) => typeof v === 'boolean', 'true or false');
    pick('logLevel', oneOf(LOG_LEVELS), LOG_LEVELS.join(', '));

    const severity = get('severity');
    if (severity !== undefined && severity !== null) {
        if (typeof severity !== 'object' || Array.isArray(severity)) {
            problems.push(`django-migration-lsp.severity must be an object like {"DJM001": "error"}`);
        } else {
            for (const [code, level] of Object.entries(severity as Record<string, unknown>)) {
                if (typeof level === 'string' && (SEVERITIES as readonly string[]).includes(level)) {
                    settings.severity[code] = level as Severity;
                } else {
                    problems.push(
                        `django-migration-lsp.severity.${code} must be one of ${SEVERITIES.join(', ')}; got ${JSON.stringify(level)}`,
                    );
                }
            }
        }
    }
    return { settings, problems };
}

export function toServerSettings(s: ExtensionSettings): ServerSettings {
    return {
        enable: s.enable,
        select: [...s.select],
        ignore: [...s.ignore],
        unsafeFixes: s.unsafeFixes,
        workspaceDiagnostics: s.workspaceDiagnostics,
        severity: { ...s.severity },
        logLevel: s.logLevel,
    };
}

