// The system landscape's rules (plain TypeScript): parsing with problems named by rule, first-match routing by
// role, capability and legal entity, the connection checks a deploy makes, where the legal entity is read, and
// the editor's capability lists kept equal to the catalogue.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CAPABILITIES, capabilityOf, ROLES } from '../../runtime-plugins/roles/capabilities.js';
import { checkConnections, parseRules, route, type ConnectionInfo } from '../../runtime-plugins/roles/landscape.js';
import { legalEntityOf } from '../../runtime-plugins/roles/legal-entity.js';
import { parseInput } from '../../runtime-plugins/roles/payloads.js';
import { isSyncError } from '../../runtime-plugins/sync-error.js';

const deployed: Record<string, ConnectionInfo> = {
  sf: { type: 'syncwright-salesforce-connection', name: 'Salesforce' },
  nsUS: { type: 'syncwright-netsuite-connection', name: 'NetSuite US' },
  nsUK: { type: 'syncwright-netsuite-connection', name: 'NetSuite UK' },
  kt: { type: 'syncwright-kantata-connection', name: 'Kantata' },
};
const lookup = (id: string) => deployed[id];

describe('system landscape rules', () => {
  const phased = parseRules([
    { role: 'erp', capability: 'upsert-customer', legalEntity: '*', connection: 'nsUK' },
    { role: 'erp', capability: '*', legalEntity: 'uk01', connection: 'nsUK' },
    { role: 'erp', capability: '*', legalEntity: '*', connection: 'nsUS' },
    { role: 'psa', connection: 'sf' },
  ]);

  it('routes by the first rule matching role, capability and legal entity', () => {
    assert.deepEqual(phased.problems, []);
    assert.equal(route(phased.rules, 'erp', 'upsert-customer', 'US01', lookup).rule.connection, 'nsUK', 'customer master cut over first');
    assert.equal(route(phased.rules, 'erp', 'create-billing-milestones', 'US01', lookup).rule.connection, 'nsUS', 'billing stays');
    assert.equal(route(phased.rules, 'erp', 'create-billing-milestones', 'UK01', lookup).rule.connection, 'nsUK', 'entity codes compare without case');
    assert.equal(route(phased.rules, 'erp', 'post-expenses', undefined, lookup).rule.index, 3, 'no entity: only "any" rules match');
    const psa = route(phased.rules, 'psa', 'upsert-project', undefined, lookup);
    assert.deepEqual([psa.system, psa.rule.connection], ['certinia', 'sf']);
  });

  it('says which rule to add when none matches', () => {
    assert.throws(
      () => route(phased.rules, 'crm', 'upsert-account', 'US01', lookup, 'the landscape "Q2C"'),
      (e: unknown) => isSyncError(e) && e.syncwright.class === 'data' && e.syncwright.code === 'NO_ROUTE' && /the landscape "Q2C" has no rule for crm upsert-account with legal entity US01/.test(e.message),
    );
  });

  it('names the rule of every shape problem', () => {
    const bad = parseRules([
      { role: 'billing', connection: 'nsUS' },
      { role: 'erp', capability: 'upsert-opportunity', connection: 'nsUS' },
      { role: 'erp', legalEntity: 'UK 01', connection: 'nsUS' },
      { role: 'crm', capability: 'upsert-account' },
    ]);
    assert.equal(bad.rules.length, 0);
    assert.match(bad.problems[0] ?? '', /^rule 1 \(billing · any · any\): the role "billing" must be crm, erp or psa/);
    assert.match(bad.problems[1] ?? '', /^rule 2 \(erp · upsert-opportunity · any\): erp has no capability "upsert-opportunity"/);
    assert.match(bad.problems[2] ?? '', /^rule 3 \(erp · any · UK 01\): the legal entity "UK 01" is not a code/);
    assert.match(bad.problems[3] ?? '', /^rule 4 \(crm · upsert-account · any\): choose the connection/);
  });

  it('warns about a rule that can never match', () => {
    const shadowed = parseRules([
      { role: 'erp', connection: 'nsUS' },
      { role: 'erp', legalEntity: 'UK01', connection: 'nsUK' },
    ]);
    assert.deepEqual(shadowed.problems, []);
    assert.match(shadowed.warnings[0] ?? '', /rule 2 \(erp · any · UK01\): never used, rule 1 \(erp · any · any\) above it already matches/);
  });

  it('checks at deploy that each connection is deployed and serves its role', () => {
    const { rules } = parseRules([
      { role: 'crm', connection: 'kt' },
      { role: 'erp', connection: 'gone' },
      { role: 'psa', connection: 'nsUS' },
      { role: 'psa', capability: 'read-approved-time', connection: 'kt', context: '{}' },
      { role: 'erp', legalEntity: 'UK01', connection: 'nsUK', context: '{"subsidiaries": []}' },
    ]);
    const problems = checkConnections(rules, lookup, (system) => (system === 'netsuite' ? undefined : 'a mapping context is only for NetSuite connections'));
    assert.deepEqual(problems, [
      'rule 1 (crm · any · any): "Kantata" is a kantata-connection, which cannot serve crm: choose a Salesforce connection',
      'rule 2 (erp · any · any): the connection gone is not deployed (deleted, disabled, or not in this flow file)',
      'rule 3 (psa · any · any): "NetSuite US" is a netsuite-connection, which cannot serve psa: choose a Kantata connection, or a Salesforce connection (Certinia PSA)',
      'rule 4 (psa · read-approved-time · any): a mapping context is only for NetSuite connections',
    ]);
  });
});

