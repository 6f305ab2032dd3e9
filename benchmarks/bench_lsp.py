"""How fast is the language server, seen from an editor?

    python benchmarks/bench_lsp.py             # 15 repeats per measurement
    python benchmarks/bench_lsp.py --repeats 31 --no-corpus

The server runs as editors run it (``python -m django_migration_lsp`` over stdio),
driven by pytest-lsp's client with VS Code's capabilities (UTF-16, pushed diagnostics).
Times are medians (and p90) of wall-clock time in the client, JSON-RPC included.
It prints:

1. start-up: process start to the ``initialize`` answer, and to the first diagnostics
   of a file opened right away;
2. ``didOpen`` -> ``publishDiagnostics`` for a p90-sized corpus migration, the largest
   corpus migration (as is: schema-only, so the byte prefilter skips it; and with the
   prefilter defeated by a ``# RunPython`` comment), the largest corpus migration that
   the rules really parse, and a generated ~6,000-line migration with DJM001, DJM002
   and DJM003 findings; each beside ``ast.parse`` of the same text in this process
   (timed in turns with the server), and the ratio;
3. ``didChange`` -> ``publishDiagnostics`` for the same files: one keystroke (an
   incremental change) after a quiet period, which the server checks at once, beside
   ``ast.parse`` and the ratio; then a burst of keystrokes 20 ms apart: the time from
   its last change to the publish (the server's debounce plus the check) and how many
   of its versions were published;
4. ``textDocument/codeAction`` on the generated file, cache warm: all quick fixes of
   all its diagnostics, then the slowest single diagnostic, and ``source.fixAll`` resolved;
5. a workspace scan of the whole corpus (``workspaceDiagnostics``): time from
   ``initialized`` to the end of ``$/progress``, and the server's RSS after it, beside
   an idle server's;
6. a long session: keystrokes into the p90 file (or the generated one), and the
   server's RSS after 0, 1k, 10k and 40k of them (``--changes`` sets the last), with
   the growth per 1,000 changes after the first 1,000;
7. files that need the project view (``bench_project.py``'s generated 1,400-migration
   project, plus a migration that reads another app's model: DJM007 asks the graph):
   its first ``didOpen`` (the project built), then keystrokes beside its twin that reads
   its own app's model (no project), in turns; and ``textDocument/codeLens`` (the
   rollback plan) at the middle and at the root of the graph.

With ``--baseline DIR`` (a folder holding another version's ``django_migration_lsp``
package, e.g. ``git archive main server | tar -x -C /tmp/base`` then
``/tmp/base/server``), sections 2 and 3 are also measured for that version's server,
started with ``PYTHONPATH=DIR``, in turns with this one, and the ratio printed.

The corpus is ``benchmarks/corpus.py``'s (downloaded on first use); with ``--no-corpus``
or without network, only the generated file is measured. Figures only, no thresholds.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from django_migration_lsp.checks.engine import could_report, selected_rules

SERVER = [sys.executable, "-m", "django_migration_lsp"]
DEBOUNCE = 0.1  # lsp/server.py: DEBOUNCE
TIMEOUT = 120.0


# -- files --------------------------------------------------------------------------

GENERATED_HEAD = """\
from django.db import migrations, models

from shop.models import Order


def forwards(apps, schema_editor):
    Order.objects.filter(status="").update(status="new")


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
"""
GENERATED_MODEL = """\
        migrations.CreateModel(
            name="Model{n}",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("slug", models.SlugField(unique=True)),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("price", models.DecimalField(decimal_places=2, max_digits=10)),
                ("notes", models.TextField(blank=True, default="")),
            ],
            options={{"ordering": ["name"]}},
        ),
"""
GENERATED_TAIL = """\
        migrations.RunPython(forwards),
        migrations.RunSQL("UPDATE shop_order SET note = ''"),
    ]
