"""The vocabulary of the analysis core: positions, findings, fixes and rules.

Nothing here knows about LSP, the command line or Django itself. A rule is a
small class with a code, a message, a docstring that documents it and inline
``VALID``/``INVALID`` examples; tests and documentation pages are generated from
those examples.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from .context import MigrationContext
    from .source import SourceFile

DOCS_URL = (
    "https://github.com/django-migration-lsp/django-migration-lsp/blob/main/docs/rules/{code}.md"
)


@dataclass(frozen=True, order=True)
class Position:
    """A place in a file: 1-based ``line``, 0-based ``column`` in code points."""

    line: int
    column: int


@dataclass(frozen=True)
class Range:
    start: Position
    end: Position


class Applicability(str, enum.Enum):
    """Ruff's fix-safety vocabulary.

    ``SAFE`` fixes keep the program's meaning and are applied by ``--fix``.
    ``UNSAFE`` fixes may change behaviour: offered in editors, applied by the
    CLI only with ``--unsafe-fixes``. ``DISPLAY_ONLY`` fixes are offered in editors
    and never applied without a person choosing them (not by ``--unsafe-fixes``, not
    by ``source.fixAll``): a no-op reverse that would lose data.
    """

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


@dataclass(frozen=True)
class Edit:
    """Replace ``range`` with ``new_text`` (an insertion when the range is empty)."""

    range: Range
    new_text: str


@dataclass(frozen=True)
class Fix:
    title: str
    applicability: Applicability
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Related:
    """A second place that explains a finding (e.g. a run-time use of a model)."""

    range: Range
    message: str


@dataclass(frozen=True)
class Finding:
    """One problem in one file.

    ``code`` is ``None`` for a file that cannot be read or parsed. ``fix_data``
    is a JSON-serialisable mapping holding everything a rule needs to build its
    fixes later (when an editor asks for code actions, or ``--fix`` runs) without
    analysing the file again.
    """

    code: str | None
    message: str
    range: Range
    related: tuple[Related, ...] = ()
    fix_data: Mapping[str, Any] | None = None
    #: Set by the engine when the ``# noqa`` goes elsewhere than the first line: the
    #: line where a string (or a ``\`` continuation) that the first line opens ends.
    noqa_line: int | None = None

    @property
    def noqa_row(self) -> int:
        """The line on which ``# noqa`` suppresses this finding."""
        return self.noqa_line if self.noqa_line is not None else self.range.start.line

    @property
    def url(self) -> str | None:
        return DOCS_URL.format(code=self.code) if self.code else None


@dataclass(frozen=True)
class Valid:
    """Example source on which a rule reports nothing.

    ``files`` are other files of the example's project (``{"ledger/migrations/0001_initial.py":
    source}``), for the rules that need the project's migration graph: the generated tests
    write them and the example (at ``path``) into a temporary folder and build the project.
    """

    code: str
    path: str = "shop/migrations/0002_example.py"
    files: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Invalid:
    """Example source on which a rule reports.

    ``range`` is ``(line, column, end_line, end_column)``, 1-based with an
    exclusive end, exactly as the CLI prints locations. ``fixed`` is the text
    after applying the rule's first fix (or fix number ``fix_index``); ``None``
    means the example expects no fix at all.
    """

    code: str
    range: tuple[int, int, int, int] | None = None
    message: str | None = None
    fixed: str | None = None
    fix_index: int = 0
    path: str = "shop/migrations/0002_example.py"
    #: Other files of the example's project (see :class:`Valid`).
    files: dict[str, str] = field(default_factory=dict)


class Rule:
    """Base class for a rule. Subclasses live one per module in ``checks/rules``."""

    code: ClassVar[str]
    name: ClassVar[str]
    #: Summary of what is wrong, used in the docs index.
    summary: ClassVar[str]
    #: A rule only looks at files that contain one of these byte strings.
    triggers: ClassVar[tuple[bytes, ...]] = ()
    #: How safe this rule's fixes are; ``None`` when it has none. Lets callers
    #: count fixable findings without building the fixes.
    fix_applicability: ClassVar[Applicability | None] = None
    #: The rule asks the project (``ctx.project``, :mod:`.facts`): the migration graph.
    #: Callers build the project only when such a rule is selected; without it, the rule
    #: reports nothing.
    needs_project: ClassVar[bool] = False
    #: Of those, the rule asks the project's historical state (``model_before``) about
    #: most files it :meth:`could_use_project`: callers may replay that state once for
    #: them, before they hand the project to worker processes.
    asks_state: ClassVar[bool] = False
    VALID: ClassVar[list[Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        raise NotImplementedError

    def could_use_project(self, path: str, data: bytes) -> bool:
        """For a rule that ``needs_project``: could it report on this file, which holds
        one of its triggers? A cheap look at the bytes, so that callers skip building
        the project when no file could use it. ``True`` when unsure."""
        return True

    def fixes(self, source: SourceFile, finding: Finding) -> list[Fix]:
        """Build the fixes for one of this rule's findings (lazily, on demand)."""
        return []

    def finding_applicability(self, finding: Finding) -> Applicability | None:
        """How safe the fixes of this finding are, decided without building them."""
        return self.fix_applicability

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    def finding(self, message: str, range: Range, **kwargs: Any) -> Finding:
        return Finding(self.code, message, range, **kwargs)


@dataclass
class RuleSelection:
    """Which rule codes are on. Prefixes work as in ruff: ``DJM`` selects all."""

    select: tuple[str, ...] = ("DJM",)
    ignore: tuple[str, ...] = field(default_factory=tuple)

    def enabled(self, code: str) -> bool:
        def best(prefixes: tuple[str, ...]) -> int:
            return max((len(p) for p in prefixes if code.startswith(p) or p == "ALL"), default=-1)

        chosen, dropped = best(self.select), best(self.ignore)
        return chosen >= 0 and chosen > dropped


def range_to_data(rng: Range) -> list[int]:
    """A :class:`Range` as a JSON-friendly ``[line, col, end_line, end_col]``."""
    return [rng.start.line, rng.start.column, rng.end.line, rng.end.column]


def range_from_data(data: list[int]) -> Range:
    line, column, end_line, end_column = data
    return Range(Position(line, column), Position(end_line, end_column))
