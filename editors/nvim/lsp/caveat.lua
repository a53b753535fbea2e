---@brief
--- caveat: warnings for the defects AI coding assistants write in Python
--- (injection, unsafe deserialization, swallowed errors, missing timeouts,
--- hallucinated APIs), with quick-fixes.
---
--- Install the server in your project environment or with pipx:
---     pip install caveat
---
--- Neovim 0.11+: put this file on your 'runtimepath' as `lsp/caveat.lua` (for
--- example ~/.config/nvim/lsp/caveat.lua), then
---     vim.lsp.enable('caveat')
--- Override anything with vim.lsp.config('caveat', { ... }), for example:
---     vim.lsp.config('caveat', {
---       settings = { caveat = { ignore = { 'CAV204' }, severity = { B506 = 'error' } } },
---     })
---
--- Settings (`settings.caveat`, sent as initializationOptions and answered on
--- workspace/configuration):
---   select   list of rule codes or prefixes to enable ({ 'CAV1', 'B506' })
---   ignore   list of rule codes or prefixes to disable
---   severity table code -> 'error' | 'warning' | 'info' | 'hint'
---   exclude  list of glob patterns of files not to check
---   python   the Python environment APIs are resolved against (interpreter path
---            or virtual environment folder). When unset, this config uses
---            $VIRTUAL_ENV, else <root>/.venv or <root>/venv if present.

--- `caveat` from the project's virtual environment when there is one, else from PATH.
local function server_cmd()
  local venv = vim.env.VIRTUAL_ENV
  if venv and vim.fn.executable(venv .. '/bin/caveat') == 1 then
    return venv .. '/bin/caveat'
  end
  for _, dir in ipairs({ '.venv', 'venv' }) do
    local exe = vim.fs.joinpath(vim.fn.getcwd(), dir, 'bin', 'caveat')
    if vim.fn.executable(exe) == 1 then
      return exe
    end
  end
  return 'caveat'
end

--- JSON-encodes as an object even when empty (a plain `{}` encodes as `[]`).
local function as_object(t)
  if t == nil or next(t) == nil then
    return vim.empty_dict()
  end
  return t
end

---@type vim.lsp.Config
return {
  cmd = { server_cmd(), 'serve' },
  filetypes = { 'python' },
  root_markers = {
    'pyproject.toml',
    'setup.py',
    'setup.cfg',
    'requirements.txt',
    'Pipfile',
    '.git',
  },
  settings = {
    caveat = {},
  },
  before_init = function(params, config)
    config.settings = config.settings or {}
    -- Send only what is set: an empty `select` would mean "no rules" to the server, and
    -- empty lists/tables would replace the project's [tool.caveat] values.
    local s = {}
    for key, value in pairs(config.settings.caveat or {}) do
      if type(value) ~= 'table' or next(value) ~= nil then
        s[key] = value
      end
    end
    if s.python == nil or s.python == '' then
      s.python = nil
      local root = config.root_dir or vim.fn.getcwd()
      if vim.env.VIRTUAL_ENV and vim.env.VIRTUAL_ENV ~= '' then
        s.python = vim.env.VIRTUAL_ENV
      else
        for _, dir in ipairs({ '.venv', 'venv' }) do
          local candidate = vim.fs.joinpath(root, dir)
          if vim.fn.isdirectory(candidate) == 1 then
            s.python = candidate
            break
          end
        end
      end
    end
    -- The same object answers workspace/configuration (the client keeps a reference
    -- to config.settings) and is sent as initializationOptions.
    s = as_object(s)
    config.settings.caveat = s
    params.initializationOptions = s
  end,
}
