from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..base import (
    Applicability,
    Edit,
    Finding,
    Fix,
    Invalid,
    Position,
    Range,
    Related,
    Rule,
    Valid,
    range_from_data,
    range_to_data,
)
from ..bindings import ImportBinding, ScopeChain
from ..context import MigrationContext
from ..operations import RELATIVE_IMPORT
from ..other_files import app_label
from ..reach import Entry
from ..source import SourceFile
from ..syntax import (
    BUILTIN_NAMES,
    FunctionNode,
    dotted_name,
    function_body,
    function_name,
    iter_scope,
    iter_statements,
    local_names,
)

GET_USER_MODEL = frozenset({"django.contrib.auth.get_user_model"})

#: Attributes that only a model class has, and that hit the database or its state.
MODEL_ATTRIBUTES = frozenset(
    {
        "objects",
        "_default_manager",
        "_base_manager",
        "DoesNotExist",
        "MultipleObjectsReturned",
        "_meta",
    }
)
#: ``models`` modules that hold field classes, not models.
FIELD_MODULES = frozenset({"django.db.models", "django.contrib.gis.db.models"})
#: Packages whose ``models`` submodule is the field library (``from django.db import models``).
FIELD_PACKAGES = frozenset({"django.db", "django.contrib.gis.db"})


def models_package(module: str) -> str | None:
    """``"shop"`` for ``"shop.models"`` or ``"shop.models.orders"``; ``None`` otherwise."""
    parts = module.split(".")
    if "models" not in parts[1:]:
        return None
    i = parts.index("models", 1)
    if ".".join(parts[: i + 1]) in FIELD_MODULES or module.startswith("django.db."):
        return None
    return ".".join(parts[:i])


_LOCAL_IMPORT = re.compile(r"^[ \t]+(?:from|import)\s", re.MULTILINE)


def _may_bind_models(binding: ImportBinding) -> bool:
    """Could this import give access to a model class or ``get_user_model``?"""
    return (
        models_package(binding.imported) is not None
        or models_package(binding.qualified) is not None
        or binding.qualified in GET_USER_MODEL
        or binding.qualified in ("django.contrib.auth", "django.contrib")
    )


def is_class_name(name: str) -> bool:
    """``Order`` or ``ContentType``: not ``make_code`` and not ``STATUS_CHOICES``."""
    return name[:1].isupper() and not name.isupper()


@dataclass
class Use:
    """A run-time use of a model class inside a function that ``migrate`` runs."""

    node: ast.expr  # the expression naming the model: ``Order`` or ``models.Order``
    model: str  # class name, e.g. ``Order``
    owner: Entry  # the function that runs it (the outermost, for nested functions)
    #: ``M=Order``: the parameter whose default binds the model (``node`` is its use).
    default: ast.arg | None = None
    #: ``Collection.fix_tree()``: a method of the live class that the historical model lacks.
    method: str | None = None


@dataclass
class Hot:
    """One binding of live application models, and where migration code uses it."""

    kind: str  # "import" | "module" | "star" | "user_model"
    anchor: ast.AST  # where to report
    module: str  # e.g. "shop.models"; "" for get_user_model
    package: str
    binding: ImportBinding | None = None
    uses: list[Use] = field(default_factory=list)
    #: ``get_user_model()`` calls inside migration functions, rewritten in place.
    calls: list[ast.Call] = field(default_factory=list)


#: ``Model._meta`` attributes that name the model and do not depend on its fields:
#: ``apps.get_model(User._meta.app_label, User._meta.model_name)`` is fine.
STABLE_META = frozenset({"app_label", "model_name", "label", "label_lower", "object_name"})


#: What a model class has in the historical state too: Django's own class-level methods,
#: and ``Model`` methods called unbound (``Order.save(order)``).
DJANGO_MODEL_METHODS = frozenset(
    {
        "from_db",
        "check",
        "add_to_class",
        "save",
        "asave",
        "save_base",
        "delete",
        "adelete",
        "refresh_from_db",
        "arefresh_from_db",
        "full_clean",
        "clean",
        "clean_fields",
        "validate_unique",
        "validate_constraints",
        "get_deferred_fields",
        "serializable_value",
    }
)