describe('where the legal entity of a request is read', () => {
  const cap = (role: 'crm' | 'erp' | 'psa', name: string) => {
    const c = capabilityOf(role, name);
    if (!c) throw new Error(name);
    return c;
  };

  it('takes the payload\'s own legal entity first, then msg.sync.legalEntity', () => {
    const customer = parseInput(cap('erp', 'upsert-customer'), { businessKey: 'acct:A', name: 'A', legalEntity: { code: 'UK01' } });
    assert.deepEqual(legalEntityOf(customer, { legalEntity: 'US01' }), { code: 'UK01', from: 'payload' });
    const milestone = parseInput(cap('erp', 'create-billing-milestones'), [{ businessKey: 'ms:1', project: { businessKey: 'proj:1' }, kind: 'milestone', name: 'M', amount: { amount: '1.00', currency: 'GBP' } }]);
    assert.deepEqual(legalEntityOf(milestone, { legalEntity: 'UK01' }), { code: 'UK01', from: 'sync' });
    assert.equal(legalEntityOf(milestone, {}), undefined);
    const plan = parseInput(cap('erp', 'create-billing-milestones'), { project: { businessKey: 'proj:1', name: 'P', account: { businessKey: 'acct:1' }, status: 'active', startDate: '2026-01-01', billingType: 'milestone', currency: 'GBP', legalEntity: { code: 'UK01' } }, milestones: [] });
    assert.deepEqual(legalEntityOf(plan, undefined), { code: 'UK01', from: 'payload' });
  });

  it('reads an entity given as a code or embedded in an opportunity in the request shapes', () => {
    const status = parseInput(cap('crm', 'update-opportunity-status'), { opportunity: { businessKey: 'opp:1', legalEntity: { code: 'UK01' } }, status: 'completed' });
    assert.equal(legalEntityOf(status, undefined)?.code, 'UK01');
    const metrics = parseInput(cap('crm', 'write-delivery-metrics'), { opportunity: { businessKey: 'opp:1' }, actualHours: 1, actualCost: '10.00', marginPercent: 5, legalEntity: 'US01' });
    assert.equal(legalEntityOf(metrics, undefined)?.code, 'US01');
  });
});

