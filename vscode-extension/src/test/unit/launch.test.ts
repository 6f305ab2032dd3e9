import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { describeSource, LaunchInputs, resolveLaunch, resolveVariables, settingScope } from '../../common/launch';
import { DEFAULT_SETTINGS, ExtensionSettings } from '../../common/serverSettings';
import { isMigrationPath, quoteCommand } from '../../common/utilities';

const LAUNCHER = '/ext/bundled/tool/lsp_server.py';

function inputs(settings: Partial<ExtensionSettings>, extra: Partial<LaunchInputs> = {}): LaunchInputs {
    return {
        settings: { ...DEFAULT_SETTINGS, ...settings },
        selectedInterpreter: undefined,
        workspaceFolder: '/proj',
        module: 'django_migration_lsp',
        launcherScript: LAUNCHER,
        exists: (p) => p === LAUNCHER,
        env: {},
        home: '/home/me',
        platform: 'linux',
        ...extra,
    };
}

describe('resolveLaunch', () => {
    it('falls back to python3 on PATH and runs the bundled launcher with it', () => {
        const launch = resolveLaunch(inputs({}));
        assert.equal(launch.source, 'PATH');
        assert.equal(launch.kind, 'launcher');
        assert.equal(launch.command, 'python3');
        assert.deepEqual(launch.args, [LAUNCHER]);
        assert.deepEqual(launch.env, { LS_IMPORT_STRATEGY: 'fromEnvironment' });
        assert.equal(resolveLaunch(inputs({}, { platform: 'win32' })).command, 'python');
    });

    it('uses the interpreter a Python extension selected when the setting is empty, and says which extension', () => {
        for (const from of ['python-extension', 'python-envs-extension'] as const) {
            const launch = resolveLaunch(inputs({}, { selectedInterpreter: { interpreter: ['/venv/bin/python'], from } }));
            assert.equal(launch.source, from);
            assert.equal(launch.command, '/venv/bin/python');
        }
    });

    it('prefers the interpreter setting, with variables and interpreter arguments', () => {
        const launch = resolveLaunch(
            inputs(
                { interpreter: ['${workspaceFolder}/.venv/bin/python', '-X', 'utf8'] },
                {
                    selectedInterpreter: { interpreter: ['/other/python'], from: 'python-extension' },
                    interpreterScope: 'workspace',
                },
            ),
        );
        assert.equal(launch.source, 'setting');
        assert.equal(launch.settingScope, 'workspace');
        assert.equal(launch.command, '/proj/.venv/bin/python');
        assert.deepEqual(launch.args, ['-X', 'utf8', LAUNCHER]);
        assert.deepEqual(launch.interpreter, ['/proj/.venv/bin/python', '-X', 'utf8']);
    });

    it('treats an interpreter setting of blank strings as unset', () => {
        const launch = resolveLaunch(
            inputs({ interpreter: [' '] }, { selectedInterpreter: { interpreter: ['/venv/python'], from: 'python-extension' } }),
        );
        assert.equal(launch.source, 'python-extension');
    });

    it('runs the first existing path executable directly', () => {
        const launch = resolveLaunch(
            inputs(
                { path: ['/missing/django-migration-lsp', '~/bin/django-migration-lsp'], interpreter: ['/py'] },
                { exists: (p) => p === path.join('/home/me', 'bin/django-migration-lsp') },
            ),
        );
        assert.equal(launch.kind, 'executable');
        assert.equal(launch.command, path.join('/home/me', 'bin/django-migration-lsp'));
        assert.deepEqual(launch.args, []);
    });

    it('warns and falls back to the interpreter when no path exists', () => {
        const launch = resolveLaunch(inputs({ path: ['/missing/django-migration-lsp'], interpreter: ['/py'] }));
        assert.equal(launch.kind, 'launcher');
        assert.equal(launch.command, '/py');
        assert.match(launch.warnings[0], /None of django-migration-lsp.path exists/);
    });

    it('passes importStrategy to the launcher', () => {
        const launch = resolveLaunch(inputs({ importStrategy: 'useBundled' }));
        assert.deepEqual(launch.env, { LS_IMPORT_STRATEGY: 'useBundled' });
        assert.deepEqual(launch.warnings, []);
    });

    it('without the bundle (a development build) runs python -m, and useBundled warns', () => {
        const launch = resolveLaunch(inputs({ importStrategy: 'useBundled' }, { exists: () => false }));
        assert.equal(launch.kind, 'module');
        assert.deepEqual(launch.args, ['-m', 'django_migration_lsp']);
        assert.deepEqual(launch.env, {});
        assert.match(launch.warnings[0], /has no bundled server/);
    });
});

