"""Adding or replacing one argument of a call, keeping the call's layout.

Pure text edits from the call's tokens (:mod:`.tokens`): no LibCST, so a
``check --format json`` that shows every DJM001/DJM002 fix never imports it.

The layout rules (the ones the LibCST version of this module followed):

* the new argument is separated from its neighbours as the call already separates its
  arguments: the whitespace after its first comma, or one argument per line when the
  arguments start on a line of their own; comments are never copied;
* inserted before an argument, it goes just before that argument's first token;
* appended after a last argument that has a trailing comma and a line break before the
  ``)``, it gets a line of its own (and a trailing comma) just above the ``)``; a comment
  after the old last argument stays where it is;
* otherwise appended, it goes right after the last argument (before its trailing comma,
  if any, and before a comment that followed it).
"""

from __future__ import annotations

from ..checks.base import Edit, Range
from ..checks.source import SourceFile, minimal_edit
from .render import newline_for
from .tokens import CallLayout, call_layout, last_line


def _separator(text: str, layout: CallLayout, newline: str) -> tuple[str, bool]:
    """What the call puts between two arguments (comments left out), and whether that
    is a line break (then the text is the line break and the next line's indentation)."""
    args, commas = layout.args, layout.commas
    if len(args) >= 2:
        after, before = commas[0] + 1, args[1][0]  # type: ignore[operator]
        if layout.breaks_between(after, before):
            return newline + last_line(text, before), True
        return text[after:before], False
    if args and layout.breaks_between(layout.lpar + 1, args[0][0]):
        return newline + last_line(text, args[0][0]), True  # one argument per line
    return " ", False


def add_argument(
    source: SourceFile,
    call_range: Range,
    value: str,
    *,
    keyword: str | None = None,
    index: int | None = None,
) -> Edit:
    """Insert ``value`` (as ``keyword=value`` if given) into the call at ``call_range``.

    ``index`` is the position among the call's arguments (keywords and unpackings
    count, in source order); ``None`` appends.
    """
    text = source.slice(call_range)
    layout = call_layout(text)
    newline = newline_for(source, text)
    arg = f"{keyword}={value}" if keyword is not None else value
    args, commas = layout.args, layout.commas
    if not args:
        at, insert = layout.lpar + 1, arg
    else:
        sep, broken = _separator(text, layout, newline)
        if index is not None and index < len(args):
            at, insert = args[index][0], f"{arg},{sep}"
        elif commas[-1] is not None and layout.breaks_between(commas[-1] + 1, layout.rpar):
            # ``a,`` then a line break before ``)``: a line of its own above the ``)``.
            closing = last_line(text, layout.rpar)
            indent = sep[len(newline) :] if broken else closing
            at, insert = layout.rpar - len(closing), f"{indent}{arg},{newline}"
        else:
            at, insert = args[-1][1], f",{sep}{arg}"
    return minimal_edit(source, call_range, text[:at] + insert + text[at:])


def replace_expression(source: SourceFile, rng: Range, value: str) -> Edit:
    """Replace the expression at ``rng`` with ``value`` (an expression)."""
    return minimal_edit(source, rng, value)
