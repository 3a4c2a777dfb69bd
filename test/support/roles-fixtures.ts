// The quote-to-cash landscape the role node tests run against: a Salesforce org (CRM and Certinia PSA), a US
// NetSuite account, a second NetSuite account for the UK entity, and Kantata — each a sandbox — with the
// connection config nodes that point at them, landscapes routing between them, and canonical test objects.
import { startKantataSandbox, type KantataSandbox } from '../../sandbox/kantata/index.js';
import { startNetSuiteSandbox, type NetSuiteSandbox } from '../../sandbox/netsuite/index.js';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.js';
import { testFlow, type helper as testHelper } from './helper.js';

export interface Sandboxes {
  sf: SalesforceSandbox;
  nsUS: NetSuiteSandbox;
  nsUK: NetSuiteSandbox;
  kt: KantataSandbox;
  close(): Promise<void>;
}

export async function startSandboxes(): Promise<Sandboxes> {
  const [sf, nsUS, nsUK, kt] = await Promise.all([
    startSalesforceSandbox({ seedData: true }),
    startNetSuiteSandbox({ seedData: true }),
    startNetSuiteSandbox({ seedData: true, accountId: '7654321_SB2' }),
    startKantataSandbox({ seedData: true }),
  ]);
  return {
    sf,
    nsUS,
    nsUK,
    kt,
    close: async () => {
      await Promise.all([sf.close(), nsUS.close(), nsUK.close(), kt.close()]);
    },
  };
}

export type FlowNode = Record<string, unknown> & { id: string; type: string };

const limits = { requestsPerSecond: '', concurrency: '', dailyBudget: '', dailyHeadroomPercent: '10', maintenance: '' };

/** The connection config nodes (ids sf, nsUS, nsUK, kt) and their credentials, for the helper or a flow file. */
export function connections(s: Sandboxes): { nodes: FlowNode[]; credentials: Record<string, Record<string, string>> } {
  const netsuite = (id: string, name: string, ns: NetSuiteSandbox): FlowNode => ({ id, type: 'syncwright-netsuite-connection', name, accountId: ns.accountId, baseUrl: ns.restUrl, authType: 'tba', clientId: '', certificateId: '', algorithm: 'auto', timeout: '30', ...limits, concurrency: '5' });
  return {
    nodes: [
      { id: 'sf', type: 'syncwright-salesforce-connection', name: 'Salesforce', loginUrl: s.sf.url, instanceUrl: '', apiVersion: '62.0', authType: 'jwt', consumerKey: s.sf.demo.consumerKey, username: s.sf.demo.username, timeout: '30', corporateCurrency: 'USD', multiCurrency: true, ...limits },
      netsuite('nsUS', 'NetSuite US', s.nsUS),
      netsuite('nsUK', 'NetSuite UK', s.nsUK),
      { id: 'kt', type: 'syncwright-kantata-connection', name: 'Kantata', baseUrl: s.kt.demo.baseUrl, timeoutSeconds: '30', ...limits },
    ],
    credentials: {
      sf: { privateKey: s.sf.demo.privateKeyPem as string },
      nsUS: { ...s.nsUS.demo.tba },
      nsUK: { ...s.nsUK.demo.tba },
      kt: { token: s.kt.demo.token },
    },
  };
}

export interface Rule {
  role: string;
  capability?: string;
  legalEntity?: string;
  connection: string;
  context?: string;
}

export function landscape(id: string, name: string, rules: Rule[]): FlowNode {
  return { id, type: 'syncwright-landscape', name, rules: rules.map((r) => ({ capability: '*', legalEntity: '*', context: '', ...r })) };
}

/** CRM on Salesforce, ERP on NetSuite US with UK01 routed to NetSuite UK, PSA on Kantata. */
export const kantataRules: Rule[] = [
  { role: 'crm', connection: 'sf' },
  { role: 'erp', legalEntity: 'UK01', connection: 'nsUK' },
  { role: 'erp', connection: 'nsUS' },
  { role: 'psa', connection: 'kt' },
];

/** The same, with PSA on Certinia (the Salesforce org). */
export const certiniaRules: Rule[] = [
  { role: 'crm', connection: 'sf' },
  { role: 'erp', legalEntity: 'UK01', connection: 'nsUK' },
  { role: 'erp', connection: 'nsUS' },
  { role: 'psa', connection: 'sf' },
];

// ------------------------------------------------------------------------------------------ canonical objects

export function account(key: string, entity: 'US01' | 'UK01', name = `Customer ${key}`): Record<string, unknown> {
  return {
    businessKey: `acct:${key}`,
    name,
    type: 'customer',
    legalEntity: { code: entity },
    currency: entity === 'UK01' ? 'GBP' : 'USD',
    paymentTerms: { code: 'NET30', days: 30 },
  };
}

