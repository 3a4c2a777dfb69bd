// syncwright-delivery-rollup: rolls approved time and expenses up per project (hours, billable share, cost, margin)
// for the CRM and analytics. A durable ledger in the engine's store holds each entry's contribution by its business
// key — an entry read again replaces itself, so nothing is counted twice — with the read watermark of the runs;
// the changed projects' figures leave through an outbox written in the same durable batch.
import { randomUUID } from 'node:crypto';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { createEnvelope } from '../../canonical/index.js';
import { useEngine } from '../../runtime-plugins/engine-access.js';
import type { Engine } from '../../runtime-plugins/engine/engine.js';
import type { DeliveryQueue, OutgoingDelivery } from '../../runtime-plugins/engine/queue.js';
import { prefixEnd, type WriteOp } from '../../runtime-plugins/engine/store.js';
import { failMessage } from '../../runtime-plugins/red/errors.js';
import { migrateConfig } from '../../runtime-plugins/red/migrations.js';
import { brief, status } from '../../runtime-plugins/red/status.js';
import { SyncError } from '../../runtime-plugins/sync-error.js';
import { figuresOf, mergeProject, parseEntry, projectRefOfKey, totalsOf, type Contribution, type Parsed, type ProjectRef, type Totals } from './rollup.js';

const CONFIG_VERSION = 1;
const EPOCH = '1970-01-01T00:00:00.000Z';

interface RollupConfig extends NodeDef {
  version?: number;
  ledger: string;
  overlap: string;
}

interface StoredProject {
  project: ProjectRef;
  totals: Totals;
}

type Msg = NodeMessageInFlow & { rollup?: unknown; sync?: Record<string, unknown> };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const enc = (s: string): string => encodeURIComponent(s);

