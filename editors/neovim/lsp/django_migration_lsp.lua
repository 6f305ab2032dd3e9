---@brief
---
--- https://github.com/django-migration-lsp/django-migration-lsp
---
--- A language server that flags Django migrations that cannot be rolled back:
--- `RunPython` without `reverse_code` (DJM001), `RunSQL` without `reverse_sql`
--- (DJM002), and models imported from application code but used while the
--- migration runs (DJM003). Each finding has a quick fix (`vim.lsp.buf.code_action()`).
--- A code lens above each `class Migration` says what rolling back past it means
--- (`Rollback past this: blocked by shop.0005 (DJM001)`); `vim.lsp.codelens.run()` opens
--- the migration that blocks it. `vim.lsp.buf.definition()` on a `("shop", "0002_x")` of
--- `dependencies` opens that migration. It reads your files; it never imports or runs your
--- project.
---
--- The `django-migration-lsp` command must be on `$PATH`. The package is not on PyPI yet:
--- install it from a clone of the repository, into a virtualenv of its own (see
--- docs/editors/neovim.md):
---
--- ```sh
--- git clone https://github.com/django-migration-lsp/django-migration-lsp.git
--- python3 -m venv ~/.local/share/django-migration-lsp
--- ~/.local/share/django-migration-lsp/bin/pip install ./django-migration-lsp
--- ln -sf ~/.local/share/django-migration-lsp/bin/django-migration-lsp ~/.local/bin/
--- # or: pipx install ./django-migration-lsp / uv tool install ./django-migration-lsp
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
---
--- Neovim 0.11 asks for code lenses only when told to: `on_attach` below refreshes them when
--- the buffer is entered, after insert mode and after a write (and those of the server's
--- other buffers after a write, since a saved migration can change their rollbacks). A
--- `vim.lsp.config()` of your own that sets `on_attach` replaces it: call
--- `vim.lsp.codelens.refresh({ bufnr = bufnr })` there to keep the lenses.

--- Ask `client` for the code lenses of every buffer it is attached to, now. Not through
--- `vim.lsp.codelens.refresh()`, which skips a buffer whose previous request has not been
--- answered yet: that answer may predate the write, and would stay.
---@param client vim.lsp.Client
local function request_all_lenses(client)
  for buf in pairs(client.attached_buffers) do
    if vim.api.nvim_buf_is_loaded(buf) then
      local params = { textDocument = vim.lsp.util.make_text_document_params(buf) }
      client:request('textDocument/codeLens', params, vim.lsp.codelens.on_codelens, buf)
    end
  end
end

---@type vim.lsp.Config
return {
  cmd = { 'django-migration-lsp' },
  filetypes = { 'python' },
  root_markers = { 'manage.py', 'pyproject.toml', 'setup.cfg', '.git' },
  -- A non-empty table, so that it is sent as a JSON object (an empty Lua table encodes as `[]`).
  init_options = { enable = true },
  ---@param client vim.lsp.Client
  ---@param bufnr integer
  on_attach = function(client, bufnr)
    if not client:supports_method('textDocument/codeLens') then
      return
    end
    local group = vim.api.nvim_create_augroup('django_migration_lsp.codelens.' .. bufnr, {})
    vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave' }, {
      group = group,
      buffer = bufnr,
      callback = function()
        vim.lsp.codelens.refresh({ bufnr = bufnr })
      end,
    })
    -- After the client's own BufWritePost (didSave), which was set up before this one.
    vim.api.nvim_create_autocmd('BufWritePost', {
      group = group,
      buffer = bufnr,
      callback = function()
        request_all_lenses(client)
      end,
    })
    vim.api.nvim_create_autocmd('LspDetach', {
      group = group,
      buffer = bufnr,
      callback = function(args)
        if args.data.client_id == client.id then
          vim.api.nvim_del_augroup_by_id(group)
        end
      end,
    })
    vim.lsp.codelens.refresh({ bufnr = bufnr })
  end,
}
