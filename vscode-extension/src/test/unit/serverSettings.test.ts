// The settings VS Code shows (package.json) and the settings the code reads must agree, as ruff-vscode checks
// its server settings against package.json defaults.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
    DEFAULT_SETTINGS,
    IMPORT_STRATEGIES,
    LOG_LEVELS,
    readSettings,
    SEVERITIES,
    toServerSettings,
} from '../../common/serverSettings';

interface Property {
    default: unknown;
    enum?: string[];
    additionalProperties?: { enum?: string[] };
    properties?: Record<string, { enum?: string[] }>;
}
const packageJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
const properties: Record<string, Property> = packageJson.contributes.configuration.properties;
const PREFIX = 'django-migration-lsp.';

/** The keys the server accepts in initializationOptions and workspace/configuration. */
const SERVER_KEYS = ['enable', 'ignore', 'logLevel', 'select', 'severity', 'unsafeFixes', 'workspaceDiagnostics'];

describe('package.json settings', () => {
    it('have the defaults the code uses', () => {
        for (const [key, value] of Object.entries(DEFAULT_SETTINGS)) {
            assert.ok(properties[PREFIX + key], `package.json lacks ${PREFIX + key}`);
            assert.deepEqual(properties[PREFIX + key].default, value, `default of ${PREFIX + key}`);
        }
    });

    it('are all read by the code (trace.server is read by vscode-languageclient)', () => {
        const declared = Object.keys(properties).map((k) => k.slice(PREFIX.length));
        assert.deepEqual(declared.sort(), [...Object.keys(DEFAULT_SETTINGS), 'trace.server'].sort());
    });

    it('offer the enums the code accepts', () => {
        assert.deepEqual(properties[PREFIX + 'importStrategy'].enum, [...IMPORT_STRATEGIES]);
        assert.deepEqual(properties[PREFIX + 'logLevel'].enum, [...LOG_LEVELS]);
        const severity = properties[PREFIX + 'severity'];
        assert.deepEqual(severity.additionalProperties?.enum, [...SEVERITIES]);
        for (const [code, rule] of Object.entries(severity.properties ?? {})) {
            assert.deepEqual(rule.enum, [...SEVERITIES], `severity.${code}`);
        }
    });

    it('are prefixed with the extension name and use a valid prefix for commands', () => {
        assert.equal(packageJson.name + '.', PREFIX);
        for (const command of packageJson.contributes.commands) {
            assert.ok(command.command.startsWith(PREFIX), command.command);
        }
    });
});

describe('readSettings', () => {
    it('returns the defaults for an empty configuration', () => {
        const { settings, problems } = readSettings(() => undefined);
        assert.deepEqual(settings, DEFAULT_SETTINGS);
        assert.deepEqual(problems, []);
    });

    it('keeps valid values', () => {
        const raw: Record<string, unknown> = {
            enable: false,
            select: ['DJM001'],
            ignore: ['DJM003'],
            unsafeFixes: true,
            workspaceDiagnostics: false,
            severity: { DJM001: 'error', DJM002: 'hint' },
            logLevel: 'debug',
            interpreter: ['/venv/bin/python'],
            importStrategy: 'useBundled',
        };
        const { settings, problems } = readSettings((k) => raw[k]);
        assert.deepEqual(problems, []);
        assert.deepEqual(settings.severity, { DJM001: 'error', DJM002: 'hint' });
        assert.equal(settings.importStrategy, 'useBundled');
        assert.deepEqual(settings.interpreter, ['/venv/bin/python']);
    });

    it('replaces invalid values with defaults and says why', () => {
        const raw: Record<string, unknown> = {
            enable: 'yes',
            select: 'DJM001',
            severity: { DJM001: 'fatal', DJM002: 'error' },
            logLevel: 'trace',
        };
        const { settings, problems } = readSettings((k) => raw[k]);
        assert.equal(settings.enable, true);
        assert.deepEqual(settings.select, []);
        assert.deepEqual(settings.severity, { DJM002: 'error' });
        assert.equal(settings.logLevel, 'info');
        assert.equal(problems.length, 4);
        assert.match(problems.join('\n'), /severity\.DJM001 must be one of error, warning, information, hint/);
    });
});

describe('toServerSettings', () => {
    it('sends exactly the keys the server accepts', () => {
        assert.deepEqual(Object.keys(toServerSettings(DEFAULT_SETTINGS)).sort(), SERVER_KEYS);
    });

    it('does not send launch settings to the server', () => {
        const sent = toServerSettings({ ...DEFAULT_SETTINGS, interpreter: ['/x'], path: ['/y'] });
        assert.equal('interpreter' in sent, false);
        assert.equal('path' in sent, false);
    });
});
