// "caveat: Scan Workspace": run `caveat check --format json` over each workspace folder and
// show the findings in the Problems panel through their own DiagnosticCollection.
import * as cp from 'child_process';
import * as path from 'path';
import * as vscode from 'vscode';
import { ServerCommand } from './server';
import { CaveatSettings } from './settings';

/** One finding of `caveat check --format json`. */
export interface Finding {
  path: string;
  line: number;
  column: number;
  end_line?: number;
  end_column?: number;
  code: string;
  name?: string;
  category?: string;
  cwe?: number | null;
  severity?: string;
  message: string;
  fixable?: boolean;
}

const SEVERITY: Record<string, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** `caveat check` reports 1-based lines and 1-based columns (like the text report). */
export function toDiagnostic(f: Finding): vscode.Diagnostic {
  const line = Math.max(0, (f.line || 1) - 1);
  const col = Math.max(0, (f.column || 1) - 1);
  const endLine = Math.max(line, (f.end_line || f.line || 1) - 1);
  let endCol = Math.max(0, (f.end_column || f.column || 1) - 1);
  if (endLine === line && endCol <= col) {
    endCol = col + 1;
  }
  const diag = new vscode.Diagnostic(
    new vscode.Range(line, col, endLine, endCol),
    f.message,
    SEVERITY[(f.severity || 'warning').toLowerCase()] ?? vscode.DiagnosticSeverity.Warning,
  );
  diag.source = 'caveat';
  diag.code = f.code;
  return diag;
}

/** The editor's settings as `caveat check` options (the same layer the server applies). */
export function checkArgs(settings: CaveatSettings): string[] {
  const args: string[] = [];
  if (settings.select?.length) {
    args.push('--select', settings.select.join(','));
  }
  if (settings.ignore?.length) {
    args.push('--ignore', settings.ignore.join(','));
  }
  if (settings.exclude?.length) {
    args.push('--exclude', settings.exclude.join(','));
  }
  for (const [code, level] of Object.entries(settings.severity ?? {})) {
    args.push('--severity', `${code}=${level}`);
  }
  if (settings.python) {
    args.push('--python', settings.python);
  }
  return args;
}

export class WorkspaceScanner implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('caveat-scan');
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor(private readonly output: vscode.OutputChannel) {
    // Once a file is open, the language server owns its diagnostics: drop the scan's copy
    // so the Problems panel does not list each finding twice.
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((doc) => this.collection.delete(doc.uri)),
      vscode.workspace.onDidChangeTextDocument((e) => this.collection.delete(e.document.uri)),
    );
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }

  clear(): void {
    this.collection.clear();
  }

  async scan(server: ServerCommand | undefined, settingsFor: (folder: vscode.WorkspaceFolder) => CaveatSettings): Promise<void> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (!server) {
      void vscode.window.showErrorMessage('caveat: the server executable was not found, so the workspace cannot be scanned.');
      return;
    }
    if (folders.length === 0) {
      void vscode.window.showInformationMessage('caveat: open a folder to scan it.');
      return;
    }
    const summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'caveat: scanning workspace', cancellable: true },
      async (progress, token): Promise<{ total: number; files: number } | undefined> => {
        this.collection.clear();
        const open = new Set(vscode.workspace.textDocuments.map((d) => d.uri.toString()));
        let total = 0;
        const files = new Set<string>();
        for (const folder of folders) {
          if (token.isCancellationRequested) {
            break;
          }
          progress.report({ message: folder.name });
          const findings = await this.run(server, folder, settingsFor(folder), token);
          if (findings === undefined) {
            continue;
          }
          const byFile = new Map<string, vscode.Diagnostic[]>();
          for (const f of findings) {
            const file = path.isAbsolute(f.path) ? f.path : path.join(folder.uri.fsPath, f.path);
            const list = byFile.get(file) ?? [];
            list.push(toDiagnostic(f));
            byFile.set(file, list);
          }
          for (const [file, diags] of byFile) {
            const uri = vscode.Uri.file(file);
            total += diags.length;
            files.add(file);
            // open files are checked live by the server: do not list them twice
            if (!open.has(uri.toString())) {
              this.collection.set(uri, diags);
            }
          }
        }
        return token.isCancellationRequested ? undefined : { total, files: files.size };
      },
    );
    if (summary === undefined) {
      void vscode.window.showInformationMessage('caveat: workspace scan cancelled.');
      return;
    }
    const { total, files } = summary;
    const text = total === 0 ? 'no findings' : `${total} finding${total === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`;
    this.output.appendLine(`[scan] ${text}`);
    if (total > 0) {
      const choice = await vscode.window.showInformationMessage(`caveat: ${text}.`, 'Show Problems');
      if (choice === 'Show Problems') {
        await vscode.commands.executeCommand('workbench.actions.view.problems');
      }
    } else {
      void vscode.window.showInformationMessage(`caveat: ${text}.`);
    }
  }

  private run(
    server: ServerCommand,
    folder: vscode.WorkspaceFolder,
    settings: CaveatSettings,
    token: vscode.CancellationToken,
  ): Promise<Finding[] | undefined> {
    const args = [...server.prefix, 'check', '--format', 'json', '--no-progress', ...checkArgs(settings), '.'];
    this.output.appendLine(`[scan] ${server.command} ${args.join(' ')}  (in ${folder.uri.fsPath})`);
    return new Promise((resolve) => {
      const child = cp.spawn(server.command, args, { cwd: folder.uri.fsPath, env: process.env });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      const cancel = token.onCancellationRequested(() => child.kill());
      child.on('error', (e) => {
        cancel.dispose();
        this.output.appendLine(`[scan] failed to start: ${e.message}`);
        void vscode.window.showErrorMessage(`caveat: could not run the scan: ${e.message}`);
        resolve(undefined);
      });
      child.on('close', (code) => {
        cancel.dispose();
        const stderr = Buffer.concat(err).toString('utf8').trim();
        if (stderr) {
          this.output.appendLine(stderr);
        }
        if (token.isCancellationRequested) {
          resolve(undefined);
          return;
        }
        // exit 0: clean, 1: findings, 2: usage or configuration error
        if (code !== 0 && code !== 1) {
          void vscode.window.showErrorMessage(`caveat check failed in ${folder.name} (exit ${code}). See the output for details.`, 'Show Output').then((c) => {
            if (c) {
              this.output.show(true);
            }
          });
          resolve(undefined);
          return;
        }
        try {
          const parsed = JSON.parse(Buffer.concat(out).toString('utf8') || '[]');
          resolve(Array.isArray(parsed) ? (parsed as Finding[]) : []);
        } catch (e) {
          this.output.appendLine(`[scan] could not parse the JSON report: ${(e as Error).message}`);
          resolve(undefined);
        }
      });
    });
  }
}