export = function register(RED: NodeAPI): void {
  function DeliveryRollupNode(this: Node, raw: RollupConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = migrateConfig<RollupConfig>(raw, [], CONFIG_VERSION);
    const ledger = (config.ledger || '').trim() || node.id;
    const overlapSeconds = config.overlap === undefined || String(config.overlap).trim() === '' ? 300 : Number(config.overlap);
    if (!/^[^/]{1,100}$/.test(ledger) || !Number.isFinite(overlapSeconds) || overlapSeconds < 0) {
      const problem = !/^[^/]{1,100}$/.test(ledger) ? `ledger "${ledger}" must be 1-100 characters without /` : `overlap "${config.overlap}" must be a number of seconds, at least 0`;
      node.status(status.failing(brief(problem)));
      node.error(`Invalid configuration: ${problem}`);
      node.on('input', (msg, _send, done) => failMessage(msg, new SyncError(`invalid configuration: ${problem}`, { class: 'data', code: 'INVALID_NODE_SETTING', retryable: false, target: 'delivery-rollup' }), done));
      return;
    }
    const prefix = `delivery-rollup/${ledger}/`;
    const watermarkKey = `${prefix}watermark`;
    let outbox: DeliveryQueue | undefined;
    let closed = false;
    // One run at a time: each reads the ledger, then writes it.
    let chain: Promise<void> = Promise.resolve();

    const ready = useEngine(RED, node).then(async (e: Engine) => {
      const q = await e.queue(`delivery-rollup:${ledger}`, { maxInFlight: 100, orderByKey: false, ackTimeoutMs: 60_000 });
      if (closed) return e;
      outbox = q;
      q.attach((d: OutgoingDelivery) => {
        for (const m of d.messages) node.send([null, m]);
        q.settle(d.token.id, d.messages.map(() => ({ ok: true }))).catch((err: unknown) => node.error(`settling the rollup outbox failed: ${String(err)}`));
      });
      const watermark = await e.store.get<string>(watermarkKey);
      node.status(status.idle(watermark ? `read up to ${watermark.slice(0, 19).replace('T', ' ')}` : 'no run yet'));
      return e;
    });
    ready.catch((err: unknown) => {
      node.status(status.failing('engine unavailable'));
      node.error(`Syncwright engine unavailable: ${err instanceof Error ? err.message : String(err)}`);
    });

    /** A run starts: the window to read, from the watermark (less the overlap) to now. */
    const start = async (msg: Msg): Promise<void> => {
      const e = await ready;
      const watermark = await e.store.get<string>(watermarkKey);
      const since = watermark === undefined ? EPOCH : new Date(Math.max(0, Date.parse(watermark) - overlapSeconds * 1000)).toISOString();
      const run = { run: randomUUID(), since, until: new Date().toISOString(), query: { modifiedSince: since } };
      msg.payload = { modifiedSince: since };
      msg.rollup = run;
      msg.sync = createEnvelope({ businessKey: `delivery-rollup:${ledger}`, correlationId: run.run });
      node.send([msg, null]);
    };

    const contributionKey = (projectKey: string, entryKey: string): string => `${prefix}entry/${enc(projectKey)}/${enc(entryKey)}`;

    /**
     * Entries came back: each stored by its key under its project, the touched projects added up, the changed ones
     * sent, all in one durable write. An entry counted before under an earlier key of its project (its PSA project's
     * id arrived after its first reading), or no longer approved, is taken back from there, and that project sent
     * with its new figures. Entries of two projects may share a business key (two ERP accounts number their records
     * alike): each counts in its own project.
     */
    const apply = async (msg: Msg, entries: unknown[]): Promise<void> => {
      const e = await ready;
      const q = outbox;
      if (!q) throw new SyncError('the rollup outbox is not open (Node-RED is stopping)', { class: 'transient', code: 'NOT_READY', retryable: true, target: 'delivery-rollup' });
      const touched = new Map<string, { project: ProjectRef | undefined; put: Map<string, Contribution>; del: Set<string> }>();
      const touch = (projectKey: string) => {
        let t = touched.get(projectKey);
        if (!t) touched.set(projectKey, (t = { project: undefined, put: new Map(), del: new Set() }));
        return t;
      };
      // Where an entry may have counted before: [project key, entry key], looked up together below.
      const earlier: Array<[string, string]> = [];
      const readings = new Map<string, Parsed>();
      const skipped: string[] = [];
      for (const entry of entries) {
        const p = parseEntry(entry);
        if ('skip' in p) {
          skipped.push(p.skip);
          if (p.retract) {
            for (const k of p.retract.projectKeys) {
              touch(k).put.delete(contributionKey(k, p.retract.entryKey));
              earlier.push([k, p.retract.entryKey]);
            }
          }
          continue;
        }
        // A reading of the entry under an earlier key of the project it was already read under in this batch is
        // the older one, whatever its place: the newer one counts.
        const before = readings.get(p.entryKey);
        if (before !== undefined && before.earlierKeys.includes(p.projectKey)) continue;
        readings.set(p.entryKey, p);
        const t = touch(p.projectKey);
        t.project = t.project === undefined ? p.project : mergeProject(t.project, p.project);
        t.put.set(contributionKey(p.projectKey, p.entryKey), p.contribution);
        for (const k of p.earlierKeys) {
          touch(k).put.delete(contributionKey(k, p.entryKey));
          earlier.push([k, p.entryKey]);
        }
      }
      const found = await e.store.getMany<Contribution>(earlier.map(([k, entryKey]) => contributionKey(k, entryKey)));
      let retracted = 0;
      earlier.forEach(([k, entryKey], i) => {
        const key = contributionKey(k, entryKey);
        const t = touch(k);
        if (found[i] === undefined || t.put.has(key) || t.del.has(key)) return;
        t.del.add(key);
        retracted += 1;
      });
      const ops: WriteOp[] = [];
      const items: Array<{ msg: Record<string, unknown>; key: string; correlationId: string; businessKey: string }> = [];
      const asOf = new Date().toISOString();
      for (const [projectKey, t] of touched) {
        if (t.put.size === 0 && t.del.size === 0) continue;
        const base = `${prefix}entry/${enc(projectKey)}/`;
        const all = new Map<string, Contribution>();
        for await (const [key, c] of e.store.scan<Contribution>({ gte: base, lt: prefixEnd(base) })) all.set(key, c);
        for (const key of t.del) {
          all.delete(key);
          ops.push({ type: 'del', key });
        }
        for (const [key, c] of t.put) {
          all.set(key, c);
          ops.push({ type: 'put', key, value: c });
        }
        const stored = await e.store.get<StoredProject>(`${prefix}project/${enc(projectKey)}`);
        const project = t.project !== undefined ? mergeProject(stored?.project, t.project) : (stored?.project ?? projectRefOfKey(projectKey));
        const totals = totalsOf(all.values());
        if ('currencies' in totals) {
          node.error(`project ${projectKey} has entries in ${totals.currencies.join(' and ')}: its figures are not added up (convert them in the source, or keep one currency a project)`, { ...msg, payload: { project, currencies: totals.currencies } });
          continue;
        }
        ops.push({ type: 'put', key: `${prefix}project/${enc(projectKey)}`, value: { project, totals } satisfies StoredProject });
        if (stored !== undefined && JSON.stringify(stored.totals) === JSON.stringify(totals) && JSON.stringify(stored.project) === JSON.stringify(project)) continue;
        const f = figuresOf(totals);
        // What crm write-delivery-metrics takes; the Opportunity is the one holding the PSA project's id.
        const payload = { project, actualHours: f.hours, actualCost: f.currency === undefined ? f.cost : { amount: f.cost, currency: f.currency }, marginPercent: f.marginPercent, ...(f.currency !== undefined ? { currency: f.currency } : {}) };
        const sync = createEnvelope({ businessKey: `project:${projectKey}` });
        const rollup = { project: projectKey, ...f, timeEntries: totals.timeEntries, expenses: totals.expenses, withoutCostRate: totals.withoutCostRate, asOf };
        items.push({ msg: { topic: 'delivery-rollup', payload, rollup, sync }, key: projectKey, correlationId: sync.correlationId, businessKey: sync.businessKey });
      }
      const run = isRecord(msg.rollup) ? msg.rollup : undefined;
      const until = typeof run?.['until'] === 'string' && Number.isFinite(Date.parse(run['until'])) ? run['until'] : undefined;
      if (until !== undefined) {
        const current = await e.store.get<string>(watermarkKey);
        if (current === undefined || current < until) ops.push({ type: 'put', key: watermarkKey, value: until });
      }
      if (items.length > 0) await q.enqueueBatch(items, ops);
      else if (ops.length > 0) await e.store.write(ops, 'durable');
      if (skipped.length > 0) node.warn(`${skipped.length} entr${skipped.length === 1 ? 'y does' : 'ies do'} not count: ${skipped.slice(0, 3).join('; ')}${skipped.length > 3 ? ' …' : ''}`);
      const counts = `${entries.length - skipped.length} entries${retracted > 0 ? ` · ${retracted} taken back` : ''}`;
      node.status(status.working(brief(`${new Date().toTimeString().slice(0, 8)} · ${counts} · ${items.length} project${items.length === 1 ? '' : 's'} changed`)));
    };

    node.on('input', (msgIn, _send, done) => {
      const msg = msgIn as Msg;
      const work = (): Promise<void> => (Array.isArray(msg.payload) ? apply(msg, msg.payload as unknown[]) : start(msg));
      const next = chain.then(work);
      chain = next.catch(() => undefined);
      next.then(
        () => done(),
        (err: unknown) => {
          const e = failMessage(msg, err, done, 'delivery-rollup');
          node.status(status.failing(brief(`${e.syncwright.class} ${e.syncwright.code}`)));
        },
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      outbox?.detach();
      done();
    });
  }

  RED.nodes.registerType('syncwright-delivery-rollup', DeliveryRollupNode);
};
