import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { LaunchInputs, resolveLaunch, resolveVariables } from '../../common/launch';
import { DEFAULT_SETTINGS, ExtensionSettings } from '../../common/serverSettings';
import { isMigrationPath, quoteCommand } from '../../common/utilities';

const BUNDLED = '/ext/bundled/libs';

function inputs(settings: Partial<ExtensionSettings>, extra: Partial<LaunchInputs> = {}): LaunchInputs {
    return {
        settings: { ...DEFAULT_SETTINGS, ...settings },
        pythonExtensionInterpreter: undefined,
        workspaceFolder: '/proj',
        module: 'django_migration_lsp',
        bundledLibsDir: BUNDLED,
        exists: () => false,
        env: {},
        home: '/home/me',
        ...extra,
    };
}

describe('resolveLaunch', () => {
    it('falls back to python3 on PATH', () => {
        const launch = resolveLaunch(inputs({}));
        assert.equal(launch.source, 'PATH');
        assert.equal(launch.command, process.platform === 'win32' ? 'python' : 'python3');
        assert.deepEqual(launch.args, ['-m', 'django_migration_lsp']);
    });

    it('uses the Python extension interpreter when the setting is empty', () => {
        const launch = resolveLaunch(inputs({}, { pythonExtensionInterpreter: ['/venv/bin/python'] }));
        assert.equal(launch.source, 'python-extension');
        assert.equal(launch.command, '/venv/bin/python');
    });

    it('prefers the interpreter setting, with variables and interpreter arguments', () => {
        const launch = resolveLaunch(
            inputs(
                { interpreter: ['${workspaceFolder}/.venv/bin/python', '-X', 'utf8'] },
                { pythonExtensionInterpreter: ['/other/python'] },
            ),
        );
        assert.equal(launch.source, 'setting');
        assert.equal(launch.command, '/proj/.venv/bin/python');
        assert.deepEqual(launch.args, ['-X', 'utf8', '-m', 'django_migration_lsp']);
        assert.deepEqual(launch.interpreter, ['/proj/.venv/bin/python', '-X', 'utf8']);
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

    it('warns and falls back when no path exists', () => {
        const launch = resolveLaunch(inputs({ path: ['/missing/django-migration-lsp'], interpreter: ['/py'] }));
        assert.equal(launch.kind, 'module');
        assert.equal(launch.command, '/py');
        assert.match(launch.warnings[0], /None of django-migration-lsp.path exists/);
    });

    it('useBundled without a bundled server warns and uses the environment', () => {
        const launch = resolveLaunch(inputs({ importStrategy: 'useBundled' }));
        assert.deepEqual(launch.env, {});
        assert.match(launch.warnings[0], /bundles no server/);
    });

    it('useBundled with a bundled server puts it first on PYTHONPATH', () => {
        const launch = resolveLaunch(
            inputs(
                { importStrategy: 'useBundled' },
                { exists: (p) => p === path.join(BUNDLED, 'django_migration_lsp'), env: { PYTHONPATH: '/a' } },
            ),
        );
        assert.equal(launch.env.PYTHONPATH, `${BUNDLED}${path.delimiter}/a`);
        assert.deepEqual(launch.warnings, []);
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
    for (const p of ['/p/shop/migrations/0002_x.py', 'C:\\p\\shop\\migrations\\0001_initial.py', 'migrations/0001.py']) {
        it(`accepts ${p}`, () => assert.equal(isMigrationPath(p), true));
    }
    for (const p of ['/p/shop/models.py', '/p/migrations_old/0001.py', '/p/shop/migrations/data/seed.json']) {
        it(`rejects ${p}`, () => assert.equal(isMigrationPath(p), false));
    }
});

describe('quoteCommand', () => {
    it('quotes only what needs quoting', () => {
        assert.equal(quoteCommand(['/usr/bin/python3', '-m', 'x']), '/usr/bin/python3 -m x');
        assert.equal(quoteCommand(['/my venv/python']), '"/my venv/python"');
    });
});
