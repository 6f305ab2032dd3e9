"""SQL text scanned for the statements that destroy data: ``DELETE``, ``DROP TABLE``,
``ALTER TABLE ... DROP [COLUMN]``, ``TRUNCATE``.

Not a parser: comments and string literals are skipped (a ``DELETE`` inside a quoted
string or a ``$$ ... $$`` function body is not run by the statement that holds it),
statements are split at ``;``, and only a statement's own keywords count, so
``ON DELETE CASCADE``, ``CREATE TRIGGER ... AFTER DELETE`` and ``ALTER COLUMN c DROP
DEFAULT`` are not reported. ``{expr}`` (an f-string's placeholder) and ``%s`` stand for
an identifier or a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<line_comment>--[^\n]*)
    | (?P<block_comment>/\*.*?(?:\*/|\Z))
    | (?P<dollar>\$(?P<tag>[A-Za-z_]*)\$.*?(?:\$(?P=tag)\$|\Z))
    | (?P<string>'(?:[^']|'')*(?:'|\Z))
    | (?P<quoted>"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\])
    | (?P<placeholder>\{[^{}]*\}|%\([^)]*\)s|%s)
    | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<semicolon>;)
    | (?P<other>.)
    """,
    re.S | re.X,
)

#: After ``ALTER TABLE t DROP``: what is dropped when it is not a column.
_NOT_A_COLUMN = frozenset(
    {
        "CONSTRAINT",
        "INDEX",
        "KEY",
        "PRIMARY",
        "FOREIGN",
        "CHECK",
        "PARTITION",
        "DEFAULT",
        "NOT",
        "EXPRESSION",
        "IDENTITY",
        "TRIGGER",
        "RULE",
        "ROW",
        "OIDS",
        "UNIQUE",
    }
)


@dataclass(frozen=True)
class Destructive:
    """A statement that destroys data."""

    #: ``"DELETE"``, ``"DROP TABLE"``, ``"DROP COLUMN"`` or ``"TRUNCATE"``.
    kind: str
    #: The table (``None`` when it is not written out).
    table: str | None
    #: The dropped column, for ``DROP COLUMN``.
    column: str | None
    #: The statement's first words, e.g. ``"DROP TABLE constance_config"``.
    head: str
    #: A ``DELETE`` of the rows of groups ``HAVING COUNT(...) > 1``: de-duplication.
    deduplicates: bool = False


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "name" (a quoted identifier or a placeholder), "other"
    text: str

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def _tokens(sql: str) -> list[list[_Token]]:
    """The statements of ``sql``, each a list of tokens, comments and strings left out."""
    statements: list[list[_Token]] = [[]]
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup
        text = match.group()
        if kind in ("space", "line_comment", "block_comment", "dollar", "tag"):
            continue
        if kind == "semicolon":
            statements.append([])
        elif kind == "string":
            statements[-1].append(_Token("value", text))
        elif kind in ("quoted", "placeholder"):
            statements[-1].append(_Token("name", text))
        elif kind == "word":
            statements[-1].append(_Token("word", text))
        else:
            statements[-1].append(_Token("other", text))
    return [s for s in statements if s]


def _name(tokens: list[_Token], i: int) -> tuple[str | None, int]:
    """The (possibly dotted) identifier at ``i``, and the index after it."""
    parts = []
    while i < len(tokens) and tokens[i].kind in ("word", "name"):
        parts.append(tokens[i].text.strip('"`[]'))
        if i + 1 < len(tokens) and tokens[i + 1].text == ".":
            i += 2
            continue
        i += 1
        break
    return (".".join(parts) if parts else None), i


def _skip(tokens: list[_Token], i: int, *words: str) -> int:
    """Skip the optional keywords ``words`` (in any order) at ``i``."""
    while i < len(tokens) and tokens[i].upper in words:
        i += 1
    return i