"""


def generated_migration(lines: int = 6000) -> str:
    """A ~``lines``-line migration: many CreateModel, then DJM001, DJM002 and DJM003."""
    per_model = GENERATED_MODEL.count("\n")
    models = (lines - GENERATED_HEAD.count("\n") - GENERATED_TAIL.count("\n")) // per_model
    body = "".join(GENERATED_MODEL.format(n=n) for n in range(models))
    return GENERATED_HEAD + body + GENERATED_TAIL


def corpus_files() -> tuple[Path | None, list[Path]]:
    """The corpus folder and its migration files; ``(None, [])`` when unavailable."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        from corpus import ensure_corpus, migration_files

        root = ensure_corpus()
        return root, migration_files(root)
    except Exception as exc:  # offline, or no corpus module: the generated file only
        print(f"(corpus unavailable: {exc})")
        return None, []


def lines_of(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") else 1)


# -- a client that timestamps every publishDiagnostics ------------------------------


class Client:
    """pytest-lsp's client, with a future for "the publish of this URI at this version"."""

    def __init__(self) -> None:
        self.waiters: list[tuple[Callable[[types.PublishDiagnosticsParams], bool], Any]] = []
        self.progress_end: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.versions: dict[str, int] = {}
        #: (uri, version) of every publishDiagnostics, in order.
        self.published: list[tuple[str, int | None]] = []
        self.lsp = self._make_client()

    def _make_client(self) -> LanguageClient:
        lsp = LanguageClient(converter_factory=default_converter)
        features = dict(DEFAULT_CLIENT_FEATURES)
        default_progress = features[types.PROGRESS]

        def publish(_: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
            now = time.perf_counter()
            self.published.append((params.uri, params.version))
            for waiter in [*self.waiters]:
                predicate, future = waiter
                if predicate(params) and not future.done():
                    future.set_result((now, params))
                    self.waiters.remove(waiter)

        def progress(client: LanguageClient, params: types.ProgressParams) -> None:
            default_progress(client, params)
            if params.value.get("kind") == "end" and not self.progress_end.done():
                self.progress_end.set_result(time.perf_counter())

        features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
        features[types.PROGRESS] = progress

        def register(client: LanguageClient, params: types.RegistrationParams) -> None:
            pass

        def lens_refresh(client: LanguageClient, params: None) -> None:
            pass

        features[types.CLIENT_REGISTER_CAPABILITY] = register
        features[types.WORKSPACE_CODE_LENS_REFRESH] = lens_refresh
        register_lsp_features(lsp, features)
        return lsp

    @classmethod
    async def start(
        cls, settings: dict | None = None, root: Path | None = None, python_path: str | None = None
    ) -> Client:
        """Start a server; ``workspaceDiagnostics`` is off unless ``settings`` turn it on.
        ``python_path`` runs the package found there instead of this one."""
        self = cls()
        self.started = time.perf_counter()
        env = {**os.environ, "PYTHONPATH": python_path} if python_path else None
        await ClientServerConfig(
            server_command=SERVER, client_factory=lambda: self.lsp, server_env=env
        ).start()
        root = root or Path(tempfile.gettempdir())
        await self.lsp.initialize_session(
            types.InitializeParams(
                capabilities=client_capabilities("visual-studio-code"),
                root_uri=root.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="bench")],
                initialization_options={"workspaceDiagnostics": False, **(settings or {})},
            )
        )
        self.initialized = time.perf_counter()
        return self

    @property
    def pid(self) -> int:
        assert self.lsp._server is not None
        return self.lsp._server.pid

    def expect(self, uri: str, version: int | None) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.waiters.append((lambda p: p.uri == uri and p.version == version, future))
        return future

    async def open(self, uri: str, text: str) -> tuple[float, list[types.Diagnostic]]:
        self.versions[uri] = 1
        future = self.expect(uri, 1)
        start = time.perf_counter()
        self.lsp.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
            )
        )
        when, params = await asyncio.wait_for(future, TIMEOUT)
        return when - start, list(params.diagnostics)

    def type(self, uri: str, text: str, character: int = 0, delete: int = 0) -> int:
        """Send a keystroke on the first line: ``delete`` characters at ``character``
        replaced by ``text``. Returns its version."""
        self.versions[uri] += 1
        version = self.versions[uri]
        start = types.Position(line=0, character=character)
        end = types.Position(line=0, character=character + delete)
        self.lsp.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=start, end=end), text=text
                    )
                ],
            )
        )
        return version

    async def change(self, uri: str, text: str) -> tuple[float, list[types.Diagnostic]]:
        """One keystroke (``text`` inserted at the start): time to its diagnostics."""
        future = self.expect(uri, self.versions[uri] + 1)
        start = time.perf_counter()
        self.type(uri, text)
        when, params = await asyncio.wait_for(future, TIMEOUT)
        return when - start, list(params.diagnostics)

    async def close(self, uri: str) -> None:
        future = self.expect(uri, None)
        self.lsp.text_document_did_close(
            types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri))
        )
        await asyncio.wait_for(future, TIMEOUT)

    async def stop(self) -> None:
        await self.lsp.shutdown_session()
        await self.lsp.stop()


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


