---@brief
---
--- https://github.com/django-migration-lsp/django-migration-lsp
---
--- A language server that flags Django migrations that cannot be rolled back:
--- `RunPython` without `reverse_code` (DJM001), `RunSQL` without `reverse_sql`
--- (DJM002), and models imported from application code but used while the
--- migration runs (DJM003). Each finding has a quick fix (`vim.lsp.buf.code_action()`).
--- It reads your files; it never imports or runs your project.
---
--- Install it with `pipx`, `uv` or `pip` (the `django-migration-lsp` command must be on `$PATH`):
---
--- ```sh
--- pipx install django-migration-lsp
--- # or: uv tool install django-migration-lsp
--- # or, in the project's virtualenv: pip install django-migration-lsp
--- ```
---
--- Server options go in `init_options` (every key is optional):
---
--- ```lua
--- vim.lsp.config('django_migration_lsp', {
---   init_options = {
---     select = { 'DJM' },               -- rule codes or prefixes to report
---     ignore = {},                      -- e.g. { 'DJM002' }
---     unsafeFixes = false,              -- include the (behaviour-changing) fixes in source.fixAll
---     workspaceDiagnostics = true,
---     severity = { DJM001 = 'error' },  -- default: warning
---     logLevel = 'info',
---   },
--- })
--- ```
---
--- Project-wide options (`select`, `exclude`, `per-file-ignores`, ...) are read from
--- `[tool.django-migration-lsp]` in the nearest `pyproject.toml`.

---@type vim.lsp.Config
return {
  cmd = { 'django-migration-lsp' },
  filetypes = { 'python' },
  root_markers = { 'manage.py', 'pyproject.toml', 'setup.cfg', '.git' },
  -- A non-empty table, so that it is sent as a JSON object (an empty Lua table encodes as `[]`).
  init_options = { enable = true },
}
