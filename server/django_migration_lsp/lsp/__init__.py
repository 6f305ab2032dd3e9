"""The language server: a thin pygls shell over :mod:`django_migration_lsp.checks`.

- ``server.py``: :class:`~.server.MigrationLanguageServer` (all state lives on it, with
  the operations on that state) and :func:`~.server.run`;
- ``handlers.py``: the LSP handlers, functions of ``(ls, params)``;
- ``protocol.py``: pygls's protocol, keeping our own documents, preferring UTF-8;
- ``documents.py``: open documents, changed with LSP's line model;
- ``checking.py``: the one call into the core (``analyze``), on a worker thread, with the
  project view for the files a rule that needs it could report on;
- ``convert.py``: core positions (code points) <-> the negotiated encoding, findings ->
  diagnostics, core edits -> text edits;
- ``settings.py``: editor settings, merged with ``[tool.django-migration-lsp]``;
- ``actions.py``: quick fixes, "Disable for this line" and ``source.fixAll``;
- ``hover.py``: a rule's documentation over its code in a ``# noqa:`` comment; the
  historical model over a ``get_model`` of a ``RunPython`` function, what a
  ``RemoveField``'s reverse re-adds (from the project view);
- ``project.py``: the project views (each project's migration graph), built lazily on
  their own threads and refreshed when migrations change on disk;
- ``lens.py``: the rollback code lens above ``class Migration``, and its command;
- ``links.py``: document links and go-to-definition from ``dependencies`` to the files.

End-to-end tests (a real client over stdio, pytest-lsp) are in ``tests/lsp``.
"""
