"""What DJM001 and DJM002 share: an operation call that lacks its reverse."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..base import Edit, range_from_data, range_to_data
from ..context import MigrationContext
from ..operations import OperationCall
from ..source import SourceFile


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
    """Calls of ``kind`` that pass no reverse (or ``None``).

    ``forward_kw``/``reverse_kw`` are Django's parameter names; a subclass of the
    project's own says where its own are (:attr:`OperationCall.reverse_slot`), and is
    left alone when it gives a reverse itself.
    """
    found = []
    for op in ctx.operations:
        if op.kind != kind or ctx.overrides_unapply(op.class_def):
            continue
        slot = op.reverse_slot
        if slot is None:
            continue  # the class gives a reverse, or decides reversibility, itself
        if op.forward_slot is None:  # the class supplies the forward code itself
            forward: ast.expr | None = op.call
        else:
            forward = op.slot_argument(op.forward_slot)
        reverse = op.slot_argument(slot)
        if forward is None:
            continue  # ``RunPython()`` fails on its own, or it is all in **kwargs
        if reverse is None:
            if op.has_unpacking:
                continue  # the reverse may be in *args / **kwargs
            found.append(MissingReverse(op, forward, _positional(op, forward), None))
        elif isinstance(reverse, ast.Constant) and reverse.value is None:
            found.append(MissingReverse(op, forward, _positional(op, forward), reverse))
    return found


def _positional(op: OperationCall, forward: ast.expr) -> bool:
    """Can a fix pass the reverse as the second positional argument?"""
    slot = op.reverse_slot
    return (
        slot is not None
        and slot.position == 1
        and len(op.call.args) == 1
        and op.call.args[0] is forward
    )


def fix_data(ctx: MigrationContext, missing: MissingReverse) -> dict:
    """What a fix needs to pass a reverse to this call, without analysing again."""
    none = missing.none_reverse
    return {
        "call": range_to_data(ctx.source.node_range(missing.op.call)),
        "noop": f"{missing.op.callee}.noop",
        "positional": missing.forward_is_positional,
        "keyword": missing.op.reverse_slot.keyword if missing.op.reverse_slot else None,
        "none": range_to_data(ctx.source.node_range(none)) if none is not None else None,
    }


def pass_reverse(
    source: SourceFile, data: dict, value: str, keyword: str, positional: bool
) -> Edit:
    """Edit the call to pass ``value`` as its reverse.

    Replaces an explicit ``None``; else adds it after a positional forward when
    ``positional`` allows, else as ``keyword=value``.
    """
    from ...fixes.calls import add_argument, replace_expression  # only when fixing

    if data.get("none"):
        return replace_expression(source, range_from_data(data["none"]), value)
    call = range_from_data(data["call"])
    if positional and data["positional"]:
        return add_argument(source, call, value, index=1)
    return add_argument(source, call, value, keyword=data.get("keyword") or keyword)
