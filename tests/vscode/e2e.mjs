// End-to-end test of the VS Code extension in real VS Code: code-server (VS Code 1.139's workbench and server)
// driven through Debian chromium by playwright-core. Run it with vscode-extension/scripts/e2e.sh, which installs
// everything, builds the .vsix and sets the environment below.
//
//   E2E_HARNESS_DIR   folder with node_modules/{code-server,playwright-core}
//   E2E_VSIX          the .vsix to install
//   E2E_PYTHON        interpreter with django_migration_lsp installed (the bare-interpreter scenario makes a venv of it
//                     without anything installed, for the server bundled in the .vsix)
//   E2E_OLD_PYTHON    optional: a Python older than 3.10 (default: the first of python3.9, 3.8, 2.7 found)
//   E2E_ARTIFACTS     screenshots and logs go here
//   E2E_PIDFILE       process-group ids of code-server and chromium, for the caller's cleanup trap
//   E2E_CHROMIUM      browser executable (default /usr/bin/chromium)
//   E2E_ONLY          optional comma-separated scenario names to run
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = (name, fallback) => {
    const value = process.env[name] ?? fallback;
    if (value === undefined) {
        throw new Error(`${name} is not set (run vscode-extension/scripts/e2e.sh)`);
    }
    return value;
};
const HARNESS = env('E2E_HARNESS_DIR');
const VSIX = env('E2E_VSIX');
const PYTHON = env('E2E_PYTHON');
const ARTIFACTS = env('E2E_ARTIFACTS');
const PIDFILE = env('E2E_PIDFILE', path.join(os.tmpdir(), 'djm-e2e.pids'));
const CHROMIUM = env('E2E_CHROMIUM', '/usr/bin/chromium');
const ONLY = (process.env.E2E_ONLY ?? '').split(',').filter(Boolean);
const FIXTURE = path.join(here, 'fixture');
const CODE_SERVER = path.join(HARNESS, 'node_modules', '.bin', 'code-server');
const { chromium } = createRequire(path.join(HARNESS, 'package.json'))('playwright-core');
const run = promisify(execFile);

const MIGRATION = path.join('shop', 'migrations', '0002_x.py');
const INITIAL = path.join('shop', 'migrations', '0001_initial.py');
const LENS_BLOCKED = 'Rollback past this: blocked by shop.0002 (DJM001)';
const LENS_OK = 'Rollback past this: ok (unapplies 2)';
const DOCS_URL = 'https://github.com/django-migration-lsp/django-migration-lsp/blob/main/docs/rules/';
const NOOP_FIX = 'DJM001: Add migrations.RunPython.noop as reverse';
const GET_MODEL_FIX = /DJM003: Replace .*apps\.get_model/;

fs.mkdirSync(ARTIFACTS, { recursive: true });
const log = (...parts) => console.log(`[e2e ${new Date().toISOString().slice(11, 23)}]`, ...parts);

// ---------------------------------------------------------------------------------------------------------------
// Processes: every child is its own process group, recorded in PIDFILE, and killed on exit whatever happens.

const groups = new Set();
function remember(pid) {
    groups.add(pid);
    fs.appendFileSync(PIDFILE, `${pid}\n`);
}
function killGroup(pid, signal = 'SIGTERM') {
    try {
        process.kill(-pid, signal);
    } catch {
        // already gone
    }
}
/** Temp dirs (workspace copies, user data, the bare venv), removed on exit whatever happens. */
const tempDirs = new Set();
function killAll() {
    for (const pid of groups) {
        killGroup(pid, 'SIGKILL');
    }
    groups.clear();
    for (const dir of tempDirs) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    tempDirs.clear();
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
        log(`received ${signal}, cleaning up`);
        killAll();
        process.exit(130);
    });
}

async function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, timeoutMs = 30_000, intervalMs = 250) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
        try {
            const value = await fn();
            if (value) {
                return value;
            }
        } catch (error) {
            last = error;
        }
        await sleep(intervalMs);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

// ---------------------------------------------------------------------------------------------------------------
// One VS Code session: a fresh user-data dir, the .vsix installed into a fresh extensions dir, a copy of the fixture.

