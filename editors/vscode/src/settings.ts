// The settings caveat's server understands, read from VS Code's `caveat.*` configuration.
import * as vscode from 'vscode';
import { expandPath } from './server';

/**
 * Only the settings the user set are sent: an empty `select` would mean "no rules" to the
 * server and an empty `ignore`/`exclude`/`severity` would replace the project's
 * `[tool.caveat]` values, while an empty VS Code setting means "not set".
 */
export interface CaveatSettings {
  select?: string[];
  ignore?: string[];
  severity?: Record<string, string>;
  exclude?: string[];
  python?: string;
}

/** Keys of `caveat.*` that only the client uses; changing them restarts the server. */
export const CLIENT_KEYS = ['caveat.path', 'caveat.interpreter'];

export function readSettings(scope: vscode.Uri | undefined, fallbackPython?: string): CaveatSettings {
  const folder = scope ? vscode.workspace.getWorkspaceFolder(scope) : vscode.workspace.workspaceFolders?.[0];
  const cfg = vscode.workspace.getConfiguration('caveat', scope ?? folder?.uri);
  const list = (key: string): string[] => {
    const value = cfg.get<unknown>(key);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  };
  const severity: Record<string, string> = {};
  const raw = cfg.get<unknown>('severity');
  if (raw && typeof raw === 'object') {
    for (const [code, level] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof level === 'string') {
        severity[code] = level;
      }
    }
  }
  const settings: CaveatSettings = {};
  for (const key of ['select', 'ignore', 'exclude'] as const) {
    const value = list(key);
    if (value.length > 0) {
      settings[key] = value;
    }
  }
  if (Object.keys(severity).length > 0) {
    settings.severity = severity;
  }
  const python = (cfg.get<string>('python') || '').trim();
  if (python) {
    settings.python = expandPath(python, folder);
  } else if (fallbackPython) {
    settings.python = fallbackPython;
  }
  return settings;
}
