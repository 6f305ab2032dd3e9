"""A field of ``django.db.models`` as a migration file writes it, read without Django.

For DJM005 on a field that the same file creates: ``models.TextField(blank=True)`` ->
:class:`~django_migration_lsp.checks.facts.FieldFacts` from the literal arguments and
what Django's class gives by default (:data:`DJANGO_FIELDS`, compared with the installed
Django by ``tests/checks/test_field_kinds.py``). Anything else (a custom field, a
computed argument, ``**kwargs``) is ``None``: the project's state, which builds Django's
own field objects, may know, this module does not guess.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ..bindings import Bindings
from ..facts import FieldFacts


@dataclass(frozen=True)
class FieldKind:
    """What a Django field class says before any argument (an instance's attributes)."""

    empty_strings_allowed: bool
    many_to_many: bool = False
    generated: bool = False
    null: bool = False
    blank: bool = False
    #: How many positional arguments a migration may give (``verbose_name``; ``to`` and
    #: ``on_delete`` for a relation): more, and which one is which is not read here.
    positional: int = 1


TEXT = FieldKind(empty_strings_allowed=True)
OTHER = FieldKind(empty_strings_allowed=False)
#: Django's own field classes (``django.db.models.<name>``), Django 3.2 to 5.2. The auto
#: fields (primary keys) and ``GeneratedField``'s expression are not read here.
DJANGO_FIELDS: dict[str, FieldKind] = {
    **dict.fromkeys(
        (
            "BinaryField",
            "CharField",
            "CommaSeparatedIntegerField",
            "EmailField",
            "FileField",
            "FilePathField",
            "ImageField",
            "SlugField",
            "TextField",
            "URLField",
        ),
        TEXT,
    ),
    **dict.fromkeys(
        (
            "BigIntegerField",
            "BooleanField",
            "DateField",
            "DateTimeField",
            "DecimalField",
            "DurationField",
            "FloatField",
            "GenericIPAddressField",
            "IPAddressField",
            "IntegerField",
            "JSONField",
            "PositiveBigIntegerField",
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "SmallIntegerField",
            "TimeField",
            "UUIDField",
        ),
        OTHER,
    ),
    "NullBooleanField": FieldKind(empty_strings_allowed=False, null=True, blank=True),
    "ForeignKey": FieldKind(empty_strings_allowed=False, positional=2),
    "OneToOneField": FieldKind(empty_strings_allowed=False, positional=2),
    "ManyToManyField": FieldKind(empty_strings_allowed=True, many_to_many=True),
}
#: Where Django's field classes are imported from in migration files.
MODULES = ("django.db.models.", "django.db.models.fields.")
_FLAGS = ("null", "blank", "primary_key", "auto_now", "auto_now_add")


def field_kind(node: ast.expr, bindings: Bindings) -> tuple[str, FieldKind] | None:
    """The Django field class a call's callee names (``models.CharField``), if any."""
    qualified = bindings.qualified_name(node) or ""
    if not qualified.startswith(MODULES):
        return None
    name = qualified.rpartition(".")[2]
    kind = DJANGO_FIELDS.get(name)
    return (name, kind) if kind is not None else None


def literal_field(node: ast.expr, name: str, bindings: Bindings) -> FieldFacts | None:
    """The facts of ``node``, a call of one of Django's field classes with literal
    arguments; ``None`` when any of what the facts need is not a literal."""
    if not isinstance(node, ast.Call):
        return None
    found = field_kind(node.func, bindings)
    if found is None:
        return None
    type_name, kind = found
    if len(node.args) > kind.positional or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    flags: dict[str, bool] = {}
    present: set[str] = set()
    for kw in node.keywords:
        if kw.arg is None:
            return None  # **kwargs: any of the facts may be in it
        present.add(kw.arg)
        if kw.arg in _FLAGS:
            if not (isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, bool)):
                return None
            flags[kw.arg] = kw.value.value
    if flags.get("primary_key"):
        return None
    auto_now = flags.get("auto_now", False) or flags.get("auto_now_add", False)
    if auto_now:  # DateField.__init__ sets blank=True (and editable=False) for those
        flags["blank"] = True
    return FieldFacts(
        name=name,
        type=type_name,
        null=flags.get("null", kind.null),
        has_default="default" in present,
        has_db_default="db_default" in present,
        blank=flags.get("blank", kind.blank),
        primary_key=False,
        many_to_many=kind.many_to_many,
        empty_strings_allowed=kind.empty_strings_allowed,
        auto_now=auto_now,
        generated=kind.generated,
    )