class Session {
    constructor(name, settings, workspaceSettings) {
        this.name = name;
        this.settings = settings;
        this.workspaceSettings = workspaceSettings;
        this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `djm-e2e-${name}-`));
        tempDirs.add(this.tmp);
        this.workspace = path.join(this.tmp, 'workspace');
        this.userData = path.join(this.tmp, 'user-data');
        this.extensions = path.join(this.tmp, 'extensions');
        this.shots = 0;
    }

    get childEnv() {
        // Keep code-server's own files (config.yaml, logs) out of $HOME.
        return {
            ...process.env,
            XDG_CONFIG_HOME: path.join(this.tmp, 'xdg-config'),
            XDG_DATA_HOME: path.join(this.tmp, 'xdg-data'),
            XDG_CACHE_HOME: path.join(this.tmp, 'xdg-cache'),
        };
    }

    async start() {
        fs.cpSync(FIXTURE, this.workspace, { recursive: true });
        if (this.workspaceSettings) {
            this.updateWorkspaceSettings(this.workspaceSettings);
        }
        fs.mkdirSync(path.join(this.userData, 'User'), { recursive: true });
        fs.writeFileSync(
            path.join(this.userData, 'User', 'settings.json'),
            JSON.stringify(
                {
                    'workbench.startupEditor': 'none',
                    'workbench.tips.enabled': false,
                    'workbench.welcomePage.walkthroughs.openOnInstall': false,
                    'workbench.secondarySideBar.defaultVisibility': 'hidden',
                    'security.workspace.trust.enabled': false,
                    'telemetry.telemetryLevel': 'off',
                    'update.mode': 'none',
                    'extensions.autoCheckUpdates': false,
                    'extensions.autoUpdate': false,
                    'extensions.ignoreRecommendations': true,
                    'chat.disableAIFeatures': true,
                    'git.enabled': false,
                    'files.autoSave': 'off',
                    'editor.hover.delay': 200,
                    'editor.fontSize': 15,
                    'editor.minimap.enabled': false,
                    'django-migration-lsp.logLevel': 'debug',
                    ...this.settings,
                },
                null,
                2,
            ),
        );
        fs.writeFileSync(path.join(this.tmp, 'config.yaml'), 'auth: none\n');

        const t0 = Date.now();
        const { stdout } = await run(
            CODE_SERVER,
            ['--extensions-dir', this.extensions, '--user-data-dir', this.userData, '--install-extension', VSIX],
            { env: this.childEnv, timeout: 120_000 },
        );
        log(`${this.name}: installed the .vsix in ${Date.now() - t0} ms: ${stdout.trim().split('\n').pop()}`);

        this.port = await freePort();
        const serverLog = fs.openSync(path.join(ARTIFACTS, `${this.name}-code-server.log`), 'w');
        this.server = spawn(
            CODE_SERVER,
            [
                '--bind-addr',
                `127.0.0.1:${this.port}`,
                '--auth',
                'none',
                '--disable-telemetry',
                '--disable-update-check',
                '--disable-workspace-trust',
                '--disable-getting-started-override',
                '--config',
                path.join(this.tmp, 'config.yaml'),
                '--user-data-dir',
                this.userData,
                '--extensions-dir',
                this.extensions,
                '--ignore-last-opened',
                this.workspace,
            ],
            { env: this.childEnv, detached: true, stdio: ['ignore', serverLog, serverLog] },
        );
        remember(this.server.pid);
        const url = `http://127.0.0.1:${this.port}`;
        await waitFor('code-server to listen', async () => (await fetch(`${url}/healthz`)).ok, 60_000);
        log(`${this.name}: code-server listening on ${url} after ${Date.now() - t0} ms`);

        // launchServer, not launch: only a BrowserServer tells the browser's pid, which the cleanup needs.
        this.browserServer = await chromium.launchServer({
            executablePath: CHROMIUM,
            headless: true,
            args: [
                '--no-sandbox',
                '--disable-gpu',
                '--disable-quic',
                '--no-first-run',
                '--disable-background-networking',
                '--disable-component-update',
                '--disable-sync',
            ],
        });
        remember(this.browserServer.process().pid);
        this.browser = await chromium.connect(this.browserServer.wsEndpoint());
        const context = await this.browser.newContext({ viewport: { width: 1280, height: 800 } });
        this.page = await context.newPage();
        this.page.setDefaultTimeout(20_000);
        this.page.on('pageerror', (error) => log(`${this.name}: page error: ${error.message}`));
        await this.page.goto(`${url}/?folder=${encodeURIComponent(this.workspace)}`);
        await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
        await this.page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60_000 });
        log(`${this.name}: workbench ready after ${Date.now() - t0} ms`);
    }

    /** Write workspace settings (.vscode/settings.json); VS Code watches the folder and fires onDidChangeConfiguration. */
    updateWorkspaceSettings(settings) {
        fs.mkdirSync(path.join(this.workspace, '.vscode'), { recursive: true });
        fs.writeFileSync(path.join(this.workspace, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
    }

    /** Run a command by its title from the Command Palette. */
    async runCommand(title) {
        await this.page.keyboard.press('F1');
        const input = this.page.locator('.quick-input-widget input');
        await input.waitFor();
        await input.fill(`>${title}`);
        await this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
        await sleep(200);
        await this.page.keyboard.press('Enter');
    }

    async screenshot(label) {
        this.shots += 1;
        const file = path.join(ARTIFACTS, `${this.name}-${String(this.shots).padStart(2, '0')}-${label}.png`);
        await this.page.screenshot({ path: file }).catch((e) => log(`screenshot failed: ${e.message}`));
        return file;
    }

    /** The extension's output channel as VS Code writes it to disk (LogOutputChannel). */
    outputLog() {
        const found = [];
        const walk = (dir) => {
            for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
                const p = path.join(dir, entry.name);
                if (entry.isDirectory()) {
                    walk(p);
                } else if (entry.name.includes('Django Migration LSP')) {
                    found.push(p);
                }
            }
        };
        walk(path.join(this.userData, 'logs'));
        return found.map((p) => fs.readFileSync(p, 'utf8')).join('\n');
    }

    async stop() {
        try {
            fs.writeFileSync(path.join(ARTIFACTS, `${this.name}-output-channel.log`), this.outputLog());
            const logs = path.join(this.userData, 'logs');
            if (fs.existsSync(logs)) {
                fs.cpSync(logs, path.join(ARTIFACTS, `${this.name}-vscode-logs`), { recursive: true });
            }
        } catch (error) {
            log(`${this.name}: could not keep the logs: ${error.message}`);
        }
        await this.browser?.close().catch(() => undefined);
        if (this.browserServer) {
            const pid = this.browserServer.process().pid;
            await Promise.race([this.browserServer.close().catch(() => undefined), sleep(5000)]);
            killGroup(pid, 'SIGKILL');
            groups.delete(pid);
        }
        if (this.server) {
            killGroup(this.server.pid, 'SIGTERM');
            const exited = await Promise.race([
                new Promise((r) => (this.server.exitCode !== null ? r(true) : this.server.once('exit', () => r(true)))),
                sleep(5000).then(() => false),
            ]);
            killGroup(this.server.pid, 'SIGKILL');
            groups.delete(this.server.pid);
            if (!exited) {
                log(`${this.name}: code-server did not exit on SIGTERM; killed`);
            }
        }
        fs.rmSync(this.tmp, { recursive: true, force: true });
    }

    // ---- editor helpers ----------------------------------------------------------------------------------------

    async openFile(relative) {
        const page = this.page;
        await page.locator('.monaco-workbench').click({ position: { x: 640, y: 400 } }).catch(() => undefined);
        await page.keyboard.press('Control+P');
        const input = page.locator('.quick-input-widget input');
        await input.waitFor();
        await input.fill(relative.split(path.sep).join('/'));
        await page.locator('.quick-input-list .monaco-list-row').first().waitFor();
        await sleep(300);
        await page.keyboard.press('Enter');
        await page.locator(`.tabs-container .tab[aria-label*="${path.basename(relative)}"]`).waitFor();
        await page.locator('.monaco-editor .view-lines').first().waitFor();
    }

    /**
     * Lines of the active editor, as rendered (the fixture is short enough to be fully visible). Read in one go in
     * the page: line by line, a line that an edit removes meanwhile would be waited for (20 s), not skipped.
     */
    async editorText() {
        const rows = await this.page.evaluate(
            (selector) =>
                [...document.querySelectorAll(selector)].map((el) => [
                    parseFloat(el.style.top || '0'),
                    (el.textContent || '').replace(/\u00a0/g, ' '),
                ]),
            '.editor-group-container.active .monaco-editor .view-lines .view-line',
        );
        return rows
            .sort((a, b) => a[0] - b[0])
            .map(([, text]) => text)
            .join('\n');
    }

    /** The code lenses of the active editor, as rendered (`.codelens-decoration`). */
    async lensTexts() {
        const lenses = this.page.locator('.editor-group-container.active .monaco-editor .codelens-decoration');
        return (await lenses.allTextContents()).map((t) => t.replace(/\u00a0/g, ' ').trim());
    }

    /** "Ln 15, Col 9" from the status bar: the cursor of the active editor. */
    async cursorLabel() {
        const item = this.page.locator('[id="status.editor.selection"]').first();
        return ((await item.textContent()) ?? '').trim();
    }

    async activeTab() {
        return ((await this.page.locator('.tabs-container .tab.active').first().getAttribute('aria-label')) ?? '').trim();
    }

    async squiggles() {
        return this.page.locator('.monaco-editor .squiggly-warning, .monaco-editor .squiggly-error').count();
    }

    async goTo(line, column) {
        await this.page.keyboard.press('Control+G');
        const input = this.page.locator('.quick-input-widget input');
        await input.waitFor();
        await input.fill(`:${line}:${column}`); // fill() replaces the ":" prefix that Ctrl+G typed
        await sleep(200);
        await this.page.keyboard.press('Enter');
        await sleep(300);
    }

    /** The squiggle on the cursor's line (the cursor is placed with goTo first). */
    async squiggleAtCursor() {
        const cursor = await this.page.locator('.editor-group-container.active .monaco-editor .cursor').first().boundingBox();
        const all = await this.page.locator('.monaco-editor .squiggly-warning, .monaco-editor .squiggly-error').all();
        for (const squiggle of all) {
            const box = await squiggle.boundingBox();
            if (box && cursor && box.y <= cursor.y + cursor.height && box.y + box.height >= cursor.y) {
                return box;
            }
        }
        return undefined;
    }

    /** The Problems status-bar entry, e.g. "No Problems" or "Warnings: 2". */
    async problemsLabel() {
        const item = this.page.locator('[id="status.problems"]').first();
        const label = (await item.getAttribute('aria-label')) ?? (await item.textContent()) ?? '';
        return label.trim();
    }

    async problemCount() {
        const label = await this.problemsLabel();
        if (/no problems/i.test(label)) {
            return 0;
        }
        return [...label.matchAll(/(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    }

    async applyQuickFix(line, column, title) {
        const page = this.page;
        await this.goTo(line, column);
        await page.keyboard.press('Control+.');
        const widget = page.locator('.action-widget:not(.action-list-submenu-panel)').first();
        await widget.waitFor();
        const row = widget.locator('.monaco-list-row', { hasText: title });
        await row.first().waitFor();
        const shot = await this.screenshot(`quick-fix-${typeof title === 'string' ? title.slice(0, 6) : 'DJM003'}`);
        const before = await this.editorText();
        await row.first().click();
        await waitFor('the quick fix to change the text', async () => (await this.editorText()) !== before, 10_000);
        return shot;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Scenarios. Steps of one scenario share a session; a failed step fails the steps after it.

function lineAndColumn(text, needle, offsetInNeedle = 0) {
    const index = text.indexOf(needle);
    if (index < 0) {
        throw new Error(`fixture lacks ${JSON.stringify(needle)}`);
    }
    const before = text.slice(0, index + offsetInNeedle);
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    return [line, column];
}

/** A venv of E2E_PYTHON with nothing installed in it, not even pip: what a user's fresh interpreter looks like. */
async function bareVenv(scenario) {
    const venv = path.join(os.tmpdir(), `djm-e2e-bare-venv-${process.pid}`);
    tempDirs.add(venv);
    await run(PYTHON, ['-m', 'venv', '--without-pip', venv], { timeout: 60_000 });
    scenario.cleanup = () => fs.rmSync(venv, { recursive: true, force: true });
    return path.join(venv, 'bin', 'python');
}

/** A Python older than the server supports, if this machine has one (pyenv's, Debian's). */
function oldPython() {
    if (process.env.E2E_OLD_PYTHON) {
        return process.env.E2E_OLD_PYTHON;
    }
    const pyenv = path.join(os.homedir(), '.pyenv', 'versions');
    const candidates = [];
    for (const prefix of ['3.9', '3.8', '2.7']) {
        for (const dir of fs.existsSync(pyenv) ? fs.readdirSync(pyenv).filter((d) => d.startsWith(`${prefix}.`)) : []) {
            candidates.push(path.join(pyenv, dir, 'bin', 'python'));
        }
        candidates.push(`/usr/bin/python${prefix}`);
    }
    return candidates.find((p) => fs.existsSync(p));
}

/** Open the fixture migration and wait for its DJM001 and DJM003 squiggles and Problems: 2. */
async function openWithTwoFindings(s) {
    await s.openFile(MIGRATION);
    await waitFor('two squiggles', async () => (await s.squiggles()) === 2, 30_000);
    await waitFor('Problems: 2', async () => (await s.problemCount()) === 2, 10_000);
}

/** Ctrl+. on the RunPython call, apply the noop reverse, and wait for its squiggle to go. */
async function applyNoopFix(s) {
    const text = fs.readFileSync(path.join(s.workspace, MIGRATION), 'utf8');
    const [line, column] = lineAndColumn(text, 'migrations.RunPython(forwards)');
    await s.applyQuickFix(line, column, NOOP_FIX);
    await waitFor('the noop reverse in the editor', async () => /RunPython\.noop/.test(await s.editorText()), 5000);
    await waitFor('one squiggle left', async () => (await s.squiggles()) === 1, 15_000);
}

const starts = (s) => (s.outputLog().match(/Server started/g) ?? []).length;

async function expectNoErrorNotification(s) {
    const errors = await s.page.locator('.notification-toast .codicon-error').count();
    if (errors) {
        const text = await s.page.locator('.notification-toast').allTextContents();
        throw new Error(`error notification(s) shown: ${JSON.stringify(text)}`);
    }
}

const scenarios = [
    {
        name: 'bundled-server',
        // A bare interpreter (nothing installed): the server bundled in the .vsix runs, diagnostics and quick fixes
        // work, and nothing is installed into the user's interpreter. The setting is in the workspace's settings.
        async setup() {
            this.python = await bareVenv(this);
            this.workspaceSettings = { 'django-migration-lsp.interpreter': [this.python] };
            return {};
        },
        steps: [
            [
                'the log names the interpreter setting actually used and the bundled server',
                async (s) => {
                    await waitFor('"Server started" in the output channel', () => starts(s) > 0, 60_000);
                    const log = s.outputLog();
                    const python = s.scenario.python;
                    const starting = log.match(/Starting the server: (.*)/)?.[1] ?? '';
                    const expected = `${python} ${path.join(s.extensions)}`;
                    if (!starting.startsWith(expected) || !/bundled\/tool\/lsp_server\.py /.test(starting)) {
                        throw new Error(`unexpected start line: ${starting}`);
                    }
                    if (!starting.includes('(interpreter from django-migration-lsp.interpreter in the folder settings (.vscode/settings.json))')) {
                        throw new Error(`the start line does not name the folder's setting: ${starting}`);
                    }
                    const using = log.match(/Using django-migration-lsp .*/)?.[0] ?? '';
                    const bundled = /from the bundle in the extension \(.*\/bundled\/libs\/django_migration_lsp\) with Python 3\.\d+\.\d+ /;
                    if (!bundled.test(using) || !using.includes('the interpreter has no django_migration_lsp installed')) {
                        throw new Error(`the log does not say the bundled server runs, and why: ${using}`);
                    }
                    if (/LibCST cannot load/.test(log)) {
                        throw new Error('the bundle has no LibCST for this Python');
                    }
                },
            ],
            [
                'squiggles appear for DJM001 and DJM003 from the bundled server, with no error notification',
                async (s) => {
                    await openWithTwoFindings(s);
                    await expectNoErrorNotification(s);
                    await s.screenshot('bundled-squiggles');
                },
            ],
            [
                `Ctrl+. applies "${NOOP_FIX}" (LibCST from the bundle)`,
                applyNoopFix,
            ],
            [
                'the interpreter is left as it was: still nothing installed in it',
                async (s) => {
                    const python = s.scenario.python;
                    for (const module of ['django_migration_lsp', 'pip', 'django', 'libcst']) {
                        const imported = await run(python, ['-c', `import ${module}`]).then(
                            () => true,
                            () => false,
                        );
                        if (imported) {
                            throw new Error(`${module} is importable in the bare interpreter`);
                        }
                    }
                    await expectNoErrorNotification(s);
                },
            ],
        ],
    },
    {
        name: 'python-too-old',
        // Even the bundle cannot run on Python < 3.10: the user gets a notification that says so, not silence.
        async setup() {
            this.python = oldPython();
            if (!this.python) {
                this.skip = 'no Python older than 3.10 on this machine (set E2E_OLD_PYTHON)';
                return {};
            }
            return { 'django-migration-lsp.interpreter': [this.python] };
        },
        steps: [
            [
                'a notification names the interpreter, its version and the minimum, with an Open settings button',
                async (s) => {
                    const toast = s.page.locator('.notification-toast', { hasText: 'the server needs Python 3.10 or newer' });
                    await toast.first().waitFor({ timeout: 60_000 });
                    const text = await toast.first().textContent();
                    const python = s.scenario.python;
                    if (!text.includes(python) || !/is Python [23]\.\d+/.test(text)) {
                        throw new Error(`the notification does not name ${python} and its version: ${text}`);
                    }
                    if (!text.includes('interpreter from django-migration-lsp.interpreter in the user settings')) {
                        throw new Error(`the notification does not name the setting: ${text}`);
                    }
                    await toast.first().locator('.monaco-button', { hasText: 'Open settings' }).first().waitFor();
                    await s.screenshot('python-too-old');
                    if (!/Cannot start the server with .*: python-too-old/.test(s.outputLog())) {
                        throw new Error('the output channel lacks the reason');
                    }
                    if (starts(s) !== 0) {
                        throw new Error('a server was started anyway');
                    }
                },
            ],
        ],
    },
    {
        name: 'code-lens',
        // The rollback lens above `class Migration` of 0001_initial: rolling back past it unapplies 0002_x, whose
        // RunPython has no reverse. Clicking it opens 0002_x at that call; once the fix is saved there, the lens
        // of 0001_initial says the rollback is ok.
        async setup() {
            return { 'django-migration-lsp.interpreter': [PYTHON] };
        },
        steps: [
            [
                `the lens above class Migration of 0001_initial reads "${LENS_BLOCKED}"`,
                async (s) => {
                    await s.openFile(INITIAL);
                    await waitFor(
                        `the lens "${LENS_BLOCKED}"`,
                        async () => (await s.lensTexts()).includes(LENS_BLOCKED),
                        60_000,
                    );
                    // Rendered above the class line: the decoration sits just above the line with `class Migration`.
                    const lens = await s.page.locator('.codelens-decoration', { hasText: LENS_BLOCKED }).first().boundingBox();
                    const line = await s.page.locator('.view-line', { hasText: 'class Migration(migrations.Migration):' }).first().boundingBox();
                    if (!lens || !line || !(lens.y < line.y && line.y - lens.y < 2 * line.height + 4)) {
                        throw new Error(`the lens is not just above class Migration: ${JSON.stringify({ lens, line })}`);
                    }
                    await s.screenshot('lens-blocked');
                },
            ],
            [
                'clicking the lens opens 0002_x.py at the RunPython call that blocks the rollback',
                async (s) => {
                    await s.page.locator('.codelens-decoration a', { hasText: LENS_BLOCKED }).first().click();
                    await waitFor('0002_x.py to be the active tab', async () => /0002_x\.py/.test(await s.activeTab()), 15_000);
                    const text = fs.readFileSync(path.join(s.workspace, MIGRATION), 'utf8');
                    const [line, column] = lineAndColumn(text, 'migrations.RunPython(forwards)');
                    await waitFor(
                        `the cursor at Ln ${line}, Col ${column}`,
                        async () => (await s.cursorLabel()).startsWith(`Ln ${line}, Col ${column}`),
                        10_000,
                    );
                    await s.screenshot('lens-opened');
                },
            ],
            [
                `after the DJM001 fix is saved in 0002_x.py, the lens of 0001_initial reads "${LENS_OK}"`,
                async (s) => {
                    await waitFor('the squiggles of 0002_x.py', async () => (await s.squiggles()) === 2, 30_000);
                    await applyNoopFix(s);
                    const file = path.join(s.workspace, MIGRATION);
                    const before = fs.readFileSync(file, 'utf8');
                    await s.page.keyboard.press('Control+S');
                    await waitFor('the file on disk to change', () => fs.readFileSync(file, 'utf8') !== before, 10_000);
                    await s.page.locator('.tabs-container .tab', { hasText: '0001_initial.py' }).first().click();
                    await waitFor('0001_initial.py to be the active tab', async () => /0001_initial\.py/.test(await s.activeTab()), 10_000);
                    await waitFor(`the lens "${LENS_OK}"`, async () => (await s.lensTexts()).includes(LENS_OK), 30_000);
                    await s.screenshot('lens-ok');
                    await expectNoErrorNotification(s);
                },
            ],
            [
                'the ("shop", "0001_initial") of dependencies in 0002_x.py is a document link: Ctrl+click opens 0001_initial.py',
                async (s) => {
                    await s.page.locator('.tabs-container .tab', { hasText: '0002_x.py' }).first().click();
                    await waitFor('0002_x.py to be the active tab', async () => /0002_x\.py/.test(await s.activeTab()), 10_000);
                    const links = s.page.locator('.editor-group-container.active .monaco-editor .detected-link');
                    const link = links.filter({ hasText: '0001_initial' });
                    await link.first().waitFor({ timeout: 15_000 });
                    // One span per token of the decorated range: the tuple, and nothing else of the file.
                    const text = (await links.allTextContents()).join('').replace(/\u00a0/g, ' ');
                    if (text !== '("shop", "0001_initial")') {
                        throw new Error(`the links cover ${JSON.stringify(text)}, not the dependency tuple`);
                    }
                    await s.page.keyboard.down('Control');
                    await link.first().click();
                    await s.page.keyboard.up('Control');
                    await waitFor('0001_initial.py to be the active tab', async () => /0001_initial\.py/.test(await s.activeTab()), 10_000);
                    await s.screenshot('link-followed');
                },
            ],
        ],
    },
    {
        name: 'quick-fixes',
        async setup() {
            return { 'django-migration-lsp.interpreter': [PYTHON] };
        },
        steps: [
            [
                "the server starts from the configured interpreter, using the server installed in that environment",
                async (s) => {
                    await waitFor('"Server started" in the output channel', () => /Server started/.test(s.outputLog()), 60_000);
                    const log = s.outputLog();
                    if (!/Starting the server: .*\(interpreter from django-migration-lsp\.interpreter in the user settings\)/.test(log)) {
                        throw new Error('the start line does not name the user setting');
                    }
                    if (!/Using django-migration-lsp \S+ from the interpreter's environment \(.*\): the interpreter has django_migration_lsp installed/.test(log)) {
                        throw new Error(`the log does not say the environment's server runs: ${log.match(/Using .*/)?.[0]}`);
                    }
                },
            ],
            [
                'squiggles appear for DJM001 and DJM003 and the Problems count is 2',
                async (s) => {
                    await openWithTwoFindings(s);
                    await s.screenshot('squiggles');
                },
            ],
            [
                'hovering the DJM001 squiggle shows the message, the code and the docs link',
                async (s) => {
                    const text = fs.readFileSync(path.join(s.workspace, MIGRATION), 'utf8');
                    const [line, column] = lineAndColumn(text, 'migrations.RunPython(forwards)');
                    await s.goTo(line, column);
                    const box = await waitFor('the DJM001 squiggle', () => s.squiggleAtCursor(), 5000);
                    await s.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
                    const hover = s.page.locator('.monaco-hover:not(.hidden)', { hasText: 'DJM001' });
                    await hover.first().waitFor({ timeout: 10_000 });
                    const hoverText = await hover.first().textContent();
                    if (!/has no reverse/.test(hoverText)) {
                        throw new Error(`hover lacks the DJM001 message: ${hoverText}`);
                    }
                    const links = await hover
                        .first()
                        .locator('a')
                        .evaluateAll((as) => as.map((a) => a.getAttribute('href') || a.getAttribute('data-href') || ''));
                    if (!links.some((href) => href.startsWith(DOCS_URL) && href.includes('DJM001'))) {
                        throw new Error(`hover has no docs link to DJM001: ${JSON.stringify(links)}`);
                    }
                    await s.screenshot('hover');
                    await s.page.mouse.move(5, 5);
                    await s.page.keyboard.press('Escape');
                },
            ],
            [
                'the Restart Server command restarts the server',
                async (s) => {
                    const before = starts(s);
                    await s.runCommand('Django Migration LSP: Restart Server');
                    await waitFor('a second "Server started"', () => starts(s) > before, 30_000);
                    await waitFor('the squiggles again', async () => (await s.squiggles()) === 2, 30_000);
                },
            ],
            [
                'changing django-migration-lsp.severity restarts the server and DJM001 becomes an error',
                async (s) => {
                    const before = starts(s);
                    s.updateWorkspaceSettings({ 'django-migration-lsp.severity': { DJM001: 'error' } });
                    await waitFor('the restart after the settings change', () => starts(s) > before, 30_000);
                    if (!/"severity":\{"DJM001":"error"\}/.test(s.outputLog())) {
                        throw new Error('the new severity was not sent to the server');
                    }
                    await waitFor(
                        'one error squiggle',
                        async () => (await s.page.locator('.monaco-editor .squiggly-error').count()) === 1,
                        30_000,
                    );
                    await waitFor('Errors: 1, Warnings: 1', async () => /1.*1/.test(await s.problemsLabel()), 10_000);
                    await s.screenshot('severity-error');
                },
            ],
            [
                `Ctrl+. applies "${NOOP_FIX}"`,
                applyNoopFix,
            ],
            [
                'Ctrl+. applies the DJM003 apps.get_model quick fix',
                async (s) => {
                    const text = fs.readFileSync(path.join(s.workspace, MIGRATION), 'utf8');
                    const [line, column] = lineAndColumn(text, 'from shop.models import Order', 'from shop.models import '.length);
                    await s.applyQuickFix(line, column, GET_MODEL_FIX);
                    await waitFor(
                        'apps.get_model in the editor',
                        async () => /apps\.get_model\("shop", "Order"\)/.test(await s.editorText()),
                        5000,
                    );
                    await waitFor('no squiggles', async () => (await s.squiggles()) === 0, 15_000);
                },
            ],
            [
                'Ctrl+S saves the fixed migration and the Problems count drops to zero',
                async (s) => {
                    const file = path.join(s.workspace, MIGRATION);
                    const before = fs.readFileSync(file, 'utf8');
                    await s.page.keyboard.press('Control+S');
                    await waitFor('the file on disk to change', () => fs.readFileSync(file, 'utf8') !== before, 10_000);
                    const saved = fs.readFileSync(file, 'utf8');
                    fs.writeFileSync(path.join(ARTIFACTS, 'quick-fixes-0002_x.saved.py'), saved);
                    const expectations = [
                        [/migrations\.RunPython\(forwards, (reverse_code=)?migrations\.RunPython\.noop\)/, true],
                        [/^\s+Order = apps\.get_model\("shop", "Order"\)$/m, true],
                        [/from shop\.models import Order/, false],
                    ];
                    for (const [pattern, wanted] of expectations) {
                        if (pattern.test(saved) !== wanted) {
                            throw new Error(`saved file ${wanted ? 'lacks' : 'still has'} ${pattern}:\n${saved}`);
                        }
                    }
                    // The CLI (same rules, no editor) agrees that nothing is left, and the file is valid Python.
                    await run(PYTHON, ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', file]);
                    await run(PYTHON, ['-m', 'django_migration_lsp', 'check', file], { cwd: s.workspace }).catch((e) => {
                        throw new Error(`django-migration-lsp check still reports problems:\n${e.stdout}${e.stderr}`);
                    });
                    await waitFor('No Problems in the status bar', async () => (await s.problemCount()) === 0, 15_000);
                    if (await s.page.locator('.tabs-container .tab.dirty').count()) {
                        throw new Error('the editor is still dirty after Ctrl+S');
                    }
                    await s.screenshot('saved');
                },
            ],
            [
                'importStrategy useBundled restarts the server from the bundle, though the environment has one',
                async (s) => {
                    const before = starts(s);
                    s.updateWorkspaceSettings({
                        'django-migration-lsp.severity': { DJM001: 'error' },
                        'django-migration-lsp.importStrategy': 'useBundled',
                    });
                    await waitFor('the restart after the settings change', () => starts(s) > before, 30_000);
                    const using = [...s.outputLog().matchAll(/Using django-migration-lsp .*/g)].pop()?.[0] ?? '';
                    if (!/from the bundle in the extension .*: django-migration-lsp\.importStrategy is useBundled/.test(using)) {
                        throw new Error(`the last start did not use the bundle: ${using}`);
                    }
                    await expectNoErrorNotification(s);
                },
            ],
        ],
    },
];

let passed = 0;
let failed = 0;
let skipped = 0;
const started = Date.now();
for (const scenario of scenarios) {
    if (ONLY.length && !ONLY.includes(scenario.name)) {
        continue;
    }
    log(`scenario ${scenario.name}`);
    let session;
    let broken;
    try {
        const settings = await scenario.setup.call(scenario);
        if (scenario.skip) {
            skipped += scenario.steps.length;
            console.log(`SKIP  ${scenario.name}: ${scenario.skip}`);
            continue;
        }
        session = new Session(scenario.name, settings, scenario.workspaceSettings);
        session.scenario = scenario;
        await session.start();
    } catch (error) {
        broken = `setup failed: ${error.stack ?? error}`;
    }
    for (const [title, step] of scenario.steps) {
        if (broken) {
            failed += 1;
            console.log(`FAIL  ${scenario.name} › ${title}\n      not run: ${broken.split('\n')[0]}`);
            continue;
        }
        const t0 = Date.now();
        try {
            await step(session);
            passed += 1;
            console.log(`PASS  ${scenario.name} › ${title} (${Date.now() - t0} ms)`);
        } catch (error) {
            failed += 1;
            broken = `"${title}" failed`;
            console.log(`FAIL  ${scenario.name} › ${title} (${Date.now() - t0} ms)\n      ${error.stack ?? error}`);
            await session?.screenshot('failure');
            if (session?.page) {
                await fs.promises
                    .writeFile(path.join(ARTIFACTS, `${scenario.name}-failure.html`), await session.page.content())
                    .catch(() => undefined);
            }
        }
    }
    await session?.stop().catch((e) => log(`stop failed: ${e.message}`));
    scenario.cleanup?.();
}
log(`artifacts in ${ARTIFACTS}; took ${((Date.now() - started) / 1000).toFixed(1)} s`);
killAll();
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
