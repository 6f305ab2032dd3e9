"""Finding the few nodes that matter without walking the whole tree.

A 6,000-line initial migration holds a few hundred nodes of interest at most:
the lines where a word occurs are found with ``str.find`` (at C speed), and only
the nodes whose line span covers one of those lines are entered.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from collections.abc import Collection, Iterator, Sequence

from .source import SourceFile
from .syntax import FunctionNode

_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_NO_POSITION = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)


def _is_word_char(text: str, index: int) -> bool:
    return 0 <= index < len(text) and (text[index].isalnum() or text[index] == "_")


class Locator:
    """Line-targeted searches over one parsed file."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source

    def word_lines(self, word: str) -> set[int]:
        """Lines where ``word`` occurs as a whole word (in code, strings or comments)."""
        text = self.source.text
        line_at = self.source.line_at
        lines: set[int] = set()
        start = text.find(word)
        while start != -1:  # str.find: far faster than a \b-anchored regex
            stop = start + len(word)
            if not _is_word_char(text, start - 1) and not _is_word_char(text, stop):
                lines.add(line_at(start))
            start = text.find(word, stop)
        return lines

    def nodes_on_lines(
        self, root: ast.AST, lines: Collection[int], class_def: ast.ClassDef | None = None
    ) -> Iterator[tuple[ast.AST, ast.ClassDef | None]]:
        """Nodes below ``root`` whose span covers one of ``lines``, with their class.

        Only such nodes are entered, so finding a few lines' nodes in a 6,000-line
        file costs a few hundred visits instead of a walk of the whole tree. Whether a
        node covers a line is a binary search in the sorted lines: the whole search is
        linear in the nodes visited, however many lines there are. Nodes come in
        pre-order (a node, then the nodes below it), found with no generator per level.
        """
        found: list[tuple[ast.AST, ast.ClassDef | None]] = []
        _on_lines(root, sorted(set(lines)), class_def, found)
        return iter(found)

    def function_text(self, fn: FunctionNode) -> str:
        """The source lines a function spans."""
        starts = self.source.line_starts
        end = starts[fn.end_lineno] if fn.end_lineno < len(starts) else len(self.source.text)
        return self.source.text[starts[fn.lineno - 1] : end]

    def identifiers(self, fn: FunctionNode) -> set[str]:
        """Every identifier-like word in a function's text: a cheap over-approximation of
        the names it uses. A function's own name is left out when its ``def`` is the only
        place it occurs (a function does not use itself)."""
        words = _IDENTIFIER.findall(self.function_text(fn))
        found = set(words)
        name = getattr(fn, "name", None)
        if name is not None and words.count(name) == 1:
            found.discard(name)
        return found


def _on_lines(
    node: ast.AST,
    lines: Sequence[int],
    class_def: ast.ClassDef | None,
    found: list[tuple[ast.AST, ast.ClassDef | None]],
) -> None:
    """Append to ``found`` the nodes below ``node`` that cover one of ``lines`` (sorted)."""
    for name in node._fields:
        value = getattr(node, name, None)
        for child in value if isinstance(value, list) else (value,):
            if not isinstance(child, ast.AST):
                continue
            first = getattr(child, "lineno", None)
            if first is None:  # arguments, keyword, comprehension, ...: enter them
                if not isinstance(child, _NO_POSITION):
                    _on_lines(child, lines, class_def, found)
                continue
            index = bisect_left(lines, first)
            if index == len(lines) or lines[index] > (child.end_lineno or first):
                continue
            found.append((child, class_def))
            owner = child if isinstance(child, ast.ClassDef) else class_def
            _on_lines(child, lines, owner, found)
