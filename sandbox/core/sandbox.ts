// The part every sandbox shares: HTTP serving, limits, fault injection, the request journal, create counts
// and the control API under /__sandbox/. A vendor supplies its routes and how its errors look on the wire.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { systemClock, type Clock } from './clock.js';
import { FaultBook, Limits, RateWindow, seededRandom, type ActiveFault, type FaultRuleInput } from './faults.js';
import { parseBody, readBody, Router, send, type SandboxRequest, type SandboxResponse } from './http.js';

export type LimitKind = 'rate' | 'concurrency' | 'daily';

/** What a vendor sandbox plugs into the shared server. */
export interface VendorAdapter {
  readonly name: string;
  readonly router: Router;
  /** The vendor's answer when a limit is exceeded. */
  limitResponse(kind: LimitKind, req: SandboxRequest, limits: Limits): SandboxResponse;
  /** The vendor's answer for an injected status fault (`maintenance` = a 503 maintenance window). */
  faultResponse(rule: ActiveFault, req: SandboxRequest): SandboxResponse;
  /** The vendor's answer for an unknown path (404) or a known path with another method (405). */
  notFoundResponse(req: SandboxRequest, methodMismatch: boolean): SandboxResponse;
  /** The vendor's answer for a body that is not valid JSON. */
  malformedBodyResponse(req: SandboxRequest, error: Error): SandboxResponse;
  /** The vendor's answer when a handler throws: never a stack trace. */
  internalErrorResponse(req: SandboxRequest, error: unknown): SandboxResponse;
  /** Adds headers every response carries (e.g. Sforce-Limit-Info). */
  decorate?(req: SandboxRequest, res: SandboxResponse): void;
  /** Makes every issued token invalid now. */
  expireTokens(): void;
  /** Clears all state (records, tokens). */
  reset(): void;
  /** Loads demo data. */
  seed(): void;
  /** Every record held, by type. */
  inspect(): Record<string, unknown[]>;
  /** Called with the request a 'expire-token' fault fires for. */
  expireTokenOf?(req: SandboxRequest): void;
}

export interface JournalEntry {
  id: number;
  at: string;
  method: string;
  path: string;
  query: string;
  status: number | 'reset' | 'lost';
  ms: number;
  fault?: string;
  principal?: string;
  body?: string;
}

export interface SandboxStats {
  total: number;
  byStatus: Record<string, number>;
  inFlight: number;
  peakConcurrency: number;
  /** Highest number of requests that arrived within any one second. */
  maxPerSecond: number;
  refusedByLimit: Record<LimitKind, number>;
  faultsFired: number;
  dailyUsed: number;
}

