// The pack in a real Node-RED process: every node type and the plugin load, a flow using every node deploys
// through the Admin API, the examples are offered, and nothing is logged at error level.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NodeRedProcess, type FlowNode } from '../support/node-red-process.js';

const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../../package.json'), 'utf8')) as { name: string; 'node-red': { nodes: Record<string, string> } };

describe('the pack in a real Node-RED', function () {
  this.timeout(60_000);
  let nr: NodeRedProcess;
  before(async () => {
    nr = await NodeRedProcess.start();
  });
  after(async () => {
    await nr.dispose();
  });

  it('registers every node type of package.json without errors', async () => {
    const res = await nr.request('GET', '/nodes');
    assert.equal(res.status, 200);
    const sets = (res.body as Array<{ module: string; types: string[]; err?: string; enabled: boolean }>).filter((s) => s.module === pkg.name);
    const types = sets.flatMap((s) => s.types).sort();
    assert.deepEqual(types, Object.keys(pkg['node-red'].nodes).sort());
    for (const s of sets) {
      assert.equal(s.err, undefined, `${s.types.join(',')}: ${s.err}`);
      assert.equal(s.enabled, true);
    }
  });

  it('loads the runtime plugin', async () => {
    const res = await nr.request('GET', '/plugins');
    const plugins = (res.body as Array<{ module: string; plugins: Array<{ id: string }> }>).filter((p) => p.module === pkg.name);
    assert.ok(plugins.some((p) => p.plugins.some((x) => x.id === 'syncwright-engine')));
    await nr.waitForLog(/\[syncwright\] runtime plugin loaded/);
  });

  it('serves every node editor file and offers the example flows', async () => {
    const html = await fetch(`${nr.url}/nodes`, { headers: { accept: 'text/html' } }).then((r) => r.text());
    for (const type of Object.keys(pkg['node-red'].nodes)) {
      assert.ok(html.includes(`RED.nodes.registerType('${type}'`), `${type} editor missing`);
      assert.ok(html.includes(`data-template-name="${type}"`), `${type} has no edit form`);
      assert.ok(html.includes(`data-help-name="${type}"`), `${type} has no help text`);
      const def = html.slice(html.indexOf(`RED.nodes.registerType('${type}'`), html.indexOf(`RED.nodes.registerType('${type}'`) + 400);
      assert.match(def, /category:\s*'(ERP\/CRM sync|config)'/, `${type} is not in the palette category "ERP/CRM sync"`);
    }
    const catalogue = await nr.request('GET', `/nodes/messages?lng=en-US`);
    assert.equal(catalogue.status, 200);
    const keys = JSON.stringify(catalogue.body);
    for (const type of Object.keys(pkg['node-red'].nodes)) assert.ok(keys.includes(`"${type}"`), `${type} has no message catalogue entry`);
    const modules = await nr.request('GET', '/library/examples/flows/');
    assert.ok((modules.body as string[]).includes(pkg.name), 'the pack offers no examples');
    const lib = await fetch(`${nr.url}/library/examples/flows/${pkg.name}/basics/validate-opportunity`).then((r) => r.json() as Promise<FlowNode[]>);
    assert.ok(lib.some((n) => n.type === 'syncwright-canonical'));
    // The quote-to-cash templates, each under Import › Examples › <pack> › templates.
    const templates = readdirSync(resolve(__dirname, '../../../flows/templates')).filter((f) => f.endsWith('.json'));
    assert.equal(templates.length, 6);
    for (const file of templates) {
      const res = await fetch(`${nr.url}/library/examples/flows/${pkg.name}/templates/${file.replace(/\.json$/, '')}`);
      assert.equal(res.status, 200, `${file} is not in the Import menu`);
      const nodes = (await res.json()) as FlowNode[];
      assert.ok(nodes.some((n) => n.type === 'tab') && nodes.some((n) => n.type === 'comment'), `${file} has no tab with comments`);
      // The tab's description is what the editor's Info sidebar shows for the flow.
      const tab = nodes.find((n) => n.type === 'tab') as FlowNode;
      assert.ok(typeof tab['info'] === 'string' && tab['info'].length >= 80, `${file}: its tab has no description (info)`);
    }
  });

  it('deploys and runs the canonical example flow through the Admin API with no errors logged', async () => {
    const flows = JSON.parse(readFileSync(resolve(__dirname, '../../../flows/basics/validate-opportunity.json'), 'utf8')) as FlowNode[];
    await nr.deploy(flows);
    const inject = await nr.request('POST', '/inject/sw.ex.c.inject1');
    assert.equal(inject.status, 200);
    const bad = await nr.request('POST', '/inject/sw.ex.c.inject2');
    assert.equal(bad.status, 200);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(nr.errors(), []);
    assert.ok(!nr.logs.some((l) => /unknown type|Waiting for missing types/i.test(l)), nr.logs.join('\n'));
  });
});
