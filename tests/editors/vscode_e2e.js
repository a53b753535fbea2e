// Drives the real VS Code workbench (code-server) in headless Chromium through caveat's
// yaml.load quick-fix (B506 from bandit, or caveat's CAV132):
//   node vscode_e2e.js CONFIG_JSON
// CONFIG_JSON: {url, folder, file (relative to folder), line, column (1-based start of the
//   diagnostic), result, screenshot, screenshotAfter, timeoutMs}
// Writes a JSON result; the Python test makes the assertions (and checks the file on disk).
'use strict';
const fs = require('fs');
const { chromium } = require('playwright-core');

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const TIMEOUT = cfg.timeoutMs || 60000;
const t0 = Date.now();
const result = { steps: [], ok: false };
const step = (name, data) => {
  result.steps.push({ name, ms: Date.now() - t0, ...(data ? { data } : {}) });
  process.stderr.write(`[vscode-e2e +${Date.now() - t0}ms] ${name}\n`);
};
const write = () => fs.writeFileSync(cfg.result, JSON.stringify(result, null, 1));

async function problemsRows(page) {
  return page.$$eval('.markers-panel .monaco-list-row', (rows) => rows.map((r) => `${r.textContent || ''} | ${r.getAttribute('aria-label') || ''}`.replace(/\s+/g, ' ').trim()));
}

async function editorText(page) {
  // Monaco renders spaces as U+00A0
  return (await page.$$eval('.editor-instance .view-lines .view-line', (ls) => ls.map((l) => l.textContent))).map((l) => l.replace(/\u00a0/g, ' '));
}

async function waitFor(page, what, fn, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) {
        return last;
      }
    } catch (e) {
      last = e;
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

async function openFromExplorer(page, relPath) {
  // Expand each folder of the path in the Explorer tree, then open the file.
  const parts = relPath.split('/');
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i];
    const row = page.locator(`.explorer-folders-view .monaco-list-row[aria-level="${i + 1}"]`, { hasText: new RegExp(`^${name.replace(/\./g, '\\.')}$`) }).first();
    await row.waitFor({ state: 'visible', timeout: TIMEOUT });
    if (i < parts.length - 1) {
      if ((await row.getAttribute('aria-expanded')) !== 'true') {
        await row.click();
      }
    } else {
      await row.click();
    }
  }
}