def _custom_method(node: ast.expr, parents: dict[ast.AST, ast.AST]) -> str | None:
    """``Collection.fix_tree(...)``: the name of a method of the live class called on it.

    Not Django's own model methods, nor ``_private`` names, nor ``Order.Status(...)``
    (a nested class, e.g. ``TextChoices``).
    """
    parent = parents.get(node)
    if not (isinstance(parent, ast.Attribute) and parent.value is node):
        return None
    call = parents.get(parent)
    name = parent.attr
    if not (isinstance(call, ast.Call) and call.func is parent):
        return None
    if name.startswith("_") or not name[:1].islower() or name in DJANGO_MODEL_METHODS:
        return None
    return name


def _is_model_use(node: ast.expr, parents: dict[ast.AST, ast.AST]) -> bool:
    """Is ``node`` used as a model: manager access, instantiation, or passed on?"""
    parent = parents.get(node)
    if isinstance(parent, ast.Attribute) and parent.value is node:
        if parent.attr == "_meta":
            grand = parents.get(parent)
            if isinstance(grand, ast.Attribute) and grand.attr in STABLE_META:
                return False
        return parent.attr in MODEL_ATTRIBUTES
    if isinstance(parent, ast.Call):
        return True  # ``Order(...)``, ``isinstance(x, Order)``, ``f(Order)``
    return isinstance(
        parent,
        (
            ast.keyword,
            ast.Assign,
            ast.AnnAssign,
            ast.Return,
            ast.List,
            ast.Tuple,
            ast.Set,
            ast.Dict,
            ast.Starred,
            ast.Yield,
            ast.YieldFrom,
            ast.NamedExpr,
        ),
    )