# -- statistics ---------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return f"{ms(statistics.median(times))} (p90 {ms(p90).strip()})"


def parse_time(text: str) -> float:
    """One ``ast.parse`` of ``text`` in this process (seconds)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gc.collect()
        start = time.perf_counter()
        ast.parse(text)
        return time.perf_counter() - start


# -- measurements -------------------------------------------------------------------


async def startup(sample: str, repeats: int) -> None:
    print("\n1. Start-up (process start -> ...)")
    to_init, to_first = [], []
    for n in range(repeats):
        client = await Client.start()
        uri = f"file:///bench/startup/migrations/{n:04d}_x.py"
        elapsed, _ = await client.open(uri, sample)
        to_init.append(client.initialized - client.started)
        to_first.append(client.initialized - client.started + elapsed)
        await client.stop()
    print(f"   initialize answered      {summary(to_init)}")
    print(f"   first diagnostics        {summary(to_first)}")


async def open_and_change(
    client: Client, files: list[tuple[str, str]], repeats: int
) -> dict[str, tuple[str, list[types.Diagnostic]]]:
    print("\n2. didOpen -> publishDiagnostics (beside ast.parse of the same text)")
    kept: dict[str, tuple[str, list[types.Diagnostic]]] = {}
    changes: dict[str, tuple[list[float], float]] = {}
    for label, text in files:
        parse_time(text)  # warm up
        opens, change_times, parses = [], [], []
        for n in range(repeats):  # in turns: the server, then ast.parse here
            uri = f"file:///bench/{label.split()[0]}/migrations/{n:04d}_x.py"
            elapsed, _ = await client.open(uri, text)
            opens.append(elapsed)
            parses.append(parse_time(text))
            await asyncio.sleep(DEBOUNCE)  # a quiet period: the keystroke is checked at once
            elapsed, diagnostics = await client.change(uri, f"# edit {n}\n")
            change_times.append(elapsed)
            parses.append(parse_time(text))
            if n == repeats - 1:
                kept[label] = (uri, diagnostics)
            else:
                await client.close(uri)
        parse = statistics.median(parses)
        ratio = statistics.median(opens) / parse if parse else float("nan")
        print(
            f"   {label:<44} {lines_of(text):>5} lines  {summary(opens)}"
            f"  ast.parse {ms(parse)}  x{ratio:.1f}"
        )
        changes[label] = (change_times, parse)
    print("\n3. didChange -> publishDiagnostics, one keystroke after a quiet period")
    for label, (times, parse) in changes.items():
        ratio = statistics.median(times) / parse if parse else float("nan")
        print(f"   {label:<44} {summary(times)}  ast.parse {ms(parse)}  x{ratio:.1f}")
    return kept


async def bursts(client: Client, files: list[tuple[str, str]], repeats: int) -> None:
    count, gap = 20, 0.02
    print(
        f"\n   A burst of {count} keystrokes {gap * 1000:.0f} ms apart: last change -> "
        f"publishDiagnostics (debounce {DEBOUNCE * 1000:.0f} ms included), versions published"
    )
    for label, text in files:
        times, published = [], []
        for n in range(max(3, repeats // 3)):
            uri = f"file:///bench/burst-{label.split()[0]}/migrations/{n:04d}_x.py"
            await client.open(uri, text)
            await asyncio.sleep(DEBOUNCE)
            first = len(client.published)
            for _ in range(count - 1):
                client.type(uri, "#\n")
                await asyncio.sleep(gap)
            last = client.versions[uri] + 1
            future = client.expect(uri, last)
            start = time.perf_counter()
            client.type(uri, "#\n")
            when, _ = await asyncio.wait_for(future, TIMEOUT)
            times.append(when - start)
            await asyncio.sleep(2 * DEBOUNCE)  # anything late
            published.append(
                len([v for u, v in client.published[first:] if u == uri and v is not None])
            )
            await client.close(uri)
        print(
            f"   {label:<44} {summary(times)}   published {min(published)}-{max(published)}"
            f" of {count} versions"
        )


async def code_actions(client: Client, uri: str, diagnostics: list, repeats: int) -> None:
    print(f"\n4. Code actions on the generated file ({len(diagnostics)} diagnostics, cache warm)")

    async def request(diags: list, only: list[str]) -> tuple[float, list]:
        start = time.perf_counter()
        result = await client.lsp.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=diags[0].range,
                context=types.CodeActionContext(diagnostics=diags, only=only),
            )
        )
        return time.perf_counter() - start, list(result or [])

    times = []
    for _ in range(repeats):
        elapsed, actions = await request(diagnostics, ["quickfix"])
        times.append(elapsed)
    print(f"   all quick fixes ({len(actions)} actions)   {summary(times)}")
    for diagnostic in diagnostics:
        times = [(await request([diagnostic], ["quickfix"]))[0] for _ in range(repeats)]
        print(f"   {diagnostic.code} alone{'':<24} {summary(times)}")
    times = []
    for _ in range(repeats):
        elapsed, actions = await request(diagnostics, ["source.fixAll"])
        (fix_all,) = actions
        start = time.perf_counter()
        resolved = await client.lsp.code_action_resolve_async(fix_all)
        times.append(time.perf_counter() - start)
        assert resolved.edit is not None
    print(f"   source.fixAll, resolved{'':<16} {summary(times)}   (3 fixes, re-analysed between)")


async def workspace_scan(root: Path, count: int) -> None:
    print(f"\n5. Workspace scan of the corpus ({count} migration files)")
    idle = await Client.start()
    await asyncio.sleep(1.0)
    idle_rss = rss_kib(idle.pid)
    await idle.stop()
    client = await Client.start({"workspaceDiagnostics": True}, root=root)
    assert client.progress_end is not None
    ended = await asyncio.wait_for(client.progress_end, TIMEOUT)
    await asyncio.sleep(0.5)
    rss = rss_kib(client.pid)
    print(f"   initialized -> end of $/progress   {ms(ended - client.initialized)}")
    if rss is not None and idle_rss is not None:
        print(f"   server RSS after the scan          {rss / 1024:8.1f} MiB")
        print(f"   idle server RSS                    {idle_rss / 1024:8.1f} MiB")
    await client.stop()


async def long_session(label: str, text: str, total: int) -> None:
    print(f"\n6. A long session: keystrokes into the {label}, and the server's RSS")
    client = await Client.start()
    uri = "file:///bench/long/migrations/0001_x.py"
    await client.open(uri, "# \n" + text)  # the keystrokes go after the "# "
    await asyncio.sleep(0.5)
    rows: list[tuple[int, int | None]] = [(0, rss_kib(client.pid))]
    done = 0
    started = time.perf_counter()
    for checkpoint in sorted({min(1_000, total), min(10_000, total), total}):
        while done < checkpoint:
            for _ in range(min(1_000, checkpoint - done)):
                done += 1
                if done % 2:
                    client.type(uri, "x", character=2)  # "# x"
                else:
                    client.type(uri, "", character=2, delete=1)  # "# " again
            await asyncio.sleep(0)  # let the transport write
        await asyncio.wait_for(client.expect(uri, client.versions[uri]), TIMEOUT)
        await asyncio.sleep(0.3)
        rows.append((done, rss_kib(client.pid)))
    elapsed = time.perf_counter() - started
    await client.stop()
    if any(rss is None for _, rss in rows):
        print("   (no /proc/<pid>/status here: RSS not measured)")
        return
    for changes, rss in rows:
        assert rss is not None
        print(f"   after {changes:>6,} changes   RSS {rss / 1024:8.1f} MiB")
    (first, first_rss), (last, last_rss) = rows[1], rows[-1]
    if last > first and first_rss is not None and last_rss is not None:
        per = (last_rss - first_rss) / ((last - first) / 1000)
        print(
            f"   growth after the first {first:,}: {per:+.1f} KiB per 1,000 changes"
            f"   ({done / elapsed:,.0f} changes/s)"
        )


async def versus_baseline(files: list[tuple[str, str]], baseline: str, repeats: int) -> None:
    print(f"\n2-3. This server beside the baseline ({baseline}), in turns")
    ours, theirs = await Client.start(), await Client.start(python_path=baseline)
    try:
        for label, text in files:
            times: dict[str, dict[str, list[float]]] = {
                "open": {"this": [], "base": []},
                "change": {"this": [], "base": []},
            }
            for n in range(repeats):
                order = [("this", ours), ("base", theirs)]
                for name, client in order if n % 2 == 0 else order[::-1]:
                    uri = f"file:///bench/vs-{name}-{label.split()[0]}/migrations/{n:04d}_x.py"
                    elapsed, _ = await client.open(uri, text)
                    times["open"][name].append(elapsed)
                    await asyncio.sleep(DEBOUNCE)
                    elapsed, _ = await client.change(uri, f"# edit {n}\n")
                    times["change"][name].append(elapsed)
                    await client.close(uri)
            for what, by in times.items():
                this, base = statistics.median(by["this"]), statistics.median(by["base"])
                print(
                    f"   {label:<40} {what:<6} this {summary(by['this'])}"
                    f"  baseline {summary(by['base'])}  ratio {this / base:.2f}"
                )
    finally:
        await ours.stop()
        await theirs.stop()


#: A migration of app07 that reads a model of app03 (DJM007 asks the graph), and its twin
#: that reads one of its own app (no rule needs the graph for it).
READS_OTHER_APP = """# keystrokes go here
from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model({app!r}, "Model0").objects.count()


