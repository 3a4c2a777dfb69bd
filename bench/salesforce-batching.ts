// Records per Salesforce call when a backlog builds up: store-forward (batch size 200) in front of the
// salesforce node's bulk upsert (sObject Collections), against the Salesforce sandbox, in a real Node-RED.
// The core way (http request per record) makes one call per record.
import { startSalesforceSandbox } from '../sandbox/salesforce/index.js';
import { NodeRedProcess, type FlowNode } from '../test/support/node-red-process.js';
import type { Benchmark, Figure } from './index.js';
import { round } from './stats.js';

function flows(loginUrl: string, clientId: string, clientSecret: string): FlowNode[] {
  const z = 'sfb';
  const pos = (x: number, y: number) => ({ z, x, y });
  return [
    { id: z, type: 'tab', label: 'Salesforce batching' },
    { id: 'sfb.conn', type: 'syncwright-salesforce-connection', name: 'sandbox', version: 1, loginUrl, instanceUrl: '', apiVersion: '62.0', authType: 'client-credentials', consumerKey: '', username: '', timeout: '60', corporateCurrency: 'USD', multiCurrency: true, requestsPerSecond: '', concurrency: '1', dailyBudget: '', dailyHeadroomPercent: '10', maintenance: '', credentials: { clientId, clientSecret } },
    { id: 'sfb.in', type: 'http in', ...pos(100, 100), name: '', url: '/accounts', method: 'post', upload: false, swaggerDoc: '', wires: [['sfb.split']] },
    { id: 'sfb.split', type: 'function', ...pos(250, 100), name: 'one message per account', outputs: 2, noerr: 0, initialize: '', finalize: '', libs: [], func: 'node.send([{ res: msg.res, req: msg.req, payload: { ok: true } }, null]); for (const a of msg.payload) node.send([null, { payload: a, sync: { correlationId: RED.util.generateId(), businessKey: a.Syncwright_Key__c, occurredAt: new Date().toISOString() } }]); return null;', wires: [['sfb.res'], ['sfb.sf']] },
    { id: 'sfb.sf', type: 'syncwright-store-forward', ...pos(420, 100), name: '', version: 1, queueName: 'sf-batching', target: '', maxInFlight: '1', key: 'sync.businessKey', keyType: 'msg', orderByKey: true, lane: '', laneType: 'msg', lanes: '', maximumRedeliveries: '5', redeliveryDelay: '1', backOffMultiplier: '2', maximumRedeliveryDelay: '60', jitter: '20', ackTimeout: '60', batchSize: '200', wires: [['sfb.bulk'], []] },
    { id: 'sfb.bulk', type: 'syncwright-salesforce', ...pos(600, 100), name: '', version: 1, connection: 'sfb.conn', operation: 'bulkUpsert', sobject: 'Account', externalIdField: 'Syncwright_Key__c', input: 'vendor', lineItems: 'replace', lookup: 'externalId', key: 'sync.businessKey', keyType: 'msg', allOrNone: false, query: '', wires: [['sfb.sf']] },
    { id: 'sfb.catch', type: 'catch', ...pos(600, 160), name: '', scope: ['sfb.bulk'], uncaught: false, wires: [['sfb.sf']] },
    { id: 'sfb.res', type: 'http response', ...pos(420, 40), name: '', statusCode: '', headers: {} },
  ];
}

export const salesforceBatchingBenchmark: Benchmark = {
  name: 'salesforce-batching',
  description: 'records per Salesforce call in a backlog: store-forward batch delivery + bulk upsert vs one call per record',
  async run(): Promise<Figure[]> {
    const sf = await startSalesforceSandbox({ seedData: true });
    const n = Number(process.env['BENCH_SF_RECORDS'] ?? 5000);
    try {
      const nr = await NodeRedProcess.start();
      try {
        // Deployed through the Admin API: the only way a flow brings its credentials along.
        await nr.deploy(flows(sf.demo.loginUrl, sf.demo.clientId, sf.demo.clientSecret));
        // A backlog: Salesforce is in a maintenance window while the accounts arrive, so they queue up.
        const window = sf.server.addFault({ kind: 'maintenance', path: '/composite/sobjects' });
        const accounts = Array.from({ length: n }, (_, i) => ({ Name: `Backlog ${i}`, Syncwright_Key__c: `acct:backlog-${i}` }));
        for (let i = 0; i < n; i += 500) {
          await fetch(`${nr.url}/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(accounts.slice(i, i + 500)) });
        }
        // Let the last of them reach the queue, then end the window.
        await new Promise((r) => setTimeout(r, 3000));
        sf.server.removeFault(window.id);
        const deadline = Date.now() + 120_000;
        const count = () => sf.records('Account').filter((a) => { const key = a['Syncwright_Key__c']; return typeof key === 'string' && key.startsWith('acct:backlog-'); }).length;
        while (count() < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        const calls = sf.server.getJournal({ path: '/composite/sobjects', method: 'PATCH' }).filter((e) => e.status === 200);
        const delivered = count();
        return [
          {
            figure: 'records per Salesforce call in a backlog',
            value: round(delivered / Math.max(1, calls.length), 1),
            unit: 'records per call',
            target: '≥ 190',
            meetsTarget: delivered / Math.max(1, calls.length) >= 190,
            note: `${delivered} of ${n} accounts in ${calls.length} successful sObject Collections calls (the backlog built up during a Salesforce maintenance window)`,
            baseline: { name: 'core: http request per record', value: 1, unit: 'records per call' },
          },
        ];
      } finally {
        await nr.dispose();
      }
    } finally {
      await sf.close();
    }
  },
};