class HotModelImport(Rule):
    """
    ## What it does
    Checks for model classes imported from application code (`from shop.models
    import Order`, `from shop import models`, `import shop.models`,
    `django.contrib.auth.models.Group`, `get_user_model()`) and used while the
    migration runs: inside a `RunPython` function or a helper it calls.

    ## Why is this bad?
    A migration must see the models as they were when it was written. Django
    hands every `RunPython` function that historical state as `apps`. The class
    in `models.py` is the model as it is *today*: it works while both agree, then
    breaks weeks later, on a fresh database or a rollback, when `models.py` has a
    field that this migration's tables do not have yet (`no such column`), or has
    lost one.

    A live model reaches migration code in other ways too: bound as a default
    argument (`def forwards(apps, schema_editor, M=Order)`, evaluated when the
    file is imported, used when it runs), or called for a method of its own
    (`Collection.fix_tree()`). The historical model lacks custom methods, so the
    second is reported with no fix: what the method does has to move into the
    migration.

    Django itself writes `import shop.models` into schema migrations, for callable
    defaults, custom fields, managers and validators. Those run when the file is
    imported, not against the database, and are not reported. Neither are helper
    functions imported from a models module, names that a local
    `Order = apps.get_model(...)` shadows, nor reads of a model's name
    (`User._meta.app_label`, `_meta.model_name`) to pass to `apps.get_model`.

    ## Example
    ```python
    from shop.models import Order


    def forwards(apps, schema_editor):
        Order.objects.filter(status="").update(status="new")
    ```

    Use instead:
    ```python
    def forwards(apps, schema_editor):
        Order = apps.get_model("shop", "Order")
        Order.objects.filter(status="").update(status="new")
    ```

    ## Fix safety
    The fix is unsafe: the historical model has the fields of this migration's
    state but none of the live class's custom methods or managers, so code that
    calls them needs rewriting. It is offered when every use sits in a function
    with the historical-apps parameter, calls no custom method and is not a
    default argument; otherwise the message says why not.

    ## References
    - [Django docs: data migrations](https://docs.djangoproject.com/en/stable/topics/migrations/#data-migrations)
    """

    code = "DJM003"
    name = "hot-model-import"
    summary = "Model from application code used while the migration runs"
    triggers = (b"RunPython", RELATIVE_IMPORT)
    fix_applicability = Applicability.UNSAFE

    VALID = [
        # The autodetector's own import, used for a callable default at import time.
        Valid(
            "import shop.models\nfrom django.db import migrations, models\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.AddField(\n"
            "            'order', 'code', models.CharField(default=shop.models.make_code)\n"
            "        ),\n"
            "        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),\n"
            "    ]\n"
        ),
        # The historical model shadows the import.
        Valid(
            "from django.db import migrations\nfrom shop.models import Order\n\n\n"
            "def forwards(apps, schema_editor):\n"
            "    Order = apps.get_model('shop', 'Order')\n"
            "    Order.objects.update(status='new')\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]\n"
        ),
        # A helper function from a models module is not a model.
        Valid(
            "from django.db import migrations\nfrom shop.models import make_code\n\n\n"
            "def forwards(apps, schema_editor):\n"
            "    Order = apps.get_model('shop', 'Order')\n"
            "    for order in Order.objects.all():\n"
            "        order.code = make_code()\n"
            "        order.save()\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]\n"
        ),
        # Never called by migrate: not reachable from the Migration class.
        Valid(
            "from django.db import migrations\nfrom shop.models import Order\n\n\n"
            "def unused():\n    return Order.objects.count()\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(migrations.RunPython.noop)]\n"
        ),
    ]
    INVALID = [
        Invalid(
            "from django.db import migrations\nfrom shop.models import Order\n\n\n"
            "def forwards(apps, schema_editor):\n"
            '    """Give every order a status."""\n'
            "    Order.objects.filter(status='').update(status='new')\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]\n",
            range=(2, 25, 2, 30),
            message="Model `Order` from `shop.models` is the live class, used while the "
            "migration runs (line 7); use `apps.get_model('shop', 'Order')` instead",
            fixed="from django.db import migrations\n\n\n"
            "def forwards(apps, schema_editor):\n"
            '    """Give every order a status."""\n'
            "    Order = apps.get_model('shop', 'Order')\n"
            "    Order.objects.filter(status='').update(status='new')\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]\n",
        ),
        Invalid(
            "from django.db import migrations\nfrom territory import models\n\n\n"
            "def populate(registry, schema_editor):\n"
            "    for coop in models.ChickenCoopLocations.objects.all():\n"
            "        coop.has_chickens = True\n"
            "        coop.save()\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(populate, migrations.RunPython.noop)]\n",
            range=(2, 23, 2, 29),
            fixed="from django.db import migrations\n\n\n"
            "def populate(registry, schema_editor):\n"
            '    ChickenCoopLocations = registry.get_model("territory", "ChickenCoopLocations")\n'
            "    for coop in ChickenCoopLocations.objects.all():\n"
            "        coop.has_chickens = True\n"
            "        coop.save()\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(populate, migrations.RunPython.noop)]\n",
            path="territory/migrations/0002_populate_has_chickens.py",
        ),
        Invalid(
            "from django.contrib.auth import get_user_model\nfrom django.db import migrations\n\n\n"
            "def forwards(apps, schema_editor):\n"
            "    get_user_model().objects.filter(email='').delete()\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]\n",
            range=(6, 5, 6, 21),
            fixed="from django.conf import settings\nfrom django.db import migrations\n\n\n"
            "def forwards(apps, schema_editor):\n"
            "    apps.get_model(settings.AUTH_USER_MODEL).objects.filter(email='').delete()\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]\n",
        ),
        Invalid(
            "from django.db import migrations\n\n\n"
            "def helper():\n"
            "    from django.contrib.auth.models import Group\n"
            "    Group.objects.get_or_create(name='editors')\n\n\n"
            "def forwards(apps, schema_editor):\n"
            "    helper()\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]\n",
            range=(5, 44, 5, 49),
            message="Model `Group` from `django.contrib.auth.models` is the live class, used "
            "while the migration runs (line 6); use `apps.get_model('auth', 'Group')` "
            "instead (no automatic fix: `helper()` has no `apps` parameter)",
            fixed=None,
        ),
        # A method of the live class (wagtail's 0059_apply_collection_ordering).
        Invalid(
            "from django.db import migrations\nfrom wagtail.models import Collection\n\n\n"
            "def apply_collection_ordering(apps, schema_editor):\n"
            "    Collection.fix_tree(fix_paths=True)\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        migrations.RunPython(apply_collection_ordering, migrations.RunPython.noop)\n"
            "    ]\n",
            range=(2, 28, 2, 38),
            message="Model `Collection` from `wagtail.models` is the live class, used while the "
            "migration runs (line 6); the historical model that "
            '`apps.get_model("wagtail", "Collection")` returns lacks custom methods such as '
            "`Collection.fix_tree()`: do what it does in the migration itself",
            fixed=None,
        ),
        # Bound as a default argument when the file is imported.
        Invalid(
            "from django.db import migrations\nfrom shop.models import Order\n\n\n"
            "def forwards(apps, schema_editor, M=Order):\n"
            "    M.objects.filter(status='').update(status='new')\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]\n",
            range=(2, 25, 2, 30),
            message="Model `Order` from `shop.models` is the live class, used while the "
            "migration runs (line 6); use `apps.get_model('shop', 'Order')` instead (no "
            "automatic fix: it is the default of parameter `M` of `forwards()`)",
            fixed=None,
        ),
    ]

    def check(self, ctx: MigrationContext) -> Iterator[Finding]:
        # Most data migrations import nothing that could be a live model: then
        # there is nothing to look for, and no function needs walking.
        module_user_models = _module_user_model_names(ctx)
        suspects = {b.name for b in ctx.bindings.module_imports if _may_bind_models(b)}
        suspects |= module_user_models.keys()
        star = next(
            (b for b in ctx.bindings.module_star_imports if models_package(b.imported)), None
        )
        local_imports = _LOCAL_IMPORT.search(ctx.source.text) is not None
        if not (suspects or star is not None or local_imports):
            return
        entries = [
            e
            for e in ctx.entries
            if star is not None
            or ctx.locate.identifiers(e.node) & suspects
            or (local_imports and _LOCAL_IMPORT.search(ctx.locate.function_text(e.node)))
        ]
        hots = self._hot_bindings(ctx, entries, star, module_user_models)
        quote = _quote(ctx) if hots else '"'
        for hot in hots:
            yield self._report(ctx, hot, quote)

    # -- detection ---------------------------------------------------------

    def _hot_bindings(
        self,
        ctx: MigrationContext,
        entries: list[Entry],
        star: ImportBinding | None,
        module_user_models: dict[str, ast.Call],
    ) -> list[Hot]:
        hots: dict[object, Hot] = {}  # insertion-ordered: report in source order

        for entry in entries:
            self._scan(ctx, entry, star, module_user_models, hots)
        for hot in hots.values():
            hot.uses.sort(key=lambda u: (u.node.lineno, u.node.col_offset))
        return list(hots.values())

    def _scan(
        self,
        ctx: MigrationContext,
        entry: Entry,
        star: ImportBinding | None,
        module_user_models: dict[str, ast.Call],
        hots: dict[object, Hot],
    ) -> None:
        """Record the model uses in one function that ``migrate`` runs."""
        parents: dict[ast.AST, ast.AST] = {}
        for parent in ast.walk(entry.node):
            for child in ast.iter_child_nodes(parent):
                parents[child] = parent
        chains: dict[ast.AST, ScopeChain] = {entry.node: ScopeChain(ctx.bindings).push(entry.node)}

        def chain_for(node: ast.AST) -> ScopeChain:
            fn = parents.get(node)
            while fn is not None and not isinstance(
                fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            ):
                fn = parents.get(fn)
            if fn is None:
                return chains[entry.node]
            if fn not in chains:
                chains[fn] = chain_for(fn).push(fn)
            return chains[fn]

        defaults = _defaults(entry.node)
        for node in ast.walk(entry.node):
            if not isinstance(node, ast.Name) or not isinstance(node.ctx, ast.Load):
                continue
            chain = chain_for(node)
            resolved = chain.resolve(node.id)
            if resolved == "local":
                if node.id in defaults and chain is chains[entry.node]:
                    # ``def forwards(apps, schema_editor, M=Order)``: ``M`` is ``Order``.
                    param, default = defaults[node.id]
                    head = _head(default)
                    binding = ctx.bindings.module_bindings.get(head.id) if head else None
                    if head is not None and binding is not None:
                        self._classify_use(
                            head, binding, parents, entry, hots, used_as=(node, param, default)
                        )
                continue
            if resolved is None:
                if node.id in module_user_models:
                    call = module_user_models[node.id]
                    if _is_model_use(node, parents):
                        hot = hots.setdefault(
                            call, Hot("user_model", call, "", "django.contrib.auth")
                        )
                        hot.uses.append(Use(node, node.id, entry))
                elif (
                    star is not None
                    and node.id not in ctx.bindings.module_names
                    and node.id not in BUILTIN_NAMES
                    and is_class_name(node.id)
                    and _is_model_use(node, parents)
                ):
                    hot = hots.setdefault(
                        star,
                        Hot(
                            "star",
                            star.alias,
                            star.imported,
                            models_package(star.imported) or "",
                            star,
                        ),
                    )
                    hot.uses.append(Use(node, node.id, entry))
                continue
            assert isinstance(resolved, ImportBinding)
            self._classify_use(node, resolved, parents, entry, hots)

    def _classify_use(
        self,
        node: ast.Name,
        binding: ImportBinding,
        parents: dict[ast.AST, ast.AST],
        entry: Entry,
        hots: dict[object, Hot],
        used_as: tuple[ast.Name, ast.arg, ast.expr] | None = None,
    ) -> None:
        """Record ``node`` (bound by ``binding``) if it names a model used at run time.

        ``used_as``: ``node`` heads the default of a parameter, ``(use of the
        parameter, parameter, default)``; the parameter's use is what is judged.
        """
        # Climb the attribute chain: ``shop.models.Order.objects`` from ``shop``.
        expr: ast.expr = node
        chain = [node]
        while isinstance(parents.get(expr), ast.Attribute):
            expr = parents[expr]  # type: ignore[assignment]
            chain.append(expr)
        qualified_of = {
            id(e): binding.qualified + dotted_name(e)[len(binding.name) :]  # type: ignore[index]
            for e in chain
        }
        for e in chain:
            qualified = qualified_of[id(e)]
            parent = parents.get(e)
            if qualified in GET_USER_MODEL:
                if isinstance(parent, ast.Call) and parent.func is e:
                    self._user_model_call(parent, binding, parents, entry, hots)
                return
            module, _, cls = qualified.rpartition(".")
            package = models_package(module)
            if package is None or not module.endswith(".models") and ".models." not in module:
                continue
            # ``from shop.models import Order`` names the class itself; otherwise
            # a module is bound: ``models.Order`` / ``shop.models.Order``.
            kind = "import" if e is node else "module"
            if not (
                is_class_name(cls)
                or (isinstance(parent, ast.Attribute) and parent.attr in MODEL_ATTRIBUTES)
            ):
                return
            use: Use | None = None
            if used_as is not None:
                name, param, default = used_as
                if e is default and (_is_model_use(name, parents) or _custom_method(name, parents)):
                    use = Use(name, cls, entry, default=param, method=_custom_method(name, parents))
            elif _is_model_use(e, parents):
                use = Use(e, cls, entry)
            elif (method := _custom_method(e, parents)) is not None:
                use = Use(e, cls, entry, method=method)
            if use is not None:
                hot = hots.setdefault(binding, Hot(kind, binding.alias, module, package, binding))
                hot.uses.append(use)
            return

    def _user_model_call(
        self,
        call: ast.Call,
        binding: ImportBinding,
        parents: dict[ast.AST, ast.AST],
        entry: Entry,
        hots: dict[object, Hot],
    ) -> None:
        """``get_user_model()`` at run time: a use when its result is used as a model."""
        holder = parents.get(call)
        if (
            isinstance(holder, ast.Assign)
            and holder.value is call
            and len(holder.targets) == 1
            and isinstance(holder.targets[0], ast.Name)
        ):
            # ``User = get_user_model()``: look at how ``User`` is used.
            local = holder.targets[0].id
            scope = parents.get(holder)
            while scope is not None and not isinstance(
                scope, (ast.FunctionDef, ast.AsyncFunctionDef)
            ):
                scope = parents.get(scope)
            uses = [
                n
                for n in ast.walk(scope or entry.node)
                if isinstance(n, ast.Name)
                and n.id == local
                and isinstance(n.ctx, ast.Load)
                and _is_model_use(n, parents)
            ]
        else:
            local, uses = "get_user_model()", [call] if _is_model_use(call, parents) else []
        if uses:
            hot = hots.setdefault(call, Hot("user_model", call, "", "django.contrib.auth", binding))
            hot.calls.append(call)
            hot.uses.extend(Use(n, local, entry) for n in uses)

    # -- reporting ---------------------------------------------------------

    def _report(self, ctx: MigrationContext, hot: Hot, q: str) -> Finding:
        src = ctx.source
        label = app_label(hot.package, src.path)
        lines = ", ".join(str(n) for n in sorted({u.node.lineno for u in hot.uses}))
        where = f"(line{'s' if ',' in lines else ''} {lines})"
        models = sorted({u.model for u in hot.uses})
        methods = sorted({f"{u.model}.{u.method}()" for u in hot.uses if u.method})
        if hot.kind == "user_model":
            target = "apps.get_model(settings.AUTH_USER_MODEL)"
            message = (
                "`get_user_model()` returns the live user model, used while the migration "
                f"runs {where}"
            )
        else:
            verb = "are the live classes" if len(models) > 1 else "is the live class"
            target = ", ".join(f"apps.get_model({q}{label}{q}, {q}{m}{q})" for m in models)
            message = (
                f"Model{'s' if len(models) > 1 else ''} {', '.join(f'`{m}`' for m in models)} "
                f"from `{hot.module}` {verb}, used while the migration runs {where}"
            )
        if methods:
            # ``apps.get_model()`` is no drop-in replacement: say what the historical model lacks.
            message += (
                f"; the historical model that `{target}` returns lacks custom methods such "
                f"as {', '.join(f'`{m}`' for m in methods)}: do what "
                f"{'they do' if len(methods) > 1 else 'it does'} in the migration itself"
            )
        else:
            message += f"; use `{target}` instead"
        data, reason = _fix_data(ctx, hot, label, q)
        if reason:
            message += f" (no automatic fix: {reason})"
        related = tuple(
            Related(src.node_range(u.node), f"`{u.model}` used here while the migration runs")
            for u in hot.uses
        )
        return self.finding(message, src.node_range(hot.anchor), related=related, fix_data=data)

    # -- fixing ------------------------------------------------------------

    def fixes(self, source: SourceFile, finding: Finding) -> list[Fix]:
        data = finding.fix_data
        if not data:
            return []
        edits: list[Edit] = []
        nl = source.newline
        for ins in data["inserts"]:
            at = Position(*ins["at"])
            text = "".join(f"{ins['indent']}{line}{nl}" for line in ins["lines"])
            if ins["after_docstring"]:
                text = nl + text[: -len(nl)]
            edits.append(Edit(Range(at, at), text))
        for rng, text in data["rewrites"]:
            edits.append(Edit(range_from_data(rng), text))
        removal = data.get("remove")
        if removal:
            from ...fixes.imports import remove_import_names  # LibCST: only when fixing

            edits.append(
                remove_import_names(
                    source,
                    range_from_data(removal["statement"]),
                    set(removal["aliases"]),
                    only_in_block=bool(removal.get("only_in_block")),
                )
            )
        where = data.get("settings_import_at")
        if where:
            at = Position(*where) if isinstance(where, list) else Position(where, 0)
            edits.append(Edit(Range(at, at), f"from django.conf import settings{nl}"))
        return [Fix(data["title"], Applicability.UNSAFE, tuple(edits))]


