"""django-migration-lsp: catch Django migrations that cannot be rolled back."""

__version__ = "0.1.0"
