-- Real-Neovim end-to-end driver for the shipped config (editors/neovim/lsp/django_migration_lsp.lua).
--
--   timeout 120 nvim --headless --clean -u NONE -l tests/neovim/e2e.lua EDITORS_NEOVIM_DIR MIGRATION \
--     [UNOPENED]
--
-- It puts EDITORS_NEOVIM_DIR on the runtimepath and enables the server exactly as a user does
-- (`vim.lsp.enable('django_migration_lsp')`), opens MIGRATION, waits for the DJM001 and DJM003
-- diagnostics, runs `:checkhealth vim.lsp`, asks for the quick fixes, applies them (DJM003
-- through `vim.lsp.util.apply_workspace_edit` with the client's offset encoding, DJM001 through
-- `vim.lsp.buf.code_action()`, the command users run), waits for the diagnostics to clear, and
-- writes the file. pytest asserts on the file and on the report. With UNOPENED, another
-- migration in the project, it also waits for that file's diagnostics (the workspace scan), which
-- Neovim keeps without opening the file.
--
-- Settings scenario: with DJM_E2E_CONFIG (JSON for a user's `vim.lsp.config(name, {...})` call)
-- and DJM_E2E_EXPECT (the comma-separated codes those settings leave), it waits until the
-- buffer's diagnostics have exactly those codes, reports them, and stops.
--
-- Code lens scenario: with DJM_E2E_LENS (text the lens title must contain), it waits
-- for the rollback lens that the shipped config's on_attach asks for, reads it with
-- `vim.lsp.codelens.get()`, runs it with `vim.lsp.codelens.run()` on its line and reports
-- which file and line that opened, and where textDocument/definition on that file's first
-- dependency tuple leads. With DJM_E2E_LENS_FIX (a line of the opened file and what
-- to put there instead), it then edits that file, writes it, and waits until the first
-- file's lens title contains DJM_E2E_LENS_AFTER (the lenses of other buffers refresh on write).
--
-- The report is one JSON line on stdout, prefixed with `DJM_E2E_RESULT `; it is printed on
-- failure too, with the step that failed, so that a CI log says what happened.
-- Under `-l`, print() goes to stderr: progress goes there.

local config_dir, file, unopened = arg[1], arg[2], arg[3]
local USER_CONFIG = vim.env.DJM_E2E_CONFIG and vim.json.decode(vim.env.DJM_E2E_CONFIG)
local EXPECT = vim.env.DJM_E2E_EXPECT
local LENS = vim.env.DJM_E2E_LENS
local LENS_FIX = vim.env.DJM_E2E_LENS_FIX and vim.json.decode(vim.env.DJM_E2E_LENS_FIX)
local LENS_AFTER = vim.env.DJM_E2E_LENS_AFTER
local STEP_MS = tonumber(vim.env.DJM_E2E_STEP_MS) or 30000
local NAME = 'django_migration_lsp'
local T0 = vim.uv.hrtime()

local report = {
  ok = false,
  nvim = tostring(vim.version()),
  timings_ms = {},
  steps = {},
}

local function ms()
  return math.floor((vim.uv.hrtime() - T0) / 1e6)
end

local function step(name)
  report.steps[#report.steps + 1] = name
  report.timings_ms[name] = ms()
  io.stderr:write(('[e2e %6d ms] %s\n'):format(ms(), name))
end

local function fail(msg)
  error({ e2e = msg }, 0)
end

-- Messages the client shows the user (a server that quits, an LSP error) go into the report,
-- and a server that quits ends the wait at once instead of at the timeout.
report.messages = {}
local server_quit
local notify = vim.notify
vim.notify = function(msg, level, opts)
  report.messages[#report.messages + 1] = tostring(msg)
  if tostring(msg):find('quit with exit code', 1, true) then
    server_quit = tostring(msg)
  end
  return notify(msg, level, opts)
end

--- Wait for `cond`; `what` (a string, or a function that returns one) says what for.
local function wait(what, cond)
  local done = vim.wait(STEP_MS, function()
    return server_quit ~= nil or cond()
  end, 20)
  what = type(what) == 'function' and what() or what
  if server_quit then
    fail(server_quit .. ' (waiting for ' .. what .. ')')
  end
  if not done then
    fail('timed out after ' .. STEP_MS .. ' ms waiting for ' .. what)
  end
end

local bufnr, client

local function diagnostics()
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    out[#out + 1] = {
      code = d.code,
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      severity = vim.diagnostic.severity[d.severity],
      source = d.source,
      message = d.message,
    }
  end
  table.sort(out, function(a, b)
    return tostring(a.code) < tostring(b.code)
  end)
  return out
end

local function codes(buf)
  local set = {}
  for _, d in ipairs(vim.diagnostic.get(buf or bufnr)) do
    set[#set + 1] = tostring(d.code)
  end
  table.sort(set)
  return table.concat(set, ',')
end

local function find_diagnostic(code)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == code then
      return d
    end
  end
  fail('no ' .. code .. ' diagnostic; have: ' .. codes())
end

--- textDocument/codeAction for one diagnostic, as a client sends it.
local function code_actions(d)
  local lsp_diag = assert(d.user_data and d.user_data.lsp, 'diagnostic without its LSP original')
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = lsp_diag.range,
    context = { diagnostics = { lsp_diag }, only = { 'quickfix' }, triggerKind = 1 },
  }
  local resp, err = client:request_sync('textDocument/codeAction', params, STEP_MS, bufnr)
  if not resp then
    fail('textDocument/codeAction: ' .. tostring(err))
  end
  if resp.err then
    fail('textDocument/codeAction error: ' .. vim.inspect(resp.err))
  end
  return resp.result or {}
end

local function titles(actions)
  local out = {}
  for _, a in ipairs(actions) do
    out[#out + 1] = a.title
  end
  return out
end

local function pick(actions, prefix)
  for _, a in ipairs(actions) do
    if vim.startswith(a.title, prefix) then
      return a
    end
  end
  fail(('no code action starting with %q; offered: %s'):format(prefix, vim.inspect(titles(actions))))
end

--- The titles and 0-based lines of a buffer's code lenses, as Neovim keeps them.
local function lenses(buf)
  local out = {}
  for _, lens in ipairs(vim.lsp.codelens.get(buf)) do
    out[#out + 1] = {
      title = lens.command and lens.command.title,
      line = lens.range.start.line,
      command = lens.command and lens.command.command,
    }
  end
  return out
end

local function lens_matching(buf, pattern)
  for _, lens in ipairs(lenses(buf)) do
    if lens.title and lens.title:find(pattern, 1, true) then
      return lens
    end
  end
end

local function lens_scenario()
  wait(function()
    return 'a code lens matching ' .. LENS .. ' (have: ' .. vim.inspect(lenses(bufnr)) .. ')'
  end, function()
    return lens_matching(bufnr, LENS) ~= nil
  end)
  step('lens')
  local lens = lens_matching(bufnr, LENS)
  report.lenses = lenses(bufnr)
  -- The command a user runs: cursor on the lens's line, `vim.lsp.codelens.run()`.
  vim.api.nvim_win_set_cursor(0, { lens.line + 1, 0 })
  vim.lsp.codelens.run()
  wait('the lens command to open another file', function()
    return vim.api.nvim_get_current_buf() ~= bufnr
  end)
  step('lens_run')
  local opened = vim.api.nvim_get_current_buf()
  local cursor = vim.api.nvim_win_get_cursor(0)
  report.lens_opened = {
    file = vim.api.nvim_buf_get_name(opened),
    line = cursor[1] - 1,
    col = cursor[2],
    text = vim.api.nvim_get_current_line(),
  }
  -- Go to definition from the first dependency tuple of the opened file, as Ctrl-] does.
  for lnum, text in ipairs(vim.api.nvim_buf_get_lines(opened, 0, -1, false)) do
    local col = text:find('("', 1, true)
    if col and text:find('dependencies', 1, true) then
      vim.api.nvim_win_set_cursor(0, { lnum, col + 2 })
      local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
      local responses = vim.lsp.buf_request_sync(opened, 'textDocument/definition', params, STEP_MS)
      for _, response in pairs(responses or {}) do
        for _, location in ipairs(response.result or {}) do
          report.definition = { uri = location.uri, line = location.range.start.line }
        end
      end
      vim.api.nvim_win_set_cursor(0, cursor)
      break
    end
  end
  step('definition')
  if not LENS_FIX then
    report.ok = true
    return
  end
  -- Fix the opened migration and write it: the first buffer's lens follows.
  local line, text = LENS_FIX[1], LENS_FIX[2]
  vim.api.nvim_buf_set_lines(opened, line, line + 1, true, { text })
  vim.cmd('write')
  step('fixed_and_written')
  wait(function()
    return 'the first lens to match ' .. LENS_AFTER .. ' (have: ' .. vim.inspect(lenses(bufnr)) .. ')'
  end, function()
    return lens_matching(bufnr, LENS_AFTER) ~= nil
  end)
  step('lens_updated')
  report.lenses_after = lenses(bufnr)
  report.ok = true
end

local function health_text()
  vim.cmd('checkhealth vim.lsp')
  local hbuf = vim.api.nvim_get_current_buf()
  local lines = vim.api.nvim_buf_get_lines(hbuf, 0, -1, false)
  vim.cmd('tabclose')
  vim.api.nvim_set_current_buf(bufnr)
  return table.concat(lines, '\n')
end

local function log_tail()
  local path = vim.lsp.log.get_filename()
  local f = path and io.open(path, 'r')
  if not f then
    return nil
  end
  local text = f:read('*a')
  f:close()
  return text:sub(-6000)
end

local function main()
  assert(config_dir and file, 'usage: nvim --headless --clean -u NONE -l e2e.lua CONFIG_DIR FILE')
  vim.lsp.log.set_level(vim.log.levels.WARN)
  vim.opt.runtimepath:prepend(config_dir)
  vim.cmd('filetype on') -- `-u NONE` leaves filetype detection off, and enable() keys on filetype
  report.exepath = vim.fn.exepath('django-migration-lsp')

  if USER_CONFIG then
    vim.lsp.config(NAME, USER_CONFIG)
  end
  vim.lsp.enable(NAME)
  vim.cmd.edit(vim.fn.fnameescape(file))
  bufnr = vim.api.nvim_get_current_buf()
  report.filetype = vim.bo[bufnr].filetype
  step('opened')

  wait('the client to attach', function()
    client = vim.lsp.get_clients({ bufnr = bufnr, name = NAME })[1]
    return client ~= nil and client.initialized == true
  end)
  step('attached')
  report.cmd = client.config.cmd
  report.root_dir = client.root_dir
  report.offset_encoding = client.offset_encoding
  report.server_info = client.server_info
  report.init_options = client.config.init_options
  report.settings = client.settings

  if LENS then
    lens_scenario()
    return
  end

  if EXPECT then
    wait(function()
      return 'exactly ' .. EXPECT .. ' (have: ' .. codes() .. ')'
    end, function()
      return codes() == EXPECT
    end)
    step('expected_diagnostics')
    report.diagnostics_initial = diagnostics()
    report.ok = true
    return
  end

  wait('a first diagnostic', function()
    return #vim.diagnostic.get(bufnr) > 0
  end)
  step('first_diagnostic')
  wait(function()
    return 'DJM001 and DJM003 (have: ' .. codes() .. ')'
  end, function()
    return codes():find('DJM001', 1, true) and codes():find('DJM003', 1, true)
  end)
  step('both_diagnostics')
  report.diagnostics_initial = diagnostics()

  if unopened then
    -- Published for a file that no window shows: Neovim keeps them on an unloaded buffer.
    local other = vim.fn.bufadd(unopened)
    wait(function()
      return 'diagnostics for the unopened ' .. unopened
    end, function()
      return codes(other) ~= ''
    end)
    step('workspace_diagnostics')
    report.unopened = { codes = codes(other), loaded = vim.api.nvim_buf_is_loaded(other) }
  end

  report.health = health_text()
  step('checkhealth')

  local djm001, djm003 = find_diagnostic('DJM001'), find_diagnostic('DJM003')
  local actions001, actions003 = code_actions(djm001), code_actions(djm003)
  report.actions = { DJM001 = titles(actions001), DJM003 = titles(actions003) }
  step('code_actions')

  -- DJM003 the way a plugin applies an action: the WorkspaceEdit, in the client's position encoding.
  local fix003 = pick(actions003, 'DJM003: Replace with apps.get_model(')
  if not fix003.edit and client:supports_method('codeAction/resolve') then
    local resp = client:request_sync('codeAction/resolve', fix003, STEP_MS, bufnr)
    fix003 = assert(resp and resp.result, 'codeAction/resolve failed')
  end
  if not fix003.edit then
    fail('DJM003 action has no edit: ' .. vim.inspect(fix003))
  end
  report.applied = { fix003.title }
  vim.lsp.util.apply_workspace_edit(fix003.edit, client.offset_encoding)
  wait(function()
    return 'DJM003 to clear after its fix (have: ' .. codes() .. ')'
  end, function()
    return codes() == 'DJM001'
  end)
  step('djm003_fixed')

  -- DJM001 the way a user does it: cursor on the finding, `vim.lsp.buf.code_action()`.
  djm001 = find_diagnostic('DJM001')
  vim.api.nvim_win_set_cursor(0, { djm001.lnum + 1, djm001.col })
  local title001 = 'DJM001: Add migrations.RunPython.noop as reverse'
  local tick = vim.b[bufnr].changedtick
  vim.lsp.buf.code_action({
    context = { only = { 'quickfix' } },
    filter = function(a)
      return a.title == title001
    end,
    apply = true,
  })
  wait('vim.lsp.buf.code_action() to apply ' .. title001, function()
    return vim.b[bufnr].changedtick ~= tick
  end)
  report.applied[#report.applied + 1] = title001
  wait(function()
    return 'all diagnostics to clear (have: ' .. codes() .. ')'
  end, function()
    return codes() == ''
  end)
  step('diagnostics_cleared')

  vim.cmd('write')
  step('written')
  -- Saving must not bring anything back (didSave re-checks the file on disk).
  vim.wait(300, function()
    return codes() ~= ''
  end, 20)
  report.diagnostics_final = diagnostics()
  report.ok = #report.diagnostics_final == 0
  if not report.ok then
    report.error = 'diagnostics after save: ' .. codes()
  end
end

local ok, err = xpcall(main, function(e)
  if type(e) == 'table' and e.e2e then
    return e.e2e
  end
  return debug.traceback(tostring(e), 2)
end)
if not ok then
  report.ok = false
  report.error = err
  report.diagnostics_now = bufnr and diagnostics() or nil
  report.lsp_log = log_tail()
end

-- Shut the server down cleanly, so that no process outlives the test.
for _, c in ipairs(vim.lsp.get_clients()) do
  c:stop()
end
local stopped = vim.wait(5000, function()
  return #vim.lsp.get_clients() == 0
end, 20)
if not stopped then
  for _, c in ipairs(vim.lsp.get_clients()) do
    c:stop(true)
  end
  vim.wait(2000, function()
    return #vim.lsp.get_clients() == 0
  end, 20)
end
report.server_stopped = stopped
report.timings_ms.total = ms()

io.stdout:write('DJM_E2E_RESULT ', vim.json.encode(report), '\n')
io.stdout:flush()
-- :cquit, not os.exit(): os.exit() skips Neovim's exit path, which removes its server socket
-- (v:servername) and its temp dir; os.exit() left one stale socket dir in $TMPDIR per run.
vim.cmd.cquit({ count = report.ok and 0 or 1, bang = true })