export function project(key: string, accountKey: string, currency: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    businessKey: `proj:${key}`,
    name: `Project ${key}`,
    account: { businessKey: `acct:${accountKey}` },
    status: 'active',
    startDate: '2026-04-01',
    endDate: '2026-09-30',
    billingType: 'milestone',
    currency,
    ...extra,
  };
}

export function milestones(projectKey: string, currency: string): Array<Record<string, unknown>> {
  return [
    { businessKey: `ms:${projectKey}:DESIGN`, project: { businessKey: `proj:${projectKey}` }, kind: 'milestone', name: 'Design sign-off', dueDate: '2026-05-29', amount: { amount: '40000.00', currency } },
    { businessKey: `ms:${projectKey}:GOLIVE`, project: { businessKey: `proj:${projectKey}` }, kind: 'milestone', name: 'Go-live', dueDate: '2026-09-30', amount: { amount: '60000.00', currency } },
  ];
}

// ----------------------------------------------------------------------------------- the helper harness

export type RoleMsg = Record<string, unknown> & { payload?: unknown; sync?: Record<string, unknown>; results?: Array<Record<string, unknown>>; error?: { message: string } };

export async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function roleNode(id: string, type: 'crm' | 'erp' | 'psa', capability: string, wires: string[] = ['out'], extra: Record<string, unknown> = {}): FlowNode {
  return { id, type: `syncwright-${type}`, z: 'f', name: '', landscape: 'land', capability, input: 'payload', inputType: 'msg', syncStatus: '', wires: [wires], ...extra };
}

/** Loads flows with the sandboxes' connections and a landscape into the test helper, and sends messages through them. */
export function roleHarness(helper: typeof testHelper, sandboxes: () => Sandboxes, nodeModules: unknown[]) {
  let got: Record<string, RoleMsg[]> = {};
  const base: FlowNode[] = [
    { id: 'f', type: 'tab' },
    { id: 'out', type: 'helper', z: 'f' },
    { id: 'catch', type: 'catch', z: 'f', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'f' },
  ];
  const counts = () => ({ out: got['out']?.length ?? 0, caught: got['caught']?.length ?? 0 });
  const next = async (id: string, msg: Record<string, unknown>): Promise<{ out?: RoleMsg; caught?: RoleMsg }> => {
    const before = counts();
    helper.getNode(id).receive(msg);
    await until('an outcome', () => counts().out > before.out || counts().caught > before.caught);
    const caught = got['caught']?.[before.caught];
    const out = got['out']?.[before.out];
    return { ...(out ? { out } : {}), ...(caught ? { caught } : {}) };
  };
  return {
    /** `connectionSettings` overrides fields of the connection nodes by id (e.g. their limits). */
    async load(rules: Rule[], flow: FlowNode[], connectionSettings: Record<string, Record<string, unknown>> = {}): Promise<void> {
      const c = connections(sandboxes());
      const nodes = c.nodes.map((n) => ({ ...n, ...connectionSettings[n.id] }));
      await helper.load(nodeModules as never, testFlow([...base, ...nodes, landscape('land', 'Q2C', rules), ...flow]), c.credentials);
      got = {};
      for (const id of ['out', 'caught']) {
        const list: RoleMsg[] = [];
        got[id] = list;
        helper.getNode(id).on('input', (m: RoleMsg) => list.push(m));
      }
    },
    /** Sends a message and returns what came out; a failure throws with its message. */
    async send(id: string, msg: Record<string, unknown>): Promise<RoleMsg> {
      const r = await next(id, msg);
      if (r.caught) throw new Error(`failed: ${r.caught.error?.message ?? JSON.stringify(r.caught.sync?.['error'])}`);
      return r.out as RoleMsg;
    },
    /** Sends a message that must fail; returns what the Catch node got. */
    async fail(id: string, msg: Record<string, unknown>): Promise<RoleMsg> {
      const r = await next(id, msg);
      if (!r.caught) throw new Error(`expected a failure, got ${JSON.stringify(r.out?.payload)}`);
      return r.caught;
    },
    /** The node's last status (the helper's spy is shared by all nodes: calls are told apart by `this`). */
    statusOf(id: string): { fill?: string; text?: string } {
      const node = helper.getNode(id) as unknown as { status: { args?: unknown[][]; thisValues?: unknown[] } };
      const calls = (node.status.args ?? []).filter((_, i) => node.status.thisValues?.[i] === node);
      return (calls[calls.length - 1]?.[0] ?? {});
    },
  };
}

/** `msg.sync.results[key]` of an output message. */
export function resultOf(msg: RoleMsg, key: string): Record<string, unknown> {
  const results = msg.sync?.['results'] as Record<string, Record<string, unknown>> | undefined;
  const r = results?.[key];
  if (!r) throw new Error(`no ${key} in msg.sync.results (${Object.keys(results ?? {}).join(', ')})`);
  return r;
}

export function errorOf(msg: RoleMsg): Record<string, unknown> {
  return (msg.sync?.['error'] ?? {}) as Record<string, unknown>;
}
