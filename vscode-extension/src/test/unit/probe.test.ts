import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Launch } from '../../common/launch';
import { describeProbe, interpretProbe, probeCommand } from '../../common/probe';

const MODULE = 'django_migration_lsp';
const launcher: Launch = {
    kind: 'launcher',
    command: '/venv/bin/python',
    args: ['-X', 'utf8', '/ext/bundled/tool/lsp_server.py'],
    interpreter: ['/venv/bin/python', '-X', 'utf8'],
    source: 'setting',
    env: { LS_IMPORT_STRATEGY: 'fromEnvironment' },
    warnings: [],
};
const moduleLaunch: Launch = { ...launcher, kind: 'module', args: ['-X', 'utf8', '-m', MODULE], env: {} };

/** What bundled/tool/lsp_server.py --probe prints (its keys; tests/vscode/test_bundle.py runs the real one). */
const BUNDLE_PROBE = {
    ok: true,
    source: 'bundle',
    why: 'the interpreter has no django_migration_lsp installed',
    python: '3.12.1',
    executable: '/venv/bin/python',
    tag: 'cp312',
    bundle: { pythons: ['cp310', 'cp311', 'cp312'] },
    version: '0.1.0',
    location: '/ext/bundled/libs/django_migration_lsp',
    libcst: '1.9.0',
    libcst_location: '/ext/bundled/native/cp312/libcst',
};

describe('probeCommand', () => {
    it('asks the launcher with --probe, python -m with an import, an executable with --version', () => {
        assert.deepEqual(probeCommand(launcher, MODULE), {
            file: '/venv/bin/python',
            args: ['-X', 'utf8', '/ext/bundled/tool/lsp_server.py', '--probe'],
        });
        assert.deepEqual(probeCommand(moduleLaunch, MODULE).args.slice(0, 3), ['-X', 'utf8', '-c']);
        assert.deepEqual(probeCommand({ ...launcher, kind: 'executable', args: [] }, MODULE).args, ['--version']);
    });
});

describe('interpretProbe', () => {
    it('reads the launcher JSON: origin, location, Python, fixes', () => {
        const probe = interpretProbe(launcher, MODULE, { stdout: JSON.stringify(BUNDLE_PROBE) + '\n', stderr: '' });
        assert.equal(probe.ok, true);
        if (probe.ok) {
            assert.equal(probe.origin, 'bundle');
            assert.equal(probe.version, '0.1.0');
            assert.equal(probe.fixes, true);
            assert.deepEqual(probe.bundlePythons, ['cp310', 'cp311', 'cp312']);
            assert.equal(
                describeProbe(probe),
                'Using django-migration-lsp 0.1.0 from the bundle in the extension (/ext/bundled/libs/django_migration_lsp) ' +
                    'with Python 3.12.1 (/venv/bin/python): the interpreter has no django_migration_lsp installed.',
            );
        }
    });

    it('a Python without LibCST runs without quick fixes', () => {
        const stdout = JSON.stringify({ ...BUNDLE_PROBE, libcst: null, tag: 'cp315' });
        const probe = interpretProbe(launcher, MODULE, { stdout, stderr: '' });
        assert.equal(probe.ok && probe.fixes, false);
    });

    it('the environment server', () => {
        const stdout = JSON.stringify({ ...BUNDLE_PROBE, source: 'environment', location: '/venv/lib/x/django_migration_lsp' });
        const probe = interpretProbe(launcher, MODULE, { stdout, stderr: '' });
        assert.equal(probe.ok && probe.origin, 'environment');
    });

    it('a Python that is too old (exit status 3)', () => {
        const stdout = JSON.stringify({ ok: false, reason: 'python-too-old', python: '3.9.18', minimum: '3.10', detail: 'x' });
        const probe = interpretProbe(launcher, MODULE, { errorCode: 3, stdout, stderr: 'x' });
        assert.deepEqual(probe, { ok: false, reason: 'python-too-old', detail: 'x', python: '3.9.18', minimum: '3.10' });
    });

    it('an interpreter that does not exist', () => {
        const probe = interpretProbe(launcher, MODULE, { errorCode: 'ENOENT', errorMessage: 'spawn ENOENT', stdout: '', stderr: '' });
        assert.equal(!probe.ok && probe.reason, 'not-found');
    });

    it('a broken environment server, or output that is not the launcher\'s', () => {
        const broken = JSON.stringify({ ...BUNDLE_PROBE, ok: false, reason: 'import-failed', detail: 'ImportError: pygls' });
        const probe = interpretProbe(launcher, MODULE, { stdout: broken, stderr: '' });
        assert.deepEqual(probe, { ok: false, reason: 'failed', detail: 'ImportError: pygls' });
        const garbage = interpretProbe(launcher, MODULE, { errorCode: 1, stdout: '', stderr: 'Traceback ...' });
        assert.deepEqual(garbage, { ok: false, reason: 'failed', detail: 'Traceback ...' });
    });

    it('python -m without the bundle: not installed', () => {
        const stderr = "/venv/bin/python: No module named 'django_migration_lsp'";
        const probe = interpretProbe(moduleLaunch, MODULE, { errorCode: 1, stdout: '', stderr });
        assert.equal(!probe.ok && probe.reason, 'not-installed');
        const ok = interpretProbe(moduleLaunch, MODULE, { stdout: '0.1.0', stderr: '' });
        assert.deepEqual(ok, { ok: true, version: '0.1.0', origin: 'module', fixes: true });
    });
});
