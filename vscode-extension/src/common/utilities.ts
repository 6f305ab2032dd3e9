// Small helpers with no `vscode` import.

/** A file inside a `migrations` package, with either path separator (as django-upgrade's `migrations_re`). */
const MIGRATION_RE = /(^|[\\/])migrations[\\/][^\\/]+\.py$/;
/**
 * A file named like a migration (`0001_initial.py`) in any folder: packages relocated with `MIGRATION_MODULES`
 * (`dojo/db_migrations/`) are not called `migrations`. The server decides what it really checks.
 */
const NUMBERED_RE = /(^|[\\/])\d{4}_\w+\.py$/;

export function isMigrationPath(fsPath: string): boolean {
    return MIGRATION_RE.test(fsPath) || NUMBERED_RE.test(fsPath);
}

/** Run `fn` once, `ms` after the last call. */
export function debounce(fn: () => void, ms: number): () => void {
    let timer: NodeJS.Timeout | undefined;
    return () => {
        if (timer) {
            clearTimeout(timer);
        }
        timer = setTimeout(() => {
            timer = undefined;
            fn();
        }, ms);
    };
}

/** Runs async jobs one at a time, in call order, so two restarts never overlap. */
export class SerialQueue {
    private tail: Promise<void> = Promise.resolve();

    run(job: () => Promise<void>): Promise<void> {
        const next = this.tail.then(job, job);
        this.tail = next.catch(() => undefined);
        return next;
    }
}

/** `a b "c d"`: a command line for logs and for pasting into a shell. */
export function quoteCommand(parts: string[]): string {
    return parts.map((p) => (/^[\w@%+=:,./-]+$/.test(p) ? p : `"${p.replace(/(["\\$`])/g, '\\$1')}"`)).join(' ');
}
