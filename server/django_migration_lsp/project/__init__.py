"""The project layer: a static view of a whole Django project, beside the per-file rules.

Where ``checks/`` looks at one migration file, this package looks at all of them
together, in the shape of Django's own ``django/db/migrations`` (``loader``, ``graph``,
``state``), and feeds Django's migration machinery from static reads: files are parsed
with ``ast``, never imported, and nothing of the user's project runs.

- ``settings.py``: the settings modules read statically (``MIGRATION_MODULES``,
  ``AUTH_USER_MODEL``, ``INSTALLED_APPS``);
- ``discovery.py``: where the migration packages are, with no configuration (folder
  name, ``MIGRATION_MODULES``, content); the CLI's walk and the language server use it.
  It imports no Django: ``config.py`` (so every ``check``) loads it;
- ``sources.py``: which files of the project are migrations, of which app (the one place
  that asks the discovery);
- ``reader.py``: one migration file -> a picklable ``MigrationInfo`` (dependencies,
  ``run_before``, ``replaces``, the models it creates, its ``unapply()`` override);
- ``environment.py``: where installed apps' migrations are (this tool's ``sys.path``, or
  ``--python``'s);
- ``loader.py``: infos -> Django's ``MigrationGraph``, as ``MigrationLoader.build_graph``
  builds it with everything applied; what Django would refuse becomes a ``Problem``;
- ``model.py``: the ``Project`` (every migration, the graph, the graph half of
  ``checks.facts.ProjectFacts``, incremental ``refresh``/``with_source``); its docstring
  is the graph API;
- ``rollback.py``: ``migrate APP TARGET``'s unapply plan and a verdict per step;
  ``plan_past`` for one migration (the editor's lens);
- ``operations.py``: a migration's schema operations read into Django's own operation
  objects, fields built from literal arguments only (stand-ins for the rest);
- ``state.py``: the historical state, replayed along the full plan with Django's
  ``ProjectState``, lazily and only for the apps a question needs (the state half of
  ``checks.facts.ProjectFacts``, which ``model.Project`` answers);
- ``history.py``: a replayed state's answers as plain data (no Django): they travel
  with a pickled project to ``check``'s workers;
- ``explain.py``: what the editor shows about an operation (the model before it, what a
  ``RemoveField``'s reverse re-adds);
- ``git.py``: the migrations of a commit, for ``plan --to-ref``;
- ``checking.py``: the project view ``check`` builds once, for the rules that need it;
- ``editor.py``: the rollback past one migration as an editor has its file (the lens);
- ``references.py``: the entries of ``dependencies``/``run_before``/``replaces`` with their
  ranges, and the file each one means (the editor's links);
- ``examples.py``: a rule example's small project, for the generated tests and docs.

The per-file rules consume this layer through ``MigrationContext.project``; the CLI's
``check`` and the language server build it only when a selected rule needs it
(``Rule.needs_project``).
"""