(async () => {
  const browser = await chromium.launch({
    executablePath: cfg.chromium || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const consoleErrors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') {
      consoleErrors.push(m.text().slice(0, 300));
    }
  });
  try {
    await page.goto(`${cfg.url}/?folder=${encodeURIComponent(cfg.folder)}`, { timeout: TIMEOUT });
    await page.waitForSelector('.monaco-workbench', { timeout: TIMEOUT });
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: TIMEOUT });
    step('workbench');

    await openFromExplorer(page, cfg.file);
    await page.waitForSelector('.editor-instance .view-lines', { timeout: TIMEOUT });
    await waitFor(page, 'the file in the editor', async () => (await editorText(page)).some((l) => l.includes('yaml.load(handle)')));
    step('opened');

    await page.waitForSelector('.squiggly-warning, .squiggly-error', { timeout: TIMEOUT });
    step('squiggle');

    // Problems panel (View: Problems)
    await page.keyboard.press('Control+Shift+M');
    await page.waitForSelector('.markers-panel', { timeout: TIMEOUT });
    const where = `[Ln ${cfg.line}, Col ${cfg.column}]`;
    const rows = await waitFor(page, `a caveat row at ${where} in the Problems panel`, async () => {
      const r = await problemsRows(page);
      return r.some((t) => t.includes(where) && t.includes('caveat')) ? r : null;
    });
    await page.waitForTimeout(1500); // let a duplicate (push + pull) show up if there is one
    result.problemsBefore = await problemsRows(page);
    step('problems', { rows });
    result.statusBar = await page.$$eval('.statusbar-item', (items) => items.map((i) => (i.getAttribute('aria-label') || i.textContent || '').trim()).filter((t) => /caveat/i.test(t)));
    const panel = page.locator('.part.panel');
    await panel.screenshot({ path: cfg.screenshot });
    await page.screenshot({ path: cfg.screenshot.replace(/\.png$/, '-workbench.png') });
    step('screenshot');

    // Put the cursor in the diagnostic: Go to Line/Column, then Quick Fix (Ctrl+.)
    await page.locator('.editor-instance .view-lines').first().click();
    await page.keyboard.press('Control+G');
    await page.waitForSelector('.quick-input-widget', { state: 'visible', timeout: TIMEOUT });
    await page.keyboard.type(`${cfg.line}:${cfg.column + 2}`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.quick-input-widget', { state: 'hidden', timeout: TIMEOUT });
    // Quick Fix (Ctrl+.). VS Code cancels the request it sends for Ctrl+. when the cursor or
    // the lightbulb's own request races with it, and then says "No code actions available";
    // a user presses Ctrl+. again, and so does this script (a few times at most).
    let actions = null;
    result.quickFixAttempts = 0;
    for (let attempt = 1; attempt <= 4 && !actions; attempt++) {
      result.quickFixAttempts = attempt;
      await page.waitForTimeout(500 * attempt);
      await page.keyboard.press('Control+.');
      actions = await waitFor(page, 'quick-fix actions', async () => {
        const a = await page.$$eval('.action-widget .monaco-list-row', (rs) => rs.map((r) => ({
          text: (r.getAttribute('aria-label') || r.textContent || '').trim(),
          action: r.classList.contains('action'),
          focused: r.classList.contains('focused'),
        })));
        if (a.some((x) => x.action)) {
          return a;
        }
        const none = await page.$$eval('.monaco-editor-overlaymessage, .message', (ms) => ms.some((m) => /No code actions/i.test(m.textContent || '')));
        return none ? 'none' : null;
      }, 15000).catch(() => null);
      if (actions === 'none' || actions === null) {
        actions = null;
        await page.keyboard.press('Escape');
      }
    }
    if (!actions) {
      throw new Error('Ctrl+. never showed the quick-fix menu');
    }
    result.actions = actions;
    step('quick-fix menu', { actions });
    const items = actions.filter((a) => a.action);
    const target = items.findIndex((a) => a.text.includes('safe_load'));
    if (target < 0) {
      throw new Error(`no safe_load quick-fix among ${JSON.stringify(actions)}`);
    }
    const focused = Math.max(0, items.findIndex((a) => a.focused));
    for (let i = focused; i < target; i++) {
      await page.keyboard.press('ArrowDown');
    }
    for (let i = focused; i > target; i--) {
      await page.keyboard.press('ArrowUp');
    }
    await page.keyboard.press('Enter');
    await waitFor(page, 'the fix in the editor', async () => (await editorText(page)).some((l) => l.includes('yaml.safe_load(handle)')));
    step('fixed');

    await page.keyboard.press('Control+S');
    await waitFor(page, 'the editor to be saved', async () => (await page.$$('.tab.active.dirty')).length === 0);
    step('saved');

    await waitFor(page, `the row at ${where} to leave the Problems panel`, async () => !(await problemsRows(page)).some((t) => t.includes(where)));
    await page.waitForTimeout(1000);
    result.problemsAfter = await problemsRows(page);
    if (cfg.screenshotAfter) {
      await page.screenshot({ path: cfg.screenshotAfter });
    }
    step('cleared');

    if (cfg.scan) {
      // caveat: Scan Workspace, from the Command Palette: findings of files that are not open
      await page.keyboard.press('Control+Shift+P');
      await page.waitForSelector('.quick-input-widget', { state: 'visible', timeout: TIMEOUT });
      await page.keyboard.type('caveat: Scan Workspace');
      await page.waitForSelector('.quick-input-widget .monaco-list-row', { timeout: TIMEOUT });
      await page.keyboard.press('Enter');
      const scanRows = await waitFor(page, 'scan results in the Problems panel', async () => {
        const r = await problemsRows(page);
        return r.some((t) => cfg.scan.some((f) => t.includes(f))) ? r : null;
      });
      result.notifications = await waitFor(page, 'the scan summary notification', async () => {
        const n = await page.$$eval('.notification-toast .notification-list-item-message', (ts) => ts.map((t) => (t.textContent || '').trim()));
        return n.some((t) => /caveat: \d+ findings? in \d+ files?|caveat: no findings/.test(t)) ? n : null;
      });
      await page.waitForTimeout(500);
      result.problemsAfterScan = await problemsRows(page);
      await page.screenshot({ path: cfg.screenshot.replace(/\.png$/, '-scan.png') });
      step('scanned', { rows: scanRows.length });
    }
    // caveat: Show Output, then caveat: Restart Server, from the Command Palette
    const runCommand = async (title) => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Shift+P');
      await page.waitForSelector('.quick-input-widget', { state: 'visible', timeout: TIMEOUT });
      await page.keyboard.type(title);
      await page.waitForSelector('.quick-input-widget .monaco-list-row', { timeout: TIMEOUT });
      await page.keyboard.press('Enter');
    };
    await runCommand('caveat: Show Output');
    result.outputShown = await waitFor(page, 'the caveat output channel', async () => {
      const text = await page.$$eval('.part.panel .view-lines .view-line', (ls) => ls.map((l) => l.textContent || '').join('\n'));
      // the panel shows the end of the channel (Monaco renders only the visible lines)
      return /\[(client|scan)\]|caveat/.test(text) ? text.replace(/\u00a0/g, ' ').slice(-2000) : null;
    });
    step('output shown');
    const startLines = async () => (await page.$$eval('.part.panel .view-lines .view-line', (ls) => ls.map((l) => l.textContent || '')))
      .map((l) => l.replace(/\u00a0/g, ' ')).filter((l) => l.includes('[client] starting'));
    const before = (await startLines()).length;
    await runCommand('caveat: Restart Server');
    result.restartLog = await waitFor(page, 'the server to restart', async () => {
      const starts = await startLines();
      return starts.length > before ? starts : null;
    });
    await waitFor(page, 'the status bar to say running again', async () => {
      const items = await page.$$eval('.statusbar-item', (is) => is.map((i) => i.getAttribute('aria-label') || ''));
      return items.some((t) => /caveat running/.test(t));
    });
    step('restarted');

    if (cfg.missingServerPath) {
      // Point caveat.path at nothing in the Settings editor: the extension restarts, says
      // so, and offers to open the settings.
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Shift+P');
      await page.waitForSelector('.quick-input-widget', { state: 'visible', timeout: TIMEOUT });
      await page.keyboard.type('Preferences: Open User Settings');
      await page.waitForSelector('.quick-input-widget .monaco-list-row', { timeout: TIMEOUT });
      await page.keyboard.press('Enter');
      await page.waitForSelector('.settings-editor', { state: 'visible', timeout: TIMEOUT });
      await page.waitForTimeout(500);
      await page.keyboard.type('caveat.path');
      // caveat.path is machine-overridable: with a remote (code-server) it is on the Remote tab
      const remoteTab = page.locator('.settings-editor .settings-tabs-widget .action-label', { hasText: 'Remote' });
      if (await remoteTab.count()) {
        await remoteTab.first().click();
      }
      const input = page.locator('.settings-editor .setting-item-contents', { hasText: 'Path of the' }).locator('input').first();
      await input.waitFor({ state: 'visible', timeout: TIMEOUT });
      await input.fill(cfg.missingServerPath);
      await input.press('Tab');
      const message = await waitFor(page, 'the "server not found" notification', async () => {
        const n = await page.$$eval('.notification-toast .notification-list-item-message', (ts) => ts.map((t) => (t.textContent || '').trim()));
        return n.find((t) => t.includes('caveat.path') && t.includes(cfg.missingServerPath)) || null;
      });
      result.missingServerMessage = message;
      result.statusBarMissing = await page.$$eval('.statusbar-item', (items) => items.map((i) => (i.getAttribute('aria-label') || i.textContent || '').trim()).filter((t) => /caveat/i.test(t)));
      await page.screenshot({ path: cfg.screenshot.replace(/\.png$/, '-server-missing.png') });
      const button = page.locator('.notification-toast', { hasText: cfg.missingServerPath }).locator('a.monaco-button', { hasText: 'Open settings' });
      await button.click();
      await page.waitForSelector('.settings-editor', { state: 'visible', timeout: TIMEOUT });
      result.settingsSearch = await page.$eval('.settings-editor .suggest-input-container .view-line', (e) => (e.textContent || '').replace(/\u00a0/g, ' ')).catch(() => null);
      step('server missing');
    }
    result.ok = true;
  } catch (e) {
    result.error = String(e && e.stack ? e.stack : e);
    try {
      await page.screenshot({ path: cfg.screenshot.replace(/\.png$/, '-failure.png') });
    } catch {
      // ignore
    }
  } finally {
    result.consoleErrors = consoleErrors.slice(-20);
    result.totalMs = Date.now() - t0;
    write();
    await browser.close().catch(() => undefined);
  }
})();
