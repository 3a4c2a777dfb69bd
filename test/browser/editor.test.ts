// The pack in Node-RED's editor, driven in Debian's Chromium by playwright-core: what a user sees when they open
// a node's edit dialog. Needs /usr/bin/chromium (apt package chromium); skipped without it, except in CI.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { NodeRedProcess, type FlowNode } from '../support/node-red-process.js';

const CHROMIUM = '/usr/bin/chromium';

/** The slice of the editor's global API these tests call. */
interface EditorWindow {
  RED?: {
    nodes: { node(id: string): Record<string, unknown> | null };
    editor: { editConfig(name: string, type: string, id: string): void };
  };
}

const flows: FlowNode[] = [
  { id: 'tab', type: 'tab', label: 'editor test' },
  // As the templates ship them: the authentication chosen by an environment variable.
  { id: 'sfconn', type: 'syncwright-salesforce-connection', name: 'from env', loginUrl: 'https://login.salesforce.com', instanceUrl: '', apiVersion: '62.0', authType: '${SALESFORCE_AUTH}', consumerKey: '', username: '', timeout: '60', corporateCurrency: 'USD', multiCurrency: true, requestsPerSecond: '', concurrency: '', dailyBudget: '', dailyHeadroomPercent: '10', maintenance: '' },
  { id: 'nsconn', type: 'syncwright-netsuite-connection', name: 'from env', accountId: '1234567', baseUrl: '', authType: '${NETSUITE_AUTH}', clientId: '', certificateId: '', algorithm: 'auto', concurrency: '5', requestsPerSecond: '', dailyBudget: '', dailyHeadroomPercent: '', maintenance: '', timeout: '' },
  { id: 'plain', type: 'syncwright-salesforce-connection', name: 'plain', loginUrl: 'https://login.salesforce.com', instanceUrl: '', apiVersion: '62.0', authType: 'client-credentials', consumerKey: '', username: '', timeout: '60', corporateCurrency: 'USD', multiCurrency: true, requestsPerSecond: '', concurrency: '', dailyBudget: '', dailyHeadroomPercent: '10', maintenance: '' },
];

describe('editor (Chromium)', function () {
  this.timeout(120_000);
  let nr: NodeRedProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env['CI']) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
      this.skip();
    }
    nr = await NodeRedProcess.start({ flows, env: { SALESFORCE_AUTH: 'client-credentials', NETSUITE_AUTH: 'tba' } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });

  after(async () => {
    await browser?.close();
    await nr?.dispose();
  });

  beforeEach(async () => {
    page = await (browser as Browser).newPage();
    await page.goto(`${(nr as NodeRedProcess).url}/`);
    // The editor has loaded the pack's node definitions and the deployed flows.
    await page.waitForFunction(() => (window as unknown as EditorWindow).RED?.nodes.node('sfconn') != null, undefined, { timeout: 60_000 });
  });

  afterEach(async () => {
    await page.close();
  });

  const openConfig = (type: string, id: string): Promise<void> =>
    page.evaluate(([t, i]) => (window as unknown as EditorWindow).RED?.editor.editConfig('', t, i), [type, id]);

  it('shows a Salesforce authentication set from the environment in its select, with both sets of fields, and keeps it on save', async () => {
    await openConfig('syncwright-salesforce-connection', 'sfconn');
    const select = page.locator('#node-config-input-authType');
    await select.waitFor();
    assert.equal(await select.inputValue(), '${SALESFORCE_AUTH}');
    assert.equal((await select.locator('option:checked').textContent())?.trim(), 'From the environment: ${SALESFORCE_AUTH}');
    assert.ok(await page.locator('#node-config-input-consumerKey').isVisible(), 'JWT fields shown');
    assert.ok(await page.locator('#node-config-input-clientId').isVisible(), 'client-credentials fields shown');
    await page.click('#node-config-dialog-ok');
    await page.waitForFunction(() => document.querySelector('#node-config-input-authType') === null);
    assert.equal(await page.evaluate(() => (window as unknown as EditorWindow).RED?.nodes.node('sfconn')?.['authType']), '${SALESFORCE_AUTH}');
  });

  it('shows a NetSuite authentication set from the environment, and only the chosen fields for a chosen one', async () => {
    await openConfig('syncwright-netsuite-connection', 'nsconn');
    const select = page.locator('#node-config-input-authType');
    await select.waitFor();
    assert.equal(await select.inputValue(), '${NETSUITE_AUTH}');
    assert.ok(await page.locator('.sw-ns-tba').first().isVisible());
    assert.ok(await page.locator('.sw-ns-oauth2').first().isVisible());
    await select.selectOption('tba');
    assert.ok(await page.locator('.sw-ns-tba').first().isVisible());
    assert.equal(await page.locator('.sw-ns-oauth2').first().isVisible(), false);
    await page.click('#node-config-dialog-cancel');
  });

  it('keeps a plain choice as it was: no extra option, only its fields', async () => {
    await openConfig('syncwright-salesforce-connection', 'plain');
    const select = page.locator('#node-config-input-authType');
    await select.waitFor();
    assert.equal(await select.inputValue(), 'client-credentials');
    assert.equal(await select.locator('option').count(), 2);
    assert.equal(await page.locator('#node-config-input-consumerKey').isVisible(), false);
    assert.ok(await page.locator('#node-config-input-clientId').isVisible());
    await page.click('#node-config-dialog-cancel');
  });
});
