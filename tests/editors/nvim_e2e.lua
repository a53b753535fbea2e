-- Drives a real headless Neovim 0.11 through caveat's yaml.load quick-fix (B506/CAV132).
--   nvim --headless --clean -l nvim_e2e.lua REPO FILE CAVEAT_EXE RESULT_JSON [RUFF_EXE]
-- Loads editors/nvim/lsp/caveat.lua from the runtimepath exactly as a user would, overriding
-- only `cmd`. When RUFF_EXE is given, ruff's language server is attached to the same buffer
-- to show that caveat works alongside another Python server.
local repo, file, caveat_exe, result_path, ruff_exe = arg[1], arg[2], arg[3], arg[4], arg[5]
local TIMEOUT = tonumber(vim.env.CAVEAT_NVIM_TIMEOUT_MS or '60000')
local result = { steps = {} }
local t0 = vim.uv.hrtime()

local function ms()
  return math.floor((vim.uv.hrtime() - t0) / 1e6)
end

local function step(name, data)
  table.insert(result.steps, { name = name, ms = ms(), data = data })
end

local function finish(ok, err)
  result.ok = ok
  result.error = err
  result.total_ms = ms()
  local f = assert(io.open(result_path, 'w'))
  f:write(vim.json.encode(result))
  f:close()
  for _, c in ipairs(vim.lsp.get_clients()) do
    c:stop(true)
  end
  vim.cmd('qall!')
end

local function caveat_diags(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.source == 'caveat' then
      table.insert(out, {
        code = d.code,
        lnum = d.lnum,
        col = d.col,
        end_lnum = d.end_lnum,
        end_col = d.end_col,
        message = d.message,
        severity = d.severity,
        namespace = vim.api.nvim_get_namespaces and (function()
          for name, id in pairs(vim.api.nvim_get_namespaces()) do
            if id == d.namespace then
              return name
            end
          end
        end)() or d.namespace,
      })
    end
  end
  return out
end

-- The defect under test: `return yaml.load(handle)` on line 9 (lnum 8). Bandit's B506 or
-- caveat's own rule (CAV132) may report it, so it is found by position.
local YAML_LNUM = tonumber(vim.env.CAVEAT_YAML_LNUM or '8')

local function yaml_diags(diags)
  local out = {}
  for _, d in ipairs(diags) do
    if d.lnum == YAML_LNUM then
      table.insert(out, d)
    end
  end
  return out
end

local function main()
  vim.cmd('filetype on')
  vim.opt.runtimepath:prepend(repo .. '/editors/nvim')
  vim.opt.swapfile = false
  local override = { cmd = { caveat_exe, 'serve' } }
  if vim.env.CAVEAT_NVIM_SETTINGS and vim.env.CAVEAT_NVIM_SETTINGS ~= '' then
    -- user settings, as in the README: vim.lsp.config('caveat', { settings = { caveat = ... } })
    override.settings = { caveat = vim.json.decode(vim.env.CAVEAT_NVIM_SETTINGS) }
  end
  vim.lsp.config('caveat', override)
  vim.lsp.enable('caveat')
  if ruff_exe and ruff_exe ~= '' then
    vim.lsp.config('ruff', {
      cmd = { ruff_exe, 'server' },
      filetypes = { 'python' },
      root_markers = { 'pyproject.toml', '.git' },
    })
    vim.lsp.enable('ruff')
  end

  vim.cmd.edit(vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  step('opened', { filetype = vim.bo[buf].filetype })

  local attached = vim.wait(TIMEOUT, function()
    return #vim.lsp.get_clients({ bufnr = buf, name = 'caveat' }) > 0
      and vim.lsp.get_clients({ bufnr = buf, name = 'caveat' })[1].initialized
  end, 50)
  if not attached then
    return finish(false, 'caveat client never attached/initialized')
  end
  local client = vim.lsp.get_clients({ bufnr = buf, name = 'caveat' })[1]
  step('attached', {
    server_info = client.server_info,
    root_dir = client.root_dir,
    init_options = client.config.settings.caveat,
    pull = client:supports_method('textDocument/diagnostic'),
  })

  local found = vim.wait(TIMEOUT, function()
    return #yaml_diags(caveat_diags(buf)) > 0
  end, 50)
  local before = caveat_diags(buf)
  result.diagnostics_before = before
  if not found then
    return finish(false, 'no caveat diagnostic on the yaml.load line in vim.diagnostic.get()')
  end
  -- let a second (pull or push) copy arrive if the server sends both
  vim.wait(1000, function()
    return false
  end)
  result.diagnostics_before = caveat_diags(buf)
  step('diagnostics', { count = #result.diagnostics_before })
  if ruff_exe and ruff_exe ~= '' then
    vim.wait(TIMEOUT, function()
      return #vim.lsp.get_clients({ bufnr = buf, name = 'ruff' }) > 0
        and vim.lsp.get_clients({ bufnr = buf, name = 'ruff' })[1].initialized
    end, 50)
    vim.wait(TIMEOUT, function()
      for _, d in ipairs(vim.diagnostic.get(buf)) do
        if d.source == 'Ruff' then
          return true
        end
      end
      return false
    end, 50)
    result.ruff_codes = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.source == 'Ruff' then
        table.insert(result.ruff_codes, d.code)
      end
    end
    local names = {}
    for _, c in ipairs(vim.lsp.get_clients({ bufnr = buf })) do
      table.insert(names, c.name)
    end
    table.sort(names)
    result.clients = names
  end

  local target = yaml_diags(result.diagnostics_before)[1]
  vim.api.nvim_win_set_cursor(0, { target.lnum + 1, target.col })

  -- hover on the finding (what `K` shows): the rule's documentation
  local hover = vim.lsp.buf_request_sync(buf, 'textDocument/hover', function(c)
    return vim.lsp.util.make_position_params(0, c.offset_encoding)
  end, TIMEOUT)
  for _, r in pairs(hover or {}) do
    local c = r.result and r.result.contents
    if c then
      result.hover = type(c) == 'table' and (c.value or vim.inspect(c)) or tostring(c)
    end
  end

  -- Ask for the quick-fixes the way a user does (the same function `gra` calls), applied
  -- without a menu because exactly one action is left after the filter.
  local titles = {}
  vim.lsp.buf.code_action({
    apply = true,
    context = { only = { 'quickfix' } },
    filter = function(action)
      table.insert(titles, { title = action.title, kind = action.kind })
      return action.title:find('safe_load', 1, true) ~= nil
    end,
  })
  local fixed = vim.wait(TIMEOUT, function()
    local text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
    return text:find('yaml.safe_load(handle)', 1, true) ~= nil
  end, 50)
  result.code_actions = titles
  if not fixed then
    return finish(false, 'the quick-fix did not change the buffer')
  end
  step('fixed')

  vim.cmd.write()
  step('saved')

  local cleared = vim.wait(TIMEOUT, function()
    return #yaml_diags(caveat_diags(buf)) == 0
  end, 50)
  -- settle, then read the final state
  vim.wait(1000, function()
    return false
  end)
  result.diagnostics_after = caveat_diags(buf)
  if not cleared then
    return finish(false, 'the yaml.load diagnostic is still reported after the fix')
  end
  step('cleared', { count = #result.diagnostics_after })
  return finish(true)
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  finish(false, tostring(err))
end
