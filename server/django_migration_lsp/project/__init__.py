"""The project layer: a static view of a whole Django project, beside the per-file rules.

Where ``checks/`` looks at one migration file, this package looks at all of them
together, in the shape of Django's own ``django/db/migrations`` (``loader``, ``graph``,
``state``), and feeds Django's migration machinery from static reads: files are parsed
with ``ast``, never imported, and nothing of the user's project runs.

- ``settings.py``: the settings modules read statically (``MIGRATION_MODULES``,
  ``AUTH_USER_MODEL``, ``INSTALLED_APPS``).
- ``discovery.py``: where the migration packages are, with no configuration (folder
  name, ``MIGRATION_MODULES``, content); the CLI's walk and the language server use it.
  It imports no Django: ``config.py`` (so every ``check``) loads it.

The per-file rules consume this layer through ``MigrationContext.project``; the CLI's
``check`` and the language server build it only when a selected rule needs it.
"""
