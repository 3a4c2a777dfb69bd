// The core Node-RED way, for the side-by-side figures: an http in endpoint that answers at once, a delay node
// in rate-limit mode holding the backlog in memory, and the core http request node; optionally a hand-wired
// retry (Catch → delay → back into the http request node), as integration teams build it.
import type { FlowNode } from '../test/support/node-red-process.js';

export interface CoreFlowOptions {
  netsuiteRest: string;
  /** Messages per second released by the delay node. */
  rate: number;
  /** PUT eid: (an upsert) or POST create (what a naive flow does). */
  write: 'put-eid' | 'post-create';
  /** Hand-wired retry of failed requests, up to this many times. */
  retries?: number;
}

export function coreFlow(o: CoreFlowOptions): FlowNode[] {
  const z = 'core';
  const pos = (x: number, y: number) => ({ z, x, y });
  const request =
    o.write === 'put-eid'
      ? `msg.method = "PUT"; msg.url = "${o.netsuiteRest}/record/v1/customer/eid:" + encodeURIComponent(msg.key);`
      : `msg.method = "POST"; msg.url = "${o.netsuiteRest}/record/v1/customer";`;
  return [
    { id: z, type: 'tab', label: 'Core Node-RED' },
    { id: 'core.in', type: 'http in', ...pos(100, 100), name: 'intake', url: '/intake', method: 'post', upload: false, swaggerDoc: '', wires: [['core.ack', 'core.prep']] },
    { id: 'core.ack', type: 'function', ...pos(250, 60), name: '202', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], func: 'msg.statusCode = 202; msg.payload = { accepted: true }; return msg;', wires: [['core.out']] },
    { id: 'core.out', type: 'http response', ...pos(400, 60), name: '', statusCode: '', headers: {} },
    { id: 'core.prep', type: 'function', ...pos(250, 140), name: 'prepare', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], func: 'const b = msg.payload || {}; return { key: b.key, body: { companyName: b.name, subsidiary: { id: "2" } }, retries: 0 };', wires: [['core.delay']] },
    { id: 'core.delay', type: 'delay', ...pos(400, 140), name: 'rate limit', pauseType: 'rate', timeout: '5', timeoutUnits: 'seconds', rate: String(o.rate), nbRateUnits: '1', rateUnits: 'second', randomFirst: '1', randomLast: '5', randomUnits: 'seconds', drop: false, allowrate: false, outputs: 1, wires: [['core.req']] },
    { id: 'core.req', type: 'function', ...pos(550, 140), name: 'request', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], func: `${request} msg.payload = msg.body; msg.headers = { authorization: "Bearer " + env.get("NS_TOKEN"), "content-type": "application/json" }; return msg;`, wires: [['core.http']] },
    { id: 'core.http', type: 'http request', ...pos(700, 140), name: 'NetSuite', method: 'use', ret: 'txt', paytoqs: 'ignore', url: '', tls: '', persist: true, proxy: '', insecureHTTPParser: false, authType: '', senderr: false, headers: [], wires: [['core.result']] },
    { id: 'core.result', type: 'function', ...pos(850, 140), name: 'result', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], func: 'return null;', wires: [[]] },
    ...(o.retries
      ? [
          { id: 'core.catch', type: 'catch', ...pos(550, 220), name: 'request failed', scope: ['core.http'], uncaught: false, wires: [['core.retry']] },
          { id: 'core.retry', type: 'function', ...pos(700, 220), name: 'retry?', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [], func: `msg.retries = (msg.retries || 0) + 1; return msg.retries <= ${o.retries} ? msg : null;`, wires: [['core.wait']] },
          { id: 'core.wait', type: 'delay', ...pos(850, 220), name: 'back off', pauseType: 'delay', timeout: '200', timeoutUnits: 'milliseconds', rate: '1', nbRateUnits: '1', rateUnits: 'second', randomFirst: '1', randomLast: '5', randomUnits: 'seconds', drop: false, allowrate: false, outputs: 1, wires: [['core.req']] },
        ]
      : []),
  ];
}
