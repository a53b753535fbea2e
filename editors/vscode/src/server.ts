// Finding the caveat server: `caveat.path`, else `python -m caveat` with `caveat.interpreter`
// or the Python extension's interpreter, else a `caveat` in the workspace's virtual
// environment or on PATH. Among the last three, the first whose Python is at least the
// project's `requires-python` wins (caveat parses with the grammar of the Python it runs on).
import * as cp from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { preferNewEnough, projectPython, scriptInterpreter } from './pythonVersion';

export interface ServerCommand {
  /** executable to run */
  command: string;
  /** arguments that come before the subcommand (`-m caveat` for an interpreter) */
  prefix: string[];
  /** how it was found, for the status bar and the output channel */
  origin: string;
  /** the interpreter caveat runs in, when known */
  interpreter?: string;
}

const IS_WINDOWS = process.platform === 'win32';

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) {
      return false;
    }
    if (!IS_WINDOWS) {
      fs.accessSync(file, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

/** Expand `~` and `${workspaceFolder}` and make a relative path absolute against the folder. */
export function expandPath(value: string, folder?: vscode.WorkspaceFolder): string {
  let out = value.trim();
  const home = process.env.HOME || process.env.USERPROFILE || '';
  if (out === '~' || out.startsWith('~/')) {
    out = path.join(home, out.slice(1));
  }
  const root = folder?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (root) {
    out = out.replace(/\$\{workspaceFolder\}/g, root);
    if (!path.isAbsolute(out) && (out.includes('/') || out.includes('\\'))) {
      out = path.join(root, out);
    }
  }
  return out;
}

function which(name: string): string | undefined {
  const exts = IS_WINDOWS ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) {
      continue;
    }
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** Does this interpreter have caveat installed (with a runnable `-m caveat`)? */
export function interpreterHasCaveat(python: string, log: (msg: string) => void): Promise<boolean> {
  return new Promise((resolve) => {
    cp.execFile(
      python,
      ['-c', 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec("caveat.__main__") else 3)'],
      { timeout: 15000 },
      (err) => {
        if (err) {
          log(`${python} cannot run \`-m caveat\` (${err.code === 3 ? 'caveat is not installed there' : err.message.trim()})`);
          resolve(false);
        } else {
          resolve(true);
        }
      },
    );
  });
}

/** The interpreter selected in the Python extension (ms-python.python), if it is installed. */
export async function pythonExtensionInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension('ms-python.python');
  if (!ext) {
    return undefined;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const api: any = ext.isActive ? ext.exports : await ext.activate();
    if (api?.environments?.getActiveEnvironmentPath) {
      const active = api.environments.getActiveEnvironmentPath(resource);
      const env = await api.environments.resolveEnvironment(active);
      const exe: string | undefined = env?.executable?.uri?.fsPath ?? active?.path;
      if (exe) {
        return exe;
      }
    }
    if (api?.settings?.getExecutionDetails) {
      const details = api.settings.getExecutionDetails(resource);
      const exe = details?.execCommand?.[0];
      if (exe) {
        return exe;
      }
    }
  } catch {
    // the Python extension failed to activate: carry on without it
  }
  return undefined;
}

/** Subscribe to interpreter changes in the Python extension, if it is installed. */
export async function onPythonInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  const ext = vscode.extensions.getExtension('ms-python.python');
  if (!ext) {
    return undefined;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const api: any = ext.isActive ? ext.exports : await ext.activate();
    if (api?.environments?.onDidChangeActiveEnvironmentPath) {
      return api.environments.onDidChangeActiveEnvironmentPath(listener);
    }
  } catch {
    // ignore
  }
  return undefined;
}

export class ServerNotFound extends Error {}

export async function findServer(log: (msg: string) => void): Promise<ServerCommand> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const cfg = vscode.workspace.getConfiguration('caveat', folder?.uri);

  const explicit = (cfg.get<string>('path') || '').trim();
  if (explicit) {
    const exe = expandPath(explicit, folder);
    const found = path.isAbsolute(exe) ? (isExecutable(exe) ? exe : undefined) : which(exe);
    if (!found) {
      throw new ServerNotFound(`caveat.path is set to "${explicit}", but no executable is there.`);
    }
    return { command: found, prefix: [], origin: 'caveat.path' };
  }

  const configured = (cfg.get<string>('interpreter') || '').trim();
  if (configured) {
    const python = expandPath(configured, folder);
    if (await interpreterHasCaveat(python, log)) {
      return { command: python, prefix: ['-m', 'caveat'], origin: 'caveat.interpreter', interpreter: python };
    }
    throw new ServerNotFound(
      `caveat.interpreter is set to "${configured}", but caveat is not installed in it ` +
        `(run "${python} -m pip install caveat").`,
    );
  }

  const candidates: ServerCommand[] = [];
  const selected = await pythonExtensionInterpreter(folder?.uri);
  if (selected && (await interpreterHasCaveat(selected, log))) {
    candidates.push({ command: selected, prefix: ['-m', 'caveat'], origin: 'Python extension interpreter', interpreter: selected });
  }
  if (folder) {
    for (const venv of ['.venv', 'venv', 'env']) {
      const exe = path.join(folder.uri.fsPath, venv, IS_WINDOWS ? 'Scripts' : 'bin', IS_WINDOWS ? 'caveat.exe' : 'caveat');
      if (isExecutable(exe)) {
        candidates.push({ command: exe, prefix: [], origin: `${venv} in the workspace` });
      }
    }
  }
  const onPath = which('caveat');
  if (onPath) {
    candidates.push({ command: onPath, prefix: [], origin: 'PATH' });
  }
  const needed = folder ? projectPython(path.join(folder.uri.fsPath, 'pyproject.toml')) : undefined;
  const chosen = await preferNewEnough(candidates, needed, (c) => c.interpreter ?? scriptInterpreter(c.command),
    (c) => c.origin, log);
  if (chosen) {
    return chosen;
  }

  throw new ServerNotFound(
    'caveat could not find its language server. Install it with "pip install caveat" ' +
      '(in your project environment, or with pipx), or set "caveat.path".',
  );
}