def _head(tokens: list[_Token], count: int) -> str:
    return " ".join(t.text for t in tokens[:count]).replace(" . ", ".")


def destructive_statements(sql: str) -> list[Destructive]:
    """The statements of ``sql`` that delete rows, drop a table or drop a column."""
    found: list[Destructive] = []
    for tokens in _tokens(sql):
        first = tokens[0].upper
        if first == "WITH":
            # ``WITH old AS (...) DELETE FROM t ...``: the DELETE outside the parentheses.
            depth = 0
            for i, token in enumerate(tokens):
                depth += token.text == "("
                depth -= token.text == ")"
                if depth == 0 and token.upper == "DELETE":
                    tokens, first = tokens[i:], "DELETE"
                    break
        if first == "DELETE":
            i = _skip(tokens, 1, "FROM", "ONLY")
            table, end = _name(tokens, i)
            found.append(
                Destructive("DELETE", table, None, _head(tokens, end), _has_duplicates(tokens))
            )
        elif first == "TRUNCATE":
            i = _skip(tokens, 1, "TABLE", "ONLY")
            table, end = _name(tokens, i)
            found.append(Destructive("TRUNCATE", table, None, _head(tokens, end)))
        elif first == "DROP" and len(tokens) > 1 and tokens[1].upper == "TABLE":
            i = _skip(tokens, 2, "IF", "EXISTS")
            table, end = _name(tokens, i)
            found.append(Destructive("DROP TABLE", table, None, _head(tokens, end)))
        elif first == "ALTER" and len(tokens) > 1 and tokens[1].upper == "TABLE":
            i = _skip(tokens, 2, "IF", "EXISTS", "ONLY")
            table, i = _name(tokens, i)
            found.extend(_dropped_columns(tokens, i, table))
    return found


def _has_duplicates(tokens: list[_Token]) -> bool:
    """``HAVING COUNT(...) > 1`` (or ``>= 2``) somewhere in the statement."""
    for i, token in enumerate(tokens):
        if token.upper != "HAVING" or i + 1 >= len(tokens) or tokens[i + 1].upper != "COUNT":
            continue
        rest = "".join(t.text for t in tokens[i + 2 : i + 12])
        after = rest.partition(")")[2]
        if after.startswith(">1") or after.startswith(">=2"):
            return True
    return False


def _dropped_columns(tokens: list[_Token], i: int, table: str | None) -> list[Destructive]:
    """``DROP [COLUMN] [IF EXISTS] c`` actions of an ``ALTER TABLE``, comma-separated."""
    found = []
    depth = 0
    action_start = True
    while i < len(tokens):
        token = tokens[i]
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif token.text == "," and depth == 0:
            action_start = True
            i += 1
            continue
        if action_start and depth == 0 and token.upper == "DROP":
            j = i + 1
            explicit = j < len(tokens) and tokens[j].upper == "COLUMN"
            j = _skip(tokens, j + explicit, "IF", "EXISTS")
            if j < len(tokens) and (explicit or tokens[j].upper not in _NOT_A_COLUMN):
                column, end = _name(tokens, j)
                if column is not None:
                    head = f"ALTER TABLE {table} " if table else "ALTER TABLE ... "
                    head += _head(tokens[i:], end - i)
                    found.append(Destructive("DROP COLUMN", table, column, head))
        action_start = False
        i += 1
    return found


def created_tables(sql: str) -> set[str]:
    """Tables that ``sql`` creates (``CREATE [TEMP] TABLE t``): dropping one of them
    again in the same operation destroys nothing that existed before."""
    names = set()
    for tokens in _tokens(sql):
        if tokens[0].upper != "CREATE":
            continue
        i = _skip(tokens, 1, "TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL")
        if i < len(tokens) and tokens[i].upper == "TABLE":
            name, _ = _name(tokens, _skip(tokens, i + 1, "IF", "NOT", "EXISTS"))
            if name:
                names.add(name.lower())
    return names
