"""The pure analysis core: stdlib ``ast`` for detection, LibCST for fixes.

It never imports pygls, lsprotocol or Django, and never imports or executes the
user's project. The CLI and the language server are thin shells over
:func:`analyze` and :func:`fixes_for`.
"""

from .base import Applicability, Edit, Finding, Fix, Position, Range, Related, RuleSelection
from .engine import Analysis, analyze, fixes_for, selected_rules

__all__ = [
    "Analysis",
    "Applicability",
    "Edit",
    "Finding",
    "Fix",
    "Position",
    "Range",
    "Related",
    "RuleSelection",
    "analyze",
    "fixes_for",
    "selected_rules",
]