#: How many string literals decide the quote style of inserted code.
QUOTE_SAMPLE = 20


def _quote(ctx: MigrationContext) -> str:
    """The quote the file uses for short strings (docstrings aside); black's by default."""
    counts = {"'": 0, '"': 0}
    for node in ast.walk(ctx.tree):  # breadth first: the Migration class's strings come early
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            line = ctx.source.line(node.lineno).encode("utf-8")
            opening = line[node.col_offset : node.col_offset + 4].lstrip(b"rRbBuUfF")
            if opening[:1] in (b"'", b'"') and opening[:3] not in (b"'" * 3, b'"' * 3):
                counts[opening[:1].decode()] += 1
                if sum(counts.values()) >= QUOTE_SAMPLE:
                    break
    return "'" if counts["'"] > counts['"'] else '"'


def _defaults(fn: FunctionNode) -> dict[str, tuple[ast.arg, ast.expr]]:
    """Parameters with a default that the body never rebinds: name -> (parameter,
    default expression)."""
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    pairs = list(zip(positional[len(positional) - len(a.defaults) :], a.defaults, strict=True))
    pairs += [(p, d) for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None]
    if not pairs:
        return {}
    rebound = {
        n.id
        for n in iter_scope(function_body(fn))
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))
    }
    return {p.arg: (p, d) for p, d in pairs if p.arg not in rebound}


