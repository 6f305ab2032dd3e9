"""Format-preserving edits, built only when a fix is asked for.

Detection runs on ``ast``; the fixes are text edits of the statement or expression
that changes, in code points, so the rest of the file is never re-parsed or
reformatted. Most are computed from ``ast`` positions and the tokens of that one
statement (:mod:`.tokens`); LibCST is imported only for the rewrites that need a
concrete syntax tree (an import on several lines that keeps some of its names).
"""
