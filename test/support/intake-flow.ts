// A realistic reliability flow built from Syncwright and core nodes, used by the integration tests and the
// benchmarks: an HTTP intake endpoint that answers 202 only once a message is durably accepted, the
// idempotency guard, a store-forward in front of NetSuite, and delivery through Node-RED's core http
// request node with the outcome wired back (and a Catch node for its errors).
import type { FlowNode } from './node-red-process.js';

export interface IntakeFlowOptions {
  /** NetSuite REST base, e.g. http://127.0.0.1:1234/services/rest */
  netsuiteRest: string;
  requestsPerSecond?: number;
  concurrency?: number;
  maxInFlight?: number;
  maintenance?: string;
  maximumRedeliveries?: number;
  redeliveryDelaySeconds?: number;
  queueName?: string;
}

export function intakeFlow(o: IntakeFlowOptions): FlowNode[] {
  const z = 'sw.rel';
  const pos = (x: number, y: number) => ({ z, x, y });
  return [
    { id: z, type: 'tab', label: 'Reliability' },
    { id: 'sw.rel.target', type: 'syncwright-target', name: 'NetSuite', requestsPerSecond: o.requestsPerSecond ? String(o.requestsPerSecond) : '', concurrency: o.concurrency ? String(o.concurrency) : '', dailyBudget: '', dailyHeadroomPercent: '10', maintenance: o.maintenance ?? '' },
    { id: 'sw.rel.in', type: 'http in', ...pos(100, 100), name: 'intake', url: '/intake', method: 'post', upload: false, swaggerDoc: '', wires: [['sw.rel.toMsg']] },
    {
      id: 'sw.rel.toMsg', type: 'function', ...pos(250, 100), name: 'to customer', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [],
      func: [
        'const b = msg.payload || {};',
        'msg.sync = { correlationId: b.correlationId || RED.util.generateId(), businessKey: b.key, occurredAt: new Date().toISOString() };',
        'msg.payload = { companyName: b.name, subsidiary: { id: "2" } };',
        'if (b.big) msg.payload.comments = "x".repeat(6 * 1024 * 1024);',
        'if (b.unserialisable) msg.payload.hook = function () {};',
        'return msg;',
      ].join('\n'),
      wires: [['sw.rel.idem']],
    },
    { id: 'sw.rel.idem', type: 'syncwright-idempotency', ...pos(400, 100), name: '', version: 1, key: 'sync.businessKey', keyType: 'msg', scope: 'reliability', fingerprint: 'payload', fingerprintType: 'msg', onFingerprintChange: 'new-version', whenInFlight: 'route', holdTimeout: '30', lease: '300', retention: '30', removeOnFailure: true, wires: [['sw.rel.sf'], ['sw.rel.accepted'], ['sw.rel.accepted'], ['sw.rel.accepted']] },
    { id: 'sw.rel.sf', type: 'syncwright-store-forward', ...pos(560, 100), name: 'to NetSuite', version: 1, queueName: o.queueName ?? 'netsuite-customers', target: 'sw.rel.target', maxInFlight: String(o.maxInFlight ?? 5), key: 'sync.businessKey', keyType: 'msg', orderByKey: true, lane: '', laneType: 'msg', lanes: '', maximumRedeliveries: String(o.maximumRedeliveries ?? 8), redeliveryDelay: String(o.redeliveryDelaySeconds ?? 0.2), backOffMultiplier: '2', maximumRedeliveryDelay: '5', jitter: '20', ackTimeout: '30', batchSize: '1', wires: [['sw.rel.req'], []] },
    {
      id: 'sw.rel.req', type: 'function', ...pos(720, 100), name: 'PUT eid:', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [],
      func: [
        'msg.method = "PUT";',
        `msg.url = "${o.netsuiteRest}/record/v1/customer/eid:" + encodeURIComponent(msg.sync.businessKey);`,
        'msg.headers = { authorization: "Bearer " + env.get("NS_TOKEN"), "content-type": "application/json" };',
        'return msg;',
      ].join('\n'),
      wires: [['sw.rel.http']],
    },
    { id: 'sw.rel.http', type: 'http request', ...pos(870, 100), name: 'NetSuite', method: 'use', ret: 'txt', paytoqs: 'ignore', url: '', tls: '', persist: true, proxy: '', insecureHTTPParser: false, authType: '', senderr: false, headers: [], wires: [['sw.rel.sf']] },
    { id: 'sw.rel.catchHttp', type: 'catch', ...pos(720, 180), name: 'delivery errors', scope: ['sw.rel.req', 'sw.rel.http'], uncaught: false, wires: [['sw.rel.sf']] },
    { id: 'sw.rel.done', type: 'complete', ...pos(400, 240), name: 'accepted', scope: ['sw.rel.sf'], uncaught: false, wires: [['sw.rel.accepted']] },
    {
      id: 'sw.rel.accepted', type: 'function', ...pos(560, 240), name: '202', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [],
      func: ['if (!msg.res) return null;', 'msg.statusCode = 202;', 'msg.payload = { accepted: true, correlationId: msg.sync && msg.sync.correlationId, idempotency: msg.idempotency && msg.idempotency.status };', 'return msg;'].join('\n'),
      wires: [['sw.rel.out']],
    },
    { id: 'sw.rel.catchIntake', type: 'catch', ...pos(400, 300), name: 'intake errors', scope: ['sw.rel.toMsg', 'sw.rel.idem', 'sw.rel.sf'], uncaught: false, wires: [['sw.rel.rejected']] },
    {
      id: 'sw.rel.rejected', type: 'function', ...pos(560, 300), name: '400', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [],
      func: ['if (!msg.res) return null;', 'msg.statusCode = 400;', 'msg.payload = { accepted: false, error: msg.error && msg.error.message, class: msg.sync && msg.sync.error && msg.sync.error.class };', 'return msg;'].join('\n'),
      wires: [['sw.rel.out']],
    },
    { id: 'sw.rel.out', type: 'http response', ...pos(720, 270), name: '', statusCode: '', headers: {} },
    { id: 'sw.rel.dlq', type: 'syncwright-dead-letter', ...pos(100, 360), name: 'dead letters', queue: '', errorClass: '', wires: [[]] },
  ];
}
