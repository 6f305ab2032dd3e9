"""Where the commas, comments and line breaks of one call are: its tokens, not LibCST.

``ast`` gives each argument's position but not the punctuation and layout between the
arguments, which an inserted argument must follow. :func:`call_layout` tokenizes the
text of one call (never the whole file) with the standard library's tokenizer.
"""

from __future__ import annotations

import io
import re
import tokenize
from bisect import bisect_left
from typing import NamedTuple

_OPEN = frozenset("([{")
_CLOSE = frozenset(")]}")
_LONE_CR = re.compile(r"\r(?!\n)")


class CallLayout(NamedTuple):
    """Offsets into the text of a call (its source, from the callee to the ``)``)."""

    #: The ``(`` that opens the arguments, and the ``)`` that closes them.
    lpar: int
    rpar: int
    #: ``(start, end)`` of each argument, in source order (keywords, ``*a``, ``**k`` too).
    args: list[tuple[int, int]]
    #: The comma after each argument, ``None`` when there is none (the last, usually).
    commas: list[int | None]
    #: Where the line breaks between the arguments are (not those inside an argument).
    breaks: list[int]

    def breaks_between(self, start: int, end: int) -> bool:
        """Is there a line break (a comment's too) between ``start`` and ``end``?"""
        index = bisect_left(self.breaks, start)
        return index < len(self.breaks) and self.breaks[index] < end


def call_layout(text: str) -> CallLayout:
    """The layout of the call whose source is ``text`` (which must be a whole call).

    Raises :class:`ValueError` if ``text`` does not tokenize as a call.
    """
    # In brackets, the tokenizer never sees an indentation or a logical line end, even
    # when the callee itself is split across lines; a lone CR becomes LF (same offsets:
    # Python reads it as a line break too, and a file that parsed has none in a string).
    wrapped = "(" + _LONE_CR.sub("\n", text) + ")"
    starts = [0, *(m.end() for m in re.finditer("\n", wrapped))]
    toks: list[tuple[int, str, int, int]] = []  # (type, string, start, end) in ``text``
    try:
        for tok in tokenize.generate_tokens(io.StringIO(wrapped).readline):
            if tok.type in (tokenize.ENDMARKER, tokenize.NEWLINE):
                continue
            start = starts[tok.start[0] - 1] + tok.start[1] - 1
            end = starts[tok.end[0] - 1] + tok.end[1] - 1
            toks.append((tok.type, tok.string, start, end))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise ValueError(f"cannot tokenize the call: {exc}") from None
    # The last two tokens are the call's ``)`` and the wrapper's: find the ``(`` that the
    # call's closes.
    closing = len(toks) - 2
    if closing < 1 or toks[closing][1] != ")":
        raise ValueError("not a call")
    depth = 0
    opening = closing - 1
    while opening > 0:  # 0 is the wrapper's ``(``
        kind, string = toks[opening][0], toks[opening][1]
        if kind == tokenize.OP and string in _CLOSE:
            depth += 1
        elif kind == tokenize.OP and string in _OPEN:
            if depth == 0:
                break
            depth -= 1
        opening -= 1
    if opening == 0 or toks[opening][1] != "(":
        raise ValueError("not a call")
    args: list[tuple[int, int]] = []
    commas: list[int | None] = []
    breaks: list[int] = []
    first: int | None = None
    last = 0
    # Open brackets, and ``lambda``s whose parameters (commas too) run to their ``:``.
    nesting: list[str] = []
    for kind, string, start, end in toks[opening + 1 : closing]:
        if kind in (tokenize.NL, tokenize.COMMENT):
            if not nesting:
                breaks.append(start)
            continue
        if kind == tokenize.OP:
            if not nesting and string == ",":
                if first is None:
                    raise ValueError("a comma without an argument")
                args.append((first, last))
                commas.append(start)
                first = None
                continue
            if string in _OPEN:
                nesting.append(string)
            elif string in _CLOSE or (string == ":" and nesting and nesting[-1] == "lambda"):
                nesting.pop()
        elif kind == tokenize.NAME and string == "lambda":
            nesting.append(string)
        if first is None:
            first = start
        last = end
    if first is not None:
        args.append((first, last))
        commas.append(None)
    return CallLayout(toks[opening][2], toks[closing][2], args, commas, breaks)


def last_line(text: str, end: int) -> str:
    """The whitespace between the last line break before ``end`` and ``end``."""
    start = end
    while start > 0 and text[start - 1] not in "\r\n":
        start -= 1
    return text[start:end]
