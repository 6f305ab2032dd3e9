"""The language server: a thin pygls shell over :mod:`django_migration_lsp.checks`.

- ``server.py``: the :class:`~.server.MigrationLanguageServer` (all state lives on it),
  its handlers and :func:`~.server.run`;
- ``documents.py``: open documents, changed with LSP's line model;
- ``convert.py``: core positions (code points) <-> the negotiated encoding, findings ->
  diagnostics, core edits -> text edits;
- ``settings.py``: editor settings, merged with ``[tool.django-migration-lsp]``;
- ``actions.py``: quick fixes, "Disable for this line" and ``source.fixAll``;
- ``hover.py``: a rule's documentation over its code in a ``# noqa:`` comment.

Only ``server.py`` talks to the client; the other modules are plain functions of their
inputs, so that the e2e tests in ``tests/lsp`` exercise them through the protocol.
"""
