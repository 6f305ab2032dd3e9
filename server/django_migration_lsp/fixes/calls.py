"""Adding or replacing one argument of a call, keeping the call's layout."""

from __future__ import annotations

import libcst as cst

from ..checks.base import Edit, Range
from ..checks.source import SourceFile, minimal_edit
from .render import newline_for, render

_NO_SPACE = cst.SimpleWhitespace("")


def _without_comment(ws: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """The same line break and indentation, minus any comment and blank lines."""
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return ws.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    return ws


def _separator(call: cst.Call) -> cst.BaseParenthesizableWhitespace:
    """The whitespace the call already puts between arguments (comments left out)."""
    for arg in call.args[:-1]:
        if isinstance(arg.comma, cst.Comma):
            return _without_comment(arg.comma.whitespace_after)
    if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        return _without_comment(call.whitespace_before_args)  # one argument per line
    return cst.SimpleWhitespace(" ")


def _with_argument(call: cst.Call, new: cst.Arg, index: int) -> cst.Call:
    args = list(call.args)
    sep = _separator(call)
    if index < len(args):
        args.insert(index, new.with_changes(comma=cst.Comma(_NO_SPACE, sep)))
        return call.with_changes(args=args)
    last = args[-1]
    closing = last.comma.whitespace_after if isinstance(last.comma, cst.Comma) else None
    if isinstance(closing, cst.ParenthesizedWhitespace):
        # One argument per line with a trailing comma: the last argument keeps its
        # comma and comment, the new one gets a line of its own before the bracket.
        indent = (
            sep.last_line if isinstance(sep, cst.ParenthesizedWhitespace) else closing.last_line
        )
        args[-1] = last.with_changes(
            comma=last.comma.with_changes(whitespace_after=closing.with_changes(last_line=indent))
        )
        args.append(new.with_changes(comma=cst.Comma(_NO_SPACE, _without_comment(closing))))
        return call.with_changes(args=args)
    args[-1] = last.with_changes(comma=cst.Comma(_NO_SPACE, sep), whitespace_after_arg=_NO_SPACE)
    args.append(new.with_changes(comma=last.comma, whitespace_after_arg=last.whitespace_after_arg))
    return call.with_changes(args=args)


def add_argument(
    source: SourceFile,
    call_range: Range,
    value: str,
    *,
    keyword: str | None = None,
    index: int | None = None,
) -> Edit:
    """Insert ``value`` (as ``keyword=value`` if given) into the call at ``call_range``.

    ``index`` is the position among the call's arguments; ``None`` appends.
    """
    text = source.slice(call_range)
    call = cst.parse_expression(text)
    assert isinstance(call, cst.Call)
    arg = cst.Arg(value=cst.parse_expression(value))
    if keyword is not None:
        arg = arg.with_changes(
            keyword=cst.Name(keyword), equal=cst.AssignEqual(_NO_SPACE, _NO_SPACE)
        )
    new_call = _with_argument(call, arg, len(call.args) if index is None else index)
    return minimal_edit(source, call_range, render(new_call, newline_for(source, text)))


def replace_expression(source: SourceFile, rng: Range, value: str) -> Edit:
    """Replace the expression at ``rng`` with ``value`` (which must parse)."""
    cst.parse_expression(value)
    return minimal_edit(source, rng, value)
