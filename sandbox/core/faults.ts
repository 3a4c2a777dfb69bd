// Fault injection and limits, the same on every sandbox. Rules are data, so the control API and the
// JavaScript API share them, and a seeded random source keeps ratio-based faults reproducible.
import { z } from 'zod';

export const FaultRule = z.object({
  /** status: answer with `status` (429, 500, 503…) in the vendor's shape; maintenance: 503 maintenance window;
   *  latency: delay by `latencyMs`; reset: drop the connection before the request is processed;
   *  lost-after-commit: apply the write, then drop the connection so the client never hears back;
   *  expire-token: treat the caller's token as expired. */
  kind: z.enum(['status', 'maintenance', 'latency', 'reset', 'lost-after-commit', 'expire-token']),
  status: z.number().int().min(400).max(599).optional(),
  /** Share of matching requests affected (0–1). Default 1. */
  ratio: z.number().min(0).max(1).default(1),
  /** Deterministic alternative to ratio: affect every Nth matching request. */
  every: z.number().int().min(1).optional(),
  /** Remove the rule after it fired this many times. */
  count: z.number().int().min(1).optional(),
  /** Active window, epoch ms or ISO date-time (a maintenance window's start and end). */
  from: z.union([z.number(), z.iso.datetime({ offset: true })]).optional(),
  until: z.union([z.number(), z.iso.datetime({ offset: true })]).optional(),
  /** Only requests with this method / whose path matches this regular expression. */
  method: z.string().toUpperCase().optional(),
  path: z.string().max(500).optional(),
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  /** Seconds for a Retry-After header, on vendors that send one. */
  retryAfter: z.number().int().min(0).optional(),
});
export type FaultRuleInput = z.input<typeof FaultRule>;
export type FaultRuleSpec = z.output<typeof FaultRule>;

export interface ActiveFault extends FaultRuleSpec {
  id: string;
  fired: number;
  seen: number;
}

export const Limits = z.object({
  requestsPerSecond: z.number().positive().optional(),
  concurrency: z.number().int().positive().optional(),
  /** Requests per rolling 24 hours. */
  dailyBudget: z.number().int().positive().optional(),
  /** Delay added to every answer, to simulate a real API's latency (so concurrency matters). */
  responseDelayMs: z.number().int().min(0).max(600_000).optional(),
});
export type Limits = z.infer<typeof Limits>;

/** mulberry32: small, fast, seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function toMs(v: number | string | undefined): number | undefined {
  return v === undefined ? undefined : typeof v === 'number' ? v : Date.parse(v);
}

export class FaultBook {
  private rules: ActiveFault[] = [];
  private nextId = 1;
  private readonly compiled = new Map<string, RegExp>();
  constructor(private readonly random: () => number) {}

  add(input: FaultRuleInput): ActiveFault {
    const spec = FaultRule.parse(input);
    if (spec.path !== undefined) this.compiled.set(spec.path, new RegExp(spec.path));
    const rule: ActiveFault = { ...spec, id: `f${this.nextId++}`, fired: 0, seen: 0 };
    this.rules.push(rule);
    return rule;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): ActiveFault[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** The rules of the given kinds that fire for this request (each counted as fired). */
  pick(kinds: ReadonlyArray<FaultRuleSpec['kind']>, method: string, path: string, now: number): ActiveFault[] {
    if (this.rules.length === 0) return [];
    const out: ActiveFault[] = [];
    for (const rule of this.rules) {
      if (!kinds.includes(rule.kind)) continue;
      if (rule.method !== undefined && rule.method !== method) continue;
      if (rule.path !== undefined && !(this.compiled.get(rule.path) as RegExp).test(path)) continue;
      const from = toMs(rule.from);
      const until = toMs(rule.until);
      if (from !== undefined && now < from) continue;
      if (until !== undefined && now >= until) continue;
      rule.seen += 1;
      const fires = rule.every !== undefined ? rule.seen % rule.every === 0 : rule.ratio >= 1 || this.random() < rule.ratio;
      if (!fires) continue;
      rule.fired += 1;
      out.push(rule);
    }
    if (out.some((r) => r.count !== undefined && r.fired >= r.count)) {
      this.rules = this.rules.filter((r) => r.count === undefined || r.fired < r.count);
    }
    return out;
  }
}

/** Sliding one-second window of request arrivals, for rate limits and the observed maximum rate. */
export class RateWindow {
  private readonly times: number[] = [];
  private head = 0;
  max = 0;

  /** Records an arrival; returns how many arrived in the last second including this one. */
  hit(now: number): number {
    this.times.push(now);
    while ((this.times[this.head]) <= now - 1000) this.head++;
    if (this.head > 4096) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    const n = this.times.length - this.head;
    if (n > this.max) this.max = n;
    return n;
  }

  /** Forgets the last arrival (a request refused before it counted). */
  undo(): void {
    if (this.times.length > this.head) this.times.pop();
  }

  reset(): void {
    this.times.length = 0;
    this.head = 0;
    this.max = 0;
  }
}