export interface SandboxOptions {
  port?: number;
  host?: string;
  clock?: Clock;
  limits?: Limits;
  /** Seed of the random source behind ratio faults. */
  seed?: number;
  journalSize?: number;
  /** Load demo data at start and after every reset. */
  seedData?: boolean;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class SandboxServer {
  readonly clock: Clock;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly faults: FaultBook;
  private limits: Limits;
  private readonly journal: JournalEntry[] = [];
  private readonly journalSize: number;
  private readonly creates = new Map<string, number>();
  private readonly arrivals = new RateWindow();
  private readonly accepted = new RateWindow();
  private dailyWindow: number[] = [];
  /** Index of the oldest request still inside the daily window (expired ones are dropped in bulk). */
  private dailyHead = 0;
  private stats: SandboxStats = SandboxServer.emptyStats();
  private nextId = 1;
  private readonly control = new Router();

  constructor(
    readonly vendor: VendorAdapter,
    private readonly options: SandboxOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.faults = new FaultBook(seededRandom(options.seed ?? 42));
    this.limits = Limits.parse(options.limits ?? {});
    this.journalSize = options.journalSize ?? 10_000;
    this.routeControl();
    if (options.seedData) vendor.seed();
  }

  private static emptyStats(): SandboxStats {
    return { total: 0, byStatus: {}, inFlight: 0, peakConcurrency: 0, maxPerSecond: 0, refusedByLimit: { rate: 0, concurrency: 0, daily: 0 }, faultsFired: 0, dailyUsed: 0 };
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null | undefined;
    if (!addr) throw new Error(`${this.vendor.name} sandbox is not listening`);
    return `http://127.0.0.1:${addr.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      // The vendor's clock, not the machine's: a client that reads the Date header (the Salesforce pollers do, to
      // know when a second is over) sees the same time as the records' stamps, injected clock included.
      res.setHeader('date', new Date(this.clock.now()).toUTCString());
      this.handle(req, res).catch((err: unknown) => {
        // Last resort: the vendor's own internal error shape.
        if (!res.headersSent) send(res, this.vendor.internalErrorResponse(this.minimalRequest(req), err));
      });
    });
    server.keepAliveTimeout = 30_000;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ---- JavaScript control API (the HTTP control API calls the same methods) ----

  setLimits(limits: Limits): Limits {
    this.limits = Limits.parse(limits);
    return this.limits;
  }
  getLimits(): Limits {
    return { ...this.limits };
  }
  addFault(rule: FaultRuleInput): ActiveFault {
    return this.faults.add(rule);
  }
  removeFault(id: string): boolean {
    return this.faults.remove(id);
  }
  clearFaults(): void {
    this.faults.clear();
  }
  listFaults(): ActiveFault[] {
    return this.faults.list();
  }
  expireTokens(): void {
    this.vendor.expireTokens();
  }
  getJournal(filter: { path?: string; method?: string; limit?: number } = {}): JournalEntry[] {
    let out = this.journal;
    if (filter.path !== undefined) {
      const re = new RegExp(filter.path);
      out = out.filter((e) => re.test(e.path));
    }
    if (filter.method !== undefined) out = out.filter((e) => e.method === filter.method?.toUpperCase());
    return filter.limit !== undefined ? out.slice(-filter.limit) : [...out];
  }
  getStats(): SandboxStats {
    return { ...this.stats, byStatus: { ...this.stats.byStatus }, refusedByLimit: { ...this.stats.refusedByLimit }, maxPerSecond: this.arrivals.max, dailyUsed: this.dailyUsed() };
  }
  /** Creates per `type:externalKey`: more than 1 for one key is a duplicate in the target. */
  getCreateCounts(): Record<string, number> {
    return Object.fromEntries(this.creates);
  }
  /** Keys created more than once. */
  duplicates(): Record<string, number> {
    return Object.fromEntries([...this.creates].filter(([, n]) => n > 1));
  }
  records(): Record<string, unknown[]> {
    return this.vendor.inspect();
  }
  /** Vendors call this whenever a record is created. */
  countCreate(type: string, externalKey: string | undefined): void {
    const key = `${type}:${externalKey ?? '(none)'}`;
    this.creates.set(key, (this.creates.get(key) ?? 0) + 1);
  }
  /** Moves one create counted under `type:from` to `type:to`, for vendors that learn a record's business key
   *  only after creating it (Kantata writes its external reference in a second call). */
  rekeyCreate(type: string, from: string, to: string): void {
    const fromKey = `${type}:${from}`;
    const n = this.creates.get(fromKey) ?? 0;
    if (n === 0) return;
    if (n === 1) this.creates.delete(fromKey);
    else this.creates.set(fromKey, n - 1);
    this.countCreate(type, to);
  }
  resetStats(): void {
    this.stats = SandboxServer.emptyStats();
    this.arrivals.reset();
    this.accepted.reset();
  }
  reset(): void {
    this.vendor.reset();
    this.faults.clear();
    this.limits = Limits.parse(this.options.limits ?? {});
    this.journal.length = 0;
    this.creates.clear();
    this.dailyWindow = [];
    this.dailyHead = 0;
    this.resetStats();
    if (this.options.seedData) this.vendor.seed();
  }
  seed(): void {
    this.vendor.seed();
  }
  /** Requests counted against the daily budget in the last 24 hours. */
  dailyUsed(): number {
    const since = this.clock.now() - 24 * 3600_000;
    // Array.shift() per expired request is O(n) each: after a day at thousands of requests/s (or a clock jump)
    // that stalls the server, so advance a head index and compact now and then.
    while (this.dailyHead < this.dailyWindow.length && this.dailyWindow[this.dailyHead] <= since) this.dailyHead++;
    if (this.dailyHead > 4096 && this.dailyHead * 2 > this.dailyWindow.length) {
      this.dailyWindow = this.dailyWindow.slice(this.dailyHead);
      this.dailyHead = 0;
    }
    return this.dailyWindow.length - this.dailyHead;
  }

  // ---- request handling ----

  private minimalRequest(req: IncomingMessage): SandboxRequest {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    return { id: 0, method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, rawBody: '', params: {}, body: undefined, receivedAt: this.clock.now() };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const rawBody = await readBody(req);
    const sreq: SandboxRequest = {
      id: this.nextId++,
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      rawBody,
      params: {},
      body: undefined,
      receivedAt: this.clock.now(),
    };

    if (sreq.path.startsWith('/__sandbox')) {
      send(res, await this.dispatch(this.control, sreq, true));
      return;
    }

    const entry: JournalEntry = { id: sreq.id, at: new Date(sreq.receivedAt).toISOString(), method: sreq.method, path: sreq.path, query: url.search, status: 0, ms: 0 };
    if (rawBody.length > 0) entry.body = rawBody.length > 4096 ? `${rawBody.slice(0, 4096)}…` : rawBody;
    this.stats.total += 1;
    this.stats.inFlight += 1;
    if (this.stats.inFlight > this.stats.peakConcurrency) this.stats.peakConcurrency = this.stats.inFlight;
    this.arrivals.hit(sreq.receivedAt);
    try {
      const out = await this.process(sreq, entry);
      if (out === 'reset' || out === 'lost') {
        entry.status = out;
        res.socket?.destroy();
        return;
      }
      this.vendor.decorate?.(sreq, out);
      entry.status = out.status;
      entry.principal = sreq.principal;
      this.stats.byStatus[out.status] = (this.stats.byStatus[out.status] ?? 0) + 1;
      send(res, out);
    } finally {
      this.stats.inFlight -= 1;
      entry.ms = Math.round((performance.now() - started) * 1000) / 1000;
      this.journal.push(entry);
      if (this.journal.length > this.journalSize) this.journal.splice(0, this.journal.length - this.journalSize);
    }
  }

  private async process(sreq: SandboxRequest, entry: JournalEntry): Promise<SandboxResponse | 'reset' | 'lost'> {
    const now = sreq.receivedAt;
    const limits = this.limits;
    if (limits.concurrency !== undefined && this.stats.inFlight > limits.concurrency) {
      this.stats.refusedByLimit.concurrency += 1;
      entry.fault = 'limit:concurrency';
      return this.vendor.limitResponse('concurrency', sreq, limits);
    }
    if (limits.requestsPerSecond !== undefined) {
      if (this.accepted.hit(now) > limits.requestsPerSecond) {
        this.accepted.undo();
        this.stats.refusedByLimit.rate += 1;
        entry.fault = 'limit:rate';
        return this.vendor.limitResponse('rate', sreq, limits);
      }
    }
    if (limits.dailyBudget !== undefined && this.dailyUsed() >= limits.dailyBudget) {
      this.stats.refusedByLimit.daily += 1;
      entry.fault = 'limit:daily';
      return this.vendor.limitResponse('daily', sreq, limits);
    }
    this.dailyWindow.push(now);

    const before = this.faults.pick(['latency', 'reset', 'status', 'maintenance', 'expire-token'], sreq.method, sreq.path, now);
    for (const rule of before) {
      this.stats.faultsFired += 1;
      entry.fault = entry.fault ? `${entry.fault},${rule.kind}` : rule.kind;
      if (rule.kind === 'latency') await delay(rule.latencyMs ?? 1000);
    }
    if (before.some((r) => r.kind === 'reset')) return 'reset';
    const statusFault = before.find((r) => r.kind === 'status' || r.kind === 'maintenance');
    if (statusFault) return this.vendor.faultResponse(statusFault, sreq);
    if (before.some((r) => r.kind === 'expire-token')) this.vendor.expireTokenOf?.(sreq);
    if (limits.responseDelayMs) await delay(limits.responseDelayMs);

    const out = await this.dispatch(this.vendor.router, sreq, false);
    if (WRITE_METHODS.has(sreq.method) && out.status < 300) {
      const lost = this.faults.pick(['lost-after-commit'], sreq.method, sreq.path, now);
      if (lost.length > 0) {
        this.stats.faultsFired += 1;
        entry.fault = entry.fault ? `${entry.fault},lost-after-commit` : 'lost-after-commit';
        return 'lost';
      }
    }
    return out;
  }

  private async dispatch(router: Router, sreq: SandboxRequest, isControl: boolean): Promise<SandboxResponse> {
    const m = router.match(sreq.method, sreq.path);
    if (!('handler' in m)) {
      return isControl ? { status: 404, body: { error: `no control route ${sreq.method} ${sreq.path}` } } : this.vendor.notFoundResponse(sreq, m.methodMismatch);
    }
    sreq.params = m.params;
    try {
      sreq.body = parseBody(sreq.rawBody, sreq.headers['content-type']);
    } catch (err) {
      return isControl ? { status: 400, body: { error: 'body is not valid JSON' } } : this.vendor.malformedBodyResponse(sreq, err as Error);
    }
    try {
      return await m.handler(sreq);
    } catch (err) {
      if (isControl) return { status: 400, body: { error: err instanceof Error ? err.message : String(err) } };
      return this.vendor.internalErrorResponse(sreq, err);
    }
  }

  private routeControl(): void {
    const r = this.control;
    const json = (body: unknown, status = 200): SandboxResponse => ({ status, body });
    r.get('/__sandbox', () => json({ vendor: this.vendor.name, limits: this.limits, faults: this.listFaults(), stats: this.getStats() }));
    r.get('/__sandbox/journal', (q) => {
      const limit = q.query.get('limit');
      return json(this.getJournal({ path: q.query.get('path') ?? undefined, method: q.query.get('method') ?? undefined, limit: limit ? Number(limit) : undefined }));
    });
    r.get('/__sandbox/records', () => json(this.records()));
    r.get('/__sandbox/creates', () => json({ creates: this.getCreateCounts(), duplicates: this.duplicates() }));
    r.get('/__sandbox/stats', () => json(this.getStats()));
    r.delete('/__sandbox/stats', () => {
      this.resetStats();
      return { status: 204 };
    });
    r.get('/__sandbox/limits', () => json(this.limits));
    r.put('/__sandbox/limits', (q) => json(this.setLimits(q.body as Limits)));
    r.get('/__sandbox/faults', () => json(this.listFaults()));
    r.post('/__sandbox/faults', (q) => json(this.addFault(q.body as FaultRuleInput), 201));
    r.delete('/__sandbox/faults', () => {
      this.clearFaults();
      return { status: 204 };
    });
    r.delete('/__sandbox/faults/:id', (q) => (this.removeFault(q.params['id']) ? { status: 204 } : json({ error: 'no such fault' }, 404)));
    r.post('/__sandbox/expire-tokens', () => {
      this.expireTokens();
      return { status: 204 };
    });
    r.post('/__sandbox/reset', () => {
      this.reset();
      return { status: 204 };
    });
    r.post('/__sandbox/seed', () => {
      this.seed();
      return { status: 204 };
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
