"""Is a syntax error the user's, or syntax newer than the interpreter that runs us?

``ast.parse`` parses the grammar of the running Python only (``feature_version`` goes
back, never forward). A migration written for Python 3.14 (``except A, B:``) fails on
3.11 with what looks like the user's mistake. When the error and its line match a
construct that a newer Python accepts, the finding says so instead: "cannot parse with
Python 3.11's grammar", the construct, and the version it needs.

This is a heuristic, and says so ("looks like"): each entry matches the message this
interpreter gives *and* the shape of the line, so that a real typo keeps its own message.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass

_NAME = r"[^\W\d]\w*"


@dataclass(frozen=True)
class Newer:
    version: tuple[int, int]
    what: str
    matches: Callable[[str, str], bool]  # (message, line) -> bool


def _line(pattern: str, message: str | None = None) -> Callable[[str, str], bool]:
    regex = re.compile(pattern)

    def matches(msg: str, line: str) -> bool:
        return (message is None or msg == message) and regex.search(line) is not None

    return matches


#: Newest first: ``def f[T = int]()`` needs 3.13 even where type parameters (3.12) fail too.
NEWER = (
    Newer(
        (3, 14),
        "`except A, B:` without parentheses",
        lambda msg, line: (
            msg == "multiple exception types must be parenthesized"
            and re.match(r"\s*except\s*\*?\s*[^\s(]", line) is not None
            and re.search(r"\bas\b", line) is None
        ),  # ``except A, B as e`` needs them still
    ),
    Newer(
        (3, 14),
        'a template string (`t"..."`)',
        _line(r"""(?<![\w'"])(?:[tT][rR]?|[rR][tT])['"]""", "invalid syntax"),
    ),
    Newer(
        (3, 13),
        "a type parameter with a default (`[T = int]`)",
        _line(rf"^\s*(?:(?:async\s+)?def|class|type)\s+{_NAME}\s*\[[^\]]*=.*\]"),
    ),
    Newer(
        (3, 12),
        "a `type` statement",
        _line(rf"^\s*type\s+{_NAME}\s*(?:\[.*\])?\s*="),
    ),
    Newer(
        (3, 12),
        "type parameters (`def f[T]()`, `class C[T]:`)",
        _line(rf"^\s*(?:(?:async\s+)?def|class)\s+{_NAME}\s*\["),
    ),
    Newer(
        (3, 12),
        "an f-string with quotes, a backslash or a comment inside `{}` (PEP 701)",
        lambda msg, line: msg.startswith("f-string"),
    ),
    Newer((3, 11), "`except*`", _line(r"^\s*except\s*\*")),
)


def newer_syntax(message: str, line: str, running: tuple[int, int] | None = None) -> str | None:
    """The message for a syntax error that looks like newer syntax, else ``None``."""
    running = running or sys.version_info[:2]
    for entry in NEWER:
        if entry.version > running and entry.matches(message, line):
            need = "{}.{}".format(*entry.version)
            return (
                "cannot parse with Python {}.{}'s grammar: this looks like {}, new in "
                "Python {}; check this file with Python {} or newer (SyntaxError: {})".format(
                    *running, entry.what, need, need, message
                )
            )
    return None
