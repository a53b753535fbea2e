// caveat for VS Code: starts `caveat serve` over stdio with vscode-languageclient.
import * as path from 'path';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import { WorkspaceScanner } from './scan';
import { findServer, onPythonInterpreterChange, pythonExtensionInterpreter, ServerCommand, ServerNotFound } from './server';
import { CLIENT_KEYS, readSettings } from './settings';

let client: LanguageClient | undefined;
let server: ServerCommand | undefined;
let fallbackPython: string | undefined;
let output: vscode.OutputChannel;
let status: vscode.StatusBarItem;
let starting: Promise<void> | undefined;
let extensionContext: vscode.ExtensionContext;
/** how many settings the server got last (0: none) */
let lastSentSettings = 0;

type UiState = 'starting' | 'running' | 'stopped' | 'error' | 'missing';

function environmentLabel(): string | undefined {
  const settings = readSettings(undefined, fallbackPython);
  const env = settings.python ?? server?.interpreter;
  if (!env) {
    return undefined;
  }
  // /project/.venv/bin/python -> .venv ; /project/.venv -> .venv
  const parts = env.split(/[\\/]/).filter(Boolean);
  const bin = parts.lastIndexOf('bin') >= 0 ? parts.lastIndexOf('bin') : parts.lastIndexOf('Scripts');
  if (bin > 0) {
    return parts[bin - 1];
  }
  return parts[parts.length - 1];
}

