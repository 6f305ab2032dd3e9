"""Format-preserving edits built with LibCST.

Detection runs on ``ast``; LibCST is paid for only when a fix is asked for, and
only on the statement or expression that changes. Each helper takes the exact
source text of that node, edits its concrete syntax tree, and returns text edits
in code points, so the rest of the file is never re-parsed or reformatted.
"""