describe('describeSource names what was actually used', () => {
    it('the interpreter setting and the settings file it came from', () => {
        assert.equal(
            describeSource({ source: 'setting', settingScope: 'user', command: '/py' }),
            'interpreter from django-migration-lsp.interpreter in the user settings',
        );
        assert.equal(
            describeSource({ source: 'setting', settingScope: 'workspaceFolder', command: '/py' }),
            'interpreter from django-migration-lsp.interpreter in the folder settings (.vscode/settings.json)',
        );
    });

    it('the extension that selected the interpreter, the path setting, the command on PATH', () => {
        assert.match(describeSource({ source: 'python-extension', command: '/py' }), /\(ms-python\.python\)$/);
        assert.match(describeSource({ source: 'python-envs-extension', command: '/py' }), /ms-python\.vscode-python-envs/);
        assert.equal(describeSource({ source: 'path-setting', command: '/x' }), 'executable from django-migration-lsp.path');
        assert.equal(describeSource({ source: 'PATH', command: 'python' }), 'python on PATH');
    });
});

describe('settingScope', () => {
    it('is the most specific settings file that defines the key, even as []', () => {
        assert.equal(settingScope({ globalValue: ['/a'] }), 'user');
        assert.equal(settingScope({ globalValue: ['/a'], workspaceValue: ['/b'] }), 'workspace');
        assert.equal(settingScope({ globalValue: ['/a'], workspaceValue: ['/b'], workspaceFolderValue: [] }), 'workspaceFolder');
        assert.equal(settingScope({}), undefined);
    });
});

describe('resolveVariables', () => {
    it('expands ${workspaceFolder}, ${userHome}, ${env:X} and ~', () => {
        assert.equal(resolveVariables('${workspaceFolder}/x', '/w', {}, '/h'), '/w/x');
        assert.equal(resolveVariables('${userHome}/x', '/w', {}, '/h'), '/h/x');
        assert.equal(resolveVariables('${env:VENV}/bin/python', '/w', { VENV: '/v' }, '/h'), '/v/bin/python');
        assert.equal(resolveVariables('~/.venv/bin/python', '/w', {}, '/h'), path.join('/h', '.venv/bin/python'));
    });

    it('leaves ${workspaceFolder} alone without a folder', () => {
        assert.equal(resolveVariables('${workspaceFolder}/x', undefined, {}, '/h'), '${workspaceFolder}/x');
    });
});

describe('isMigrationPath', () => {
    for (const p of [
        '/p/shop/migrations/0002_x.py',
        'C:\\p\\shop\\migrations\\0001_initial.py',
        'migrations/0001.py',
        '/p/dojo/db_migrations/0113_x.py',
        'C:\\p\\reports\\schema\\0001_initial.py',
    ]) {
        it(`accepts ${p}`, () => assert.equal(isMigrationPath(p), true));
    }
    for (const p of [
        '/p/shop/models.py',
        '/p/migrations_old/0001.py',
        '/p/shop/migrations/data/seed.json',
        '/p/scripts/01_setup.py',
    ]) {
        it(`rejects ${p}`, () => assert.equal(isMigrationPath(p), false));
    }
});

describe('quoteCommand', () => {
    it('quotes only what needs quoting', () => {
        assert.equal(quoteCommand(['/usr/bin/python3', '-m', 'x']), '/usr/bin/python3 -m x');
        assert.equal(quoteCommand(['/my venv/python']), '"/my venv/python"');
    });
});