describe('role payloads', () => {
  const cap = (role: 'crm' | 'erp' | 'psa', name: string) => capabilityOf(role, name) as NonNullable<ReturnType<typeof capabilityOf>>;
  const error = (fn: () => unknown): { message: string; fields?: string[]; code: string } => {
    try {
      fn();
    } catch (e) {
      if (isSyncError(e)) return { message: e.message, code: e.syncwright.code, ...(e.syncwright.fields ? { fields: e.syncwright.fields } : {}) };
      throw e;
    }
    throw new Error('no error');
  };

  it('names the field of a canonical object that is not valid, with its position in a list', () => {
    const e = error(() => parseInput(cap('psa', 'create-milestones'), [{ businessKey: 'ms:1', project: { businessKey: 'p' }, kind: 'milestone', name: 'A', amount: { amount: '1.00', currency: 'USD' } }, { businessKey: 'ms:2', project: { businessKey: 'p' }, kind: 'milestone', name: 'B' }]));
    assert.deepEqual(e.fields, ['payload[1].amount']);
    assert.match(e.message, /payload\[1\]\.amount a billable milestone needs an amount/);
  });

  it('names the field of a request shape, and an unknown sync status', () => {
    assert.deepEqual(error(() => parseInput(cap('crm', 'update-opportunity-status'), { status: 'Done' })).fields, ['payload.status']);
    assert.match(error(() => parseInput(cap('crm', 'update-opportunity-status'), { status: 'Done' })).message, /is "Done", not one of Pending, In Progress, Completed, Failed, Compensated, Needs Remediation/);
    assert.deepEqual(error(() => parseInput(cap('crm', 'write-delivery-metrics'), { opportunity: { businessKey: 'opp:1' }, actualHours: -1, actualCost: '1', marginPercent: 1 })).fields, ['payload.actualHours']);
    assert.deepEqual(error(() => parseInput(cap('psa', 'read-approved-time'), { to: '2026-01-01' })).fields, ['payload.project']);
    assert.deepEqual(error(() => parseInput(cap('crm', 'write-billing-status'), { businessKey: 'x' })).code, 'SCHEMA_MISMATCH');
    assert.deepEqual(error(() => parseInput(cap('erp', 'read-invoice'), {})).fields, ['payload']);
  });

  it('reads a string as a business key, or as an id when it looks like one', () => {
    const ref = (v: unknown) => parseInput(cap('erp', 'read-invoice'), v);
    assert.deepEqual(ref('inv:INV-1001'), { input: 'record-ref', value: { businessKey: 'inv:INV-1001' } });
    assert.deepEqual(ref('301'), { input: 'record-ref', value: { id: '301' } });
    assert.deepEqual(ref('006000000000001AAA'), { input: 'record-ref', value: { id: '006000000000001AAA' } });
  });
});

describe('role node editors', () => {
  const root = resolve(__dirname, '../../..');
  const optionsOf = (html: string) => [...html.matchAll(/<option value="([a-z-]+)">/g)].map((m) => m[1]);

  it('offer exactly the catalogue\'s capabilities, in the landscape and in each role node', () => {
    const landscape = readFileSync(resolve(root, 'nodes/landscape/landscape.html'), 'utf8');
    const block = /var CAPABILITIES = (\{[\s\S]*?\});/.exec(landscape)?.[1] ?? '';
    const listed = JSON.parse(block.replace(/(\w+):/g, '"$1":').replace(/'/g, '"')) as Record<string, string[]>;
    for (const role of ROLES) {
      const names = CAPABILITIES[role].map((c) => c.name);
      assert.deepEqual(listed[role], names, `landscape.html ${role}`);
      const html = readFileSync(resolve(root, `nodes/${role}/${role}.html`), 'utf8');
      assert.deepEqual(optionsOf(html.slice(html.indexOf('node-input-capability'))).filter((o) => names.includes(o ?? '')), names, `${role}.html`);
      assert.equal(optionsOf(html.slice(html.indexOf('node-input-capability'), html.indexOf('node-input-input"'))).length, names.length, `${role}.html lists nothing else`);
    }
  });
});
