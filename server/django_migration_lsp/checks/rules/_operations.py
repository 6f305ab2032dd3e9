"""What DJM001 and DJM002 share: an operation call that lacks its reverse."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..context import MigrationContext, OperationCall


@dataclass(frozen=True)
class MissingReverse:
    op: OperationCall
    #: The forward argument (``code`` / ``sql``).
    forward: ast.expr
    forward_is_positional: bool
    #: The explicit ``None`` given as reverse, if that is the problem.
    none_reverse: ast.expr | None


def missing_reverses(
    ctx: MigrationContext, kind: str, forward_kw: str, reverse_kw: str
) -> list[MissingReverse]:
    found = []
    for op in ctx.operations:
        if op.kind != kind or ctx.overrides_unapply(op.class_def):
            continue
        forward = op.argument(0, forward_kw)
        reverse = op.argument(1, reverse_kw)
        if forward is None:
            continue  # ``RunPython()`` fails on its own, or it is all in **kwargs
        if reverse is None:
            if op.has_unpacking:
                continue  # the reverse may be in *args / **kwargs
            found.append(MissingReverse(op, forward, bool(op.call.args), None))
        elif isinstance(reverse, ast.Constant) and reverse.value is None:
            found.append(MissingReverse(op, forward, bool(op.call.args), reverse))
    return found
