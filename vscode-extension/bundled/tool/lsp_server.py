"""The VS Code extension's entry point for django-migration-lsp (the MS python-tools template's
bundled/tool/lsp_server.py): choose where the server's package comes from, set sys.path, run it.

    python lsp_server.py            the language server on stdio
    python lsp_server.py check ...  the same command line as `django-migration-lsp check ...`
    python lsp_server.py --probe    one JSON line about that choice, for the extension's log

LS_IMPORT_STRATEGY (set by the extension from django-migration-lsp.importStrategy):
    fromEnvironment (default)  the interpreter's own django_migration_lsp when it can import one,
                               with the bundle behind its sys.path; else the bundle
    useBundled                 the bundle, first on sys.path
The bundle is ../libs (pure Python, with the server itself) and ../native/<tag> (LibCST and PyYAML
for one CPython, e.g. cp312 or cp314t). A Python without a native/<tag> runs the server without
LibCST, so without quick fixes; a Python older than 3.10 cannot run it at all (exit status 3).

Plain syntax only (no f-strings): this file must run far enough on an old Python to say so.
"""

import json
import os
import sys

MIN_PYTHON = (3, 10)
EXIT_TOO_OLD = 3
MODULE = "django_migration_lsp"

BUNDLED = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBS = os.path.join(BUNDLED, "libs")
NATIVE = os.path.join(BUNDLED, "native")


def python_tag():
    """cp312, or cp314t for a free-threaded build: the wheel ABI tag of this interpreter."""
    import sysconfig

    threaded = "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""
    return "cp%d%d%s" % (sys.version_info[0], sys.version_info[1], threaded)


def manifest():
    try:
        with open(os.path.join(BUNDLED, "bundle.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def environment_server():
    """The directory of the interpreter's own django_migration_lsp, or None."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(MODULE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def choose(strategy):
    """Set sys.path; return (source, why)."""
    tag = python_tag()
    native = os.path.join(NATIVE, tag)
    bundle = [LIBS] + ([native] if os.path.isdir(native) else [])
    if strategy != "useBundled":
        found = environment_server()
        if found is not None:
            # The template's order for fromEnvironment: the environment first, the bundle behind it.
            sys.path.extend(bundle)
            return "environment", "the interpreter has %s installed (%s)" % (MODULE, found)
        why = "the interpreter has no %s installed" % MODULE
    else:
        why = "django-migration-lsp.importStrategy is useBundled"
    sys.path[0:0] = bundle
    return "bundle", why


def libcst_status():
    """(version or None, where): whether quick fixes can work, without importing LibCST (~0.2 s)."""
    import importlib.machinery
    import importlib.util

    spec = importlib.util.find_spec("libcst")
    if spec is None or not spec.submodule_search_locations:
        return None, "no LibCST for %s" % python_tag()
    folder = list(spec.submodule_search_locations)[0]
    names = set(os.listdir(folder))
    if not any("native" + suffix in names for suffix in importlib.machinery.EXTENSION_SUFFIXES):
        return None, "LibCST in %s has no native parser for %s" % (folder, python_tag())
    version = None
    for entry in os.listdir(os.path.dirname(folder)):
        if entry.startswith("libcst-") and entry.endswith(".dist-info"):
            version = entry[len("libcst-") : -len(".dist-info")]
    return version or "?", folder


def probe(source, why):
    info = {
        "ok": True,
        "source": source,
        "why": why,
        "python": "%d.%d.%d" % tuple(sys.version_info[:3]),
        "executable": sys.executable,
        "tag": python_tag(),
        "bundle": manifest(),
    }
    try:
        import django_migration_lsp

        info["version"] = django_migration_lsp.__version__
        info["location"] = os.path.dirname(os.path.abspath(django_migration_lsp.__file__))
    except Exception as error:  # a broken installation: say what, let the extension report it
        detail = "%s: %s" % (type(error).__name__, error)
        info.update(ok=False, reason="import-failed", detail=detail)
    libcst, where = libcst_status()
    info["libcst"] = libcst
    info["libcst_location"] = where
    return info


def main():
    probing = sys.argv[1:2] == ["--probe"]
    if sys.version_info < MIN_PYTHON:
        version = "%d.%d.%d" % tuple(sys.version_info[:3])
        message = "django-migration-lsp needs Python %d.%d or newer; %s is Python %s" % (
            MIN_PYTHON + (sys.executable, version)
        )
        if probing:
            info = {"ok": False, "reason": "python-too-old", "python": version}
            info.update(executable=sys.executable, detail=message, minimum="%d.%d" % MIN_PYTHON)
            sys.stdout.write(json.dumps(info) + "\n")
        sys.stderr.write(message + "\n")
        return EXIT_TOO_OLD

    strategy = os.environ.get("LS_IMPORT_STRATEGY", "fromEnvironment")
    source, why = choose(strategy)
    if probing:
        sys.stdout.write(json.dumps(probe(source, why)) + "\n")
        return 0

    # The extension logged this choice from --probe; stdout is the protocol from here on.
    from django_migration_lsp.__main__ import main as server_main

    return server_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
