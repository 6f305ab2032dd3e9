"""Editor settings, and how they combine with ``[tool.django-migration-lsp]``.

Settings arrive as ``initializationOptions``, as the answer to ``workspace/configuration``
for the section ``django-migration-lsp`` (per workspace folder), and in
``workspace/didChangeConfiguration``. Keys are camelCase, as in VS Code's ``package.json``::

    {"enable": true, "select": ["DJM"], "ignore": [], "severity": {"DJM001": "error"},
     "unsafeFixes": false, "workspaceDiagnostics": true, "logLevel": "info"}

Like jedi-language-server's initialization options, an invalid value is reported and
replaced by its default; the other keys still apply. Validation is strict on purpose
(cattrs' default hooks would turn ``"false"`` into ``True`` and ``"DJM001"`` into a list
of letters); rule codes and severities are checked by :mod:`django_migration_lsp.config`,
so editor and ``pyproject.toml`` errors read the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from ..config import SECTION, Config, ConfigError, parse_config, parse_severity

LOG_LEVELS = ("error", "warning", "info", "debug")


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"must be true or false, got {value!r}")
    return value


def _codes(key: str):
    def check(value: Any) -> tuple[str, ...]:
        # parse_config checks that each entry is a known rule code or prefix.
        return getattr(parse_config({key: value}), key)

    return check


def _severity(value: Any) -> dict[str, str]:
    return parse_severity(value)


def _log_level(value: Any) -> str:
    if not isinstance(value, str) or value.lower() not in LOG_LEVELS:
        raise ConfigError(f"must be one of {', '.join(LOG_LEVELS)}, got {value!r}")
    return value.lower()


@dataclass(frozen=True)
class Settings:
    """One scope's editor settings (global, or one workspace folder's)."""

    enable: bool = field(default=True, metadata={"key": "enable", "parse": _bool})
    select: tuple[str, ...] = field(
        default=(), metadata={"key": "select", "parse": _codes("select")}
    )
    ignore: tuple[str, ...] = field(
        default=(), metadata={"key": "ignore", "parse": _codes("ignore")}
    )
    severity: Mapping[str, str] = field(
        default_factory=dict, metadata={"key": "severity", "parse": _severity}
    )
    unsafe_fixes: bool = field(default=False, metadata={"key": "unsafeFixes", "parse": _bool})
    workspace_diagnostics: bool = field(
        default=True, metadata={"key": "workspaceDiagnostics", "parse": _bool}
    )
    log_level: str = field(default="info", metadata={"key": "logLevel", "parse": _log_level})


KEYS = {f.metadata["key"]: f for f in fields(Settings)}


def section(raw: Any) -> dict[str, Any]:
    """Our settings out of what a client sent: the object itself, or its
    ``"django-migration-lsp"`` member (``{"django-migration-lsp": {...}}``)."""
    if not isinstance(raw, Mapping):
        return {}
    inner = raw.get(SECTION)
    if isinstance(inner, Mapping):
        return dict(inner)
    return {k: v for k, v in raw.items() if k in KEYS}


def parse_settings(raw: Mapping[str, Any]) -> tuple[Settings, list[str]]:
    """Typed settings from camelCase keys, and a message for each value left at its default.

    Unknown keys are ignored (clients add their own, e.g. ``interpreter``); ``None``
    means "not set".
    """
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in raw.items():
        spec = KEYS.get(key)
        if spec is None or value is None:
            continue
        try:
            values[spec.name] = spec.metadata["parse"](value)
        except ConfigError as exc:
            message = str(exc)
            if not message.startswith(f"`{key}` "):  # parse_config names the key already
                message = (
                    f"`{key}` {message}" if message.startswith("must") else f"`{key}`: {message}"
                )
            problems.append(f"{message}; using the default")
    return Settings(**values), problems


def effective_config(project: Config, settings: Settings) -> Config:
    """The project's configuration with the editor's settings on top.

    An editor ``select`` replaces the project's (an empty one keeps it); an editor
    ``ignore`` adds to it; editor severities win per code; unsafe fixes are on in
    ``source.fixAll`` when either side turns them on.
    """
    return project.with_overrides(
        select=settings.select or project.select,
        ignore=(*project.ignore, *settings.ignore),
        severity={**project.severity, **settings.severity},
        unsafe_fixes=project.unsafe_fixes or settings.unsafe_fixes,
    )