def _head(expr: ast.expr) -> ast.Name | None:
    """``models`` in ``models.Order``; ``Order`` in ``Order``."""
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return expr if isinstance(expr, ast.Name) else None


def _module_user_model_names(ctx: MigrationContext) -> dict[str, ast.Call]:
    """Module-level ``User = get_user_model()`` assignments."""
    found = {}
    for stmt in ctx.tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Call)
            and ctx.bindings.qualified_name(stmt.value.func) in GET_USER_MODEL
        ):
            found[stmt.targets[0].id] = stmt.value
    return found


def _fix_data(
    ctx: MigrationContext, hot: Hot, label: str, q: str
) -> tuple[dict | None, str | None]:
    """Everything the fix needs, or the reason there is none."""
    src = ctx.source
    for use in hot.uses:
        if use.method:
            return None, None  # the message says why
        if use.default is not None:
            name = function_name(use.owner.node)
            return None, f"it is the default of parameter `{use.default.arg}` of `{name}()`"
    owners: dict[int, Entry] = {}
    uses_of: dict[int, list[Use]] = {}  # by owner: one pass, however many functions
    for use in hot.uses:
        owners.setdefault(id(use.owner.node), use.owner)
        uses_of.setdefault(id(use.owner.node), []).append(use)
    for owner in owners.values():
        name = function_name(owner.node)
        if isinstance(owner.node, ast.Lambda):
            return None, "it is used in a lambda"
        if owner.apps_param is None:
            return None, f"`{name}()` has no `apps` parameter"
        if owner.node.body[0].lineno == owner.node.lineno:
            return None, f"`{name}()` is written on one line"

    inserts, rewrites = [], []
    fixed_nodes: set[int] = set()
    settings_needed = False
    for owner in owners.values():
        fn = owner.node
        apps = owner.apps_param
        own_uses = uses_of[id(fn)]
        lines: list[str] = []
        if hot.kind == "user_model" and hot.calls:
            # ``get_user_model()`` called in the function: rewrite each call in place.
            for call in hot.calls:
                target = f"{apps}.get_model(settings.AUTH_USER_MODEL)"
                rewrites.append([range_to_data(src.node_range(call)), target])
                fixed_nodes.add(id(call))
            settings_needed = True
        elif hot.kind == "user_model":
            local = own_uses[0].model
            lines.append(f"{local} = {apps}.get_model(settings.AUTH_USER_MODEL)")
            settings_needed = True
        else:
            own_locals = local_names(fn)
            for model in sorted({u.model for u in own_uses}):
                local = model
                if hot.kind == "import" and hot.binding is not None:
                    local = hot.binding.name
                elif model in own_locals or model in ctx.bindings.module_names:
                    return None, f"`{model}` is already a name in `{fn.name}()`"  # type: ignore[union-attr]
                lines.append(f"{local} = {apps}.get_model({q}{label}{q}, {q}{model}{q})")
            for use in own_uses:
                fixed_nodes.add(id(use.node))
                if hot.kind == "module":
                    rewrites.append([range_to_data(src.node_range(use.node)), use.model])
        declared = _declared_global(fn, {line.partition(" = ")[0] for line in lines})
        if declared:
            return None, f"`{function_name(fn)}()` declares `{declared}` global"
        if lines:
            body = fn.body  # type: ignore[union-attr]
            first = body[0]
            docstring = (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            )
            if docstring and len(body) > 1:
                first, docstring = body[1], False
            first_line = min(
                [first.lineno, *(d.lineno for d in getattr(first, "decorator_list", ()))]
            )
            indent = src.indentation(first_line)
            if docstring:
                end = src.position(first.end_lineno, first.end_col_offset)
                at = [end.line, end.column]
            else:
                at = [first_line, 0]
            inserts.append(
                {"at": at, "indent": indent, "lines": lines, "after_docstring": docstring}
            )

    data: dict = {"inserts": inserts, "rewrites": rewrites}
    binding = hot.binding
    if (
        binding is not None
        and binding.name != "*"
        and _unused_elsewhere(ctx, binding, fixed_nodes, hot)
    ):
        data["remove"] = {
            "statement": range_to_data(src.node_range(binding.statement)),
            "aliases": [binding.statement.names.index(binding.alias)],
            "only_in_block": _only_in_block(ctx, binding),
        }
    if settings_needed and not _has_settings(ctx):
        data["settings_import_at"] = _import_position(ctx)
    models = sorted({u.model for u in hot.uses})
    if hot.kind == "user_model":
        data["title"] = "Replace with apps.get_model(settings.AUTH_USER_MODEL)"
    elif len(models) == 1:
        data["title"] = f"Replace with apps.get_model({q}{label}{q}, {q}{models[0]}{q})"
    else:
        data["title"] = f"Replace with apps.get_model() for {', '.join(models)}"
    return data, None