function setStatus(state: UiState, detail?: string): void {
  const env = environmentLabel();
  const icon = { starting: '$(sync~spin)', running: '$(shield)', stopped: '$(circle-slash)', error: '$(error)', missing: '$(warning)' }[state];
  status.text = `${icon} caveat${env ? ` (${env})` : ''}`;
  const tip = new vscode.MarkdownString(undefined, true);
  tip.appendMarkdown(`**caveat** — ${state}${detail ? `: ${detail}` : ''}\n\n`);
  if (server) {
    tip.appendMarkdown(`Server: \`${[server.command, ...server.prefix, 'serve'].join(' ')}\` (from ${server.origin})\n\n`);
  }
  const settings = readSettings(undefined, fallbackPython);
  tip.appendMarkdown(`Environment: ${settings.python ? `\`${settings.python}\`` : "the project's default"}\n\n`);
  const version = client?.initializeResult?.serverInfo?.version;
  if (version && state === 'running') {
    tip.appendMarkdown(`Version: ${version}\n\n`);
  }
  tip.appendMarkdown('Click to show the output.');
  status.tooltip = tip;
  status.backgroundColor =
    state === 'error' || state === 'missing' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  status.accessibilityInformation = { label: `caveat ${state}${env ? `, environment ${env}` : ''}` };
  status.show();
}

function log(msg: string): void {
  output.appendLine(`[client] ${msg}`);
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  setStatus('starting');
  fallbackPython = await pythonExtensionInterpreter(vscode.workspace.workspaceFolders?.[0]?.uri);
  try {
    server = await findServer(log);
  } catch (e) {
    server = undefined;
    const message = e instanceof ServerNotFound ? e.message : `caveat: ${(e as Error).message}`;
    log(message);
    setStatus('missing', 'server not found');
    void vscode.window.showErrorMessage(message, 'Open settings', 'Show output').then((choice) => {
      if (choice === 'Open settings') {
        void vscode.commands.executeCommand('workbench.action.openSettings', 'caveat.path');
      } else if (choice === 'Show output') {
        output.show(true);
      }
    });
    return;
  }
  log(`starting ${server.command} ${[...server.prefix, 'serve'].join(' ')} (found via ${server.origin})`);

  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const serverOptions: ServerOptions = {
    command: server.command,
    args: [...server.prefix, 'serve'],
    transport: TransportKind.stdio,
    options: { cwd, env: { ...process.env, PYTHONUNBUFFERED: '1' } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
    ],
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: () => {
      const settings = readSettings(vscode.workspace.workspaceFolders?.[0]?.uri, fallbackPython);
      lastSentSettings = Object.keys(settings).length;
      return settings;
    },
    synchronize: { configurationSection: 'caveat' },
    middleware: {
      workspace: {
        // workspace/didChangeConfiguration: send the server's settings only (vscode-languageclient
        // would send every `caveat.*` key, empty lists included, and an empty `select` means
        // "no rules" to the server).
        didChangeConfiguration: async () => {
          const settings = readSettings(vscode.workspace.workspaceFolders?.[0]?.uri, fallbackPython);
          if (Object.keys(settings).length === 0 && lastSentSettings > 0) {
            // caveat 0.1 keeps its last editor settings when it receives an empty table:
            // restart so that clearing the last setting takes effect.
            log('all caveat settings cleared: restarting');
            lastSentSettings = 0;
            void restart(extensionContext);
            return;
          }
          lastSentSettings = Object.keys(settings).length;
          await client?.sendNotification(DidChangeConfigurationNotification.type, { settings: { caveat: settings } });
        },
        // Answer workspace/configuration for "caveat" with exactly the server's settings
        // (not the client-only keys), per scope.
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) {
            return result;
          }
          return params.items.map((item, i) => {
            if (item.section === 'caveat') {
              const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
              return readSettings(scope, fallbackPython);
            }
            return result[i];
          });
        },
      },
    },
  };
  const c = new LanguageClient('caveat', 'caveat', serverOptions, clientOptions);
  client = c;
  context.subscriptions.push(
    c.onDidChangeState((e) => {
      if (c !== client) {
        return;
      }
      if (e.newState === State.Running) {
        setStatus('running');
      } else if (e.newState === State.Starting) {
        setStatus('starting');
      } else {
        setStatus('stopped');
      }
    }),
  );
  try {
    await c.start();
    log(`server running: ${c.initializeResult?.serverInfo?.name ?? 'caveat'} ${c.initializeResult?.serverInfo?.version ?? ''}`);
    setStatus('running');
  } catch (e) {
    log(`server failed to start: ${(e as Error).message}`);
    setStatus('error', 'failed to start');
    void vscode.window.showErrorMessage(`caveat: the server failed to start (${(e as Error).message}).`, 'Show output', 'Open settings').then((choice) => {
      if (choice === 'Show output') {
        output.show(true);
      } else if (choice === 'Open settings') {
        void vscode.commands.executeCommand('workbench.action.openSettings', 'caveat.path');
      }
    });
  }
}

async function stopClient(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.stop(5000);
    } catch (e) {
      log(`stop: ${(e as Error).message}`);
    }
  }
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  if (starting) {
    await starting;
  }
  starting = (async () => {
    await stopClient();
    await startClient(context);
  })();
  try {
    await starting;
  } finally {
    starting = undefined;
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionContext = context;
  output = vscode.window.createOutputChannel('caveat');
  status = vscode.window.createStatusBarItem('caveat.status', vscode.StatusBarAlignment.Right, 100);
  status.name = 'caveat';
  status.command = 'caveat.showOutput';
  const scanner = new WorkspaceScanner(output);
  context.subscriptions.push(output, status, scanner);

  context.subscriptions.push(
    vscode.commands.registerCommand('caveat.restart', () => restart(context)),
    vscode.commands.registerCommand('caveat.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('caveat.scanWorkspace', () =>
      scanner.scan(server, (folder) => readSettings(folder.uri, fallbackPython)),
    ),
    vscode.commands.registerCommand('caveat.clearScanResults', () => scanner.clear()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (CLIENT_KEYS.some((key) => e.affectsConfiguration(key))) {
        log('server location changed: restarting');
        void restart(context);
      } else if (e.affectsConfiguration('caveat.python')) {
        setStatus(client?.state === State.Running ? 'running' : 'stopped');
      }
    }),
  );
  const pyListener = await onPythonInterpreterChange(() => {
    log('the Python extension selected another interpreter: restarting');
    void restart(context);
  });
  if (pyListener) {
    context.subscriptions.push(pyListener);
  }
  log(`activated (VS Code ${vscode.version}, ${path.basename(process.execPath)})`);
  await restart(context);
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
