"""Rendering LibCST nodes back to text with the file's line endings."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..checks.source import SourceFile

if TYPE_CHECKING:
    import libcst as cst

_LINE_END = re.compile(r"\r\n|\r|\n")


def newline_for(source: SourceFile, snippet: str) -> str:
    """The line ending to write in place of ``snippet``: the one it uses, else the file's."""
    m = _LINE_END.search(snippet)
    return m.group() if m else source.newline


def render(node: cst.CSTNode, newline: str) -> str:
    """``node`` as source text. LibCST writes a line break it parsed without an explicit
    value (the snippet's own) as the module's ``default_newline``: give it the file's, or
    a CRLF file would get bare LF lines."""
    import libcst as cst  # only for the rewrites that need a concrete syntax tree

    return cst.Module(body=[], default_newline=newline).code_for_node(node)