def _unused_elsewhere(
    ctx: MigrationContext, binding: ImportBinding, fixed: set[int], hot: Hot
) -> bool:
    """Does nothing but the fixed uses refer to the name this import binds?

    Only the lines where the name occurs as a word are looked at.
    """
    root: ast.AST = binding.function if binding.function is not None else ctx.tree
    lines = ctx.locate.word_lines(binding.name)
    inside_fixed: set[int] | None = None  # ids of the nodes the fix rewrites, and below
    for node, _ in ctx.locate.nodes_on_lines(root, lines):
        if (
            isinstance(node, ast.Name)
            and node.id == binding.name
            and not isinstance(node.ctx, ast.Store)
            and id(node) not in fixed
        ):
            if inside_fixed is None:
                inside_fixed = _inside_fixed(fixed, hot)
            if id(node) not in inside_fixed:
                return False
    return True


def _inside_fixed(fixed: set[int], hot: Hot) -> set[int]:
    """The ids of every node within a node that the fix rewrites (computed once)."""
    return {
        id(sub)
        for node in [*(u.node for u in hot.uses), *hot.calls]
        if id(node) in fixed
        for sub in ast.walk(node)
    }


def _declared_global(fn: ast.AST, names: set[str]) -> str | None:
    """A name of ``names`` that ``fn`` (or a function in it) declares ``global`` or
    ``nonlocal``: assigning it in ``fn`` would not make a local."""
    for node in ast.walk(fn):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                if name in names:
                    return name
    return None