class Migration(migrations.Migration):
    dependencies = [("app07", "0100_change_100"), ("app03", "0100_change_100")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
"""


async def project_files(repeats: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_project import generate

    with tempfile.TemporaryDirectory(prefix="bench-lsp-project-") as folder:
        root = Path(folder)
        files = generate(root, 14, 100)
        needs = root / "app07" / "migrations" / "0101_reads.py"
        plain = root / "app07" / "migrations" / "0102_reads_own.py"
        needs.write_text(READS_OTHER_APP.format(app="app03"))
        plain.write_text(
            READS_OTHER_APP.format(app="app07").replace("0100_change_100", "0101_reads", 1)
        )
        print(
            f"\n7. Files that need the project: a generated project of {len(files) + 2} "
            "migrations (bench_project.py)"
        )
        client = await Client.start(root=root)
        try:
            uri_needs, uri_plain = needs.as_uri(), plain.as_uri()
            elapsed, diagnostics = await client.open(uri_needs, needs.read_text())
            print(
                f"   first didOpen, the project built       {ms(elapsed)}"
                f"  ({len(diagnostics)} diagnostics)"
            )
            await client.open(uri_plain, plain.read_text())
            times: dict[str, list[float]] = {"needs": [], "plain": []}
            for n in range(repeats):
                order = [("needs", uri_needs), ("plain", uri_plain)]
                for name, uri in order if n % 2 == 0 else order[::-1]:
                    await asyncio.sleep(DEBOUNCE)
                    future = client.expect(uri, client.versions[uri] + 1)
                    start = time.perf_counter()
                    client.type(uri, "x", character=2)  # in the comment of the first line
                    when, _ = await asyncio.wait_for(future, TIMEOUT)
                    times[name].append(when - start)
            needs_t, plain_t = statistics.median(times["needs"]), statistics.median(times["plain"])
            print(f"   didChange, reads app03's model (graph) {summary(times['needs'])}")
            print(f"   didChange, reads its own app's model   {summary(times['plain'])}")
            print(f"   ratio                                  {needs_t / plain_t:8.2f}x")
            for label, path in (
                ("middle of the graph", root / "app07" / "migrations" / "0050_change_50.py"),
                ("root of the graph (accounts.0001)", files[0]),
            ):
                uri = path.as_uri()
                await client.open(uri, path.read_text())
                lens_times, title = [], ""
                for _ in range(repeats):
                    client.type(uri, "# x\n")  # a new version: nothing cached
                    start = time.perf_counter()
                    lenses = await client.lsp.text_document_code_lens_async(
                        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
                    )
                    lens_times.append(time.perf_counter() - start)
                    title = lenses[0].command.title if lenses else "(none)"
                print(f"   codeLens, {label:<28} {summary(lens_times)}  {title}")
        finally:
            await client.stop()


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--no-corpus", action="store_true", help="only the generated file")
    parser.add_argument(
        "--changes", type=int, default=40_000, help="keystrokes in the long session"
    )
    parser.add_argument("--baseline", help="a folder with another django_migration_lsp")
    parser.add_argument(
        "--only", choices=["project", "baseline"], help="only section 7, or only 2-3 vs baseline"
    )
    args = parser.parse_args(argv)

    print(f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    generated = generated_migration()
    files: list[tuple[str, str]] = []
    root, corpus = (None, []) if args.no_corpus else corpus_files()
    rules = selected_rules()
    if corpus:
        texts = sorted(
            ((lines_of(p.read_text(encoding="utf-8")), p) for p in corpus), key=lambda t: t[0]
        )
        p90_lines, p90 = texts[int(0.9 * (len(texts) - 1))]
        big_lines, big = texts[-1]
        parsed_lines, parsed = [(n, p) for n, p in texts if could_report(p.read_bytes(), rules)][-1]
        print(f"Corpus: {len(texts)} migration files in {root}")
        print(f"  p90 by lines: {p90.relative_to(root)} ({p90_lines} lines)")
        print(f"  largest:      {big.relative_to(root)} ({big_lines} lines)")
        print(f"  largest that the rules parse: {parsed.relative_to(root)} ({parsed_lines} lines)")
        big_text = big.read_text(encoding="utf-8")
        files += [
            ("p90 corpus file", p90.read_text(encoding="utf-8")),
            ("largest corpus file", big_text),
            ("largest corpus file, prefilter defeated", big_text + "# RunPython\n"),
            ("largest corpus file that the rules parse", parsed.read_text(encoding="utf-8")),
        ]
    files.append(("generated migration, 3 findings", generated))
    if args.baseline:
        picked = [
            f for f in files if f[0] in ("p90 corpus file", "generated migration, 3 findings")
        ]
        await versus_baseline(picked, args.baseline, args.repeats)
    if args.only == "baseline":
        return
    if args.only == "project":
        await project_files(args.repeats)
        return
    await startup(files[0][1], max(3, args.repeats // 3))

    client = await Client.start({"unsafeFixes": True})
    kept = await open_and_change(client, files, args.repeats)
    await bursts(client, files, args.repeats)
    uri, diagnostics = kept["generated migration, 3 findings"]
    await code_actions(client, uri, diagnostics, args.repeats)
    await client.stop()

    if root is not None and corpus:
        await workspace_scan(root, len(corpus))
    await long_session(*files[0], args.changes)
    await project_files(args.repeats)


if __name__ == "__main__":
    asyncio.run(main())