def _only_in_block(ctx: MigrationContext, binding: ImportBinding) -> bool:
    """Is the import the only statement of a block (``if``, ``try``, ``with``, a function)?

    Removing it would leave the block empty, which Python refuses. The module's own
    body may be empty.
    """
    statement = binding.statement
    body = binding.function.body if binding.function is not None else ctx.tree.body
    blocks: list[list[ast.stmt]] = [body] if binding.function is not None else []
    for node in iter_statements(body):
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list):
                blocks.append(block)
    return any(len(b) == 1 and b[0] is statement for b in blocks)


def _import_position(ctx: MigrationContext) -> list[int]:
    """Where a new module-level import goes: before the first import that is not a
    ``__future__`` import; else after the docstring and the ``__future__`` imports."""
    body = ctx.tree.body
    rest = list(body)
    if rest and isinstance(rest[0], ast.Expr) and isinstance(rest[0].value, ast.Constant):
        if isinstance(rest[0].value.value, str):
            rest = rest[1:]  # the module docstring
    while rest and isinstance(rest[0], ast.ImportFrom) and rest[0].module == "__future__":
        rest = rest[1:]
    if not rest:  # cannot be: the function that uses the model is a statement too
        return [1, 0]
    target = next((s for s in rest if isinstance(s, (ast.Import, ast.ImportFrom))), rest[0])
    line = min([target.lineno, *(d.lineno for d in getattr(target, "decorator_list", ()))])
    if line == target.lineno:
        pos = ctx.source.position(target.lineno, target.col_offset)
        return [pos.line, pos.column]
    return [line, 0]


def _has_settings(ctx: MigrationContext) -> bool:
    binding = ctx.bindings.module_bindings.get("settings")
    return binding is not None and binding.qualified == "django.conf.settings"
