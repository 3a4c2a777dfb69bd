// One limiter per target (a connection or a named target), shared by every node that sends to it. Bottleneck
// spaces and bounds requests; a throttle answer pauses the target instead of failing the message; a daily
// budget keeps headroom for the people working in the CRM; maintenance windows (croner) pause delivery.
import { EventEmitter } from 'node:events';
import Bottleneck from 'bottleneck';
import { Cron } from 'croner';
import { z } from 'zod';
import type { Clock } from './clock.js';

export const MaintenanceWindow = z.object({
  cron: z.string().trim().min(1, 'a maintenance window needs a cron expression'),
  durationMinutes: z.number().positive().max(7 * 24 * 60),
  timezone: z.string().optional(),
});
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

export const TargetLimits = z.object({
  requestsPerSecond: z.number().positive().max(100_000).optional(),
  concurrency: z.number().int().positive().max(10_000).optional(),
  /** Requests per rolling 24 hours (e.g. Salesforce DailyApiRequests). */
  dailyBudget: z.number().int().positive().optional(),
  /** Share of the daily budget never used by Syncwright, left to people working in the system. */
  dailyHeadroomPercent: z.number().min(0).max(90).default(10),
  maintenance: z.array(MaintenanceWindow).default([]),
  /** Pause after a throttle answer without Retry-After: initial, doubling, at most max, with jitter. */
  /**
   * The first pause after a throttle answer without Retry-After. Default: on a target with a rate, two of its
   * intervals (at least 50 ms): a throttle there is most often a few requests bunched by the network, and the
   * target's window sheds one within an interval; else 1 s. Doubles with each throttle in a row.
   */
  backoffInitialMs: z.number().int().positive().optional(),
  backoffMaxMs: z.number().int().positive().default(300_000),
  backoffJitter: z.number().min(0).max(1).default(0.2),
});
export type TargetLimitsInput = z.input<typeof TargetLimits>;
export type TargetLimits = z.output<typeof TargetLimits>;

export type PauseReason = 'throttled' | 'maintenance' | 'daily-budget';

export interface LimiterState {
  target: string;
  paused: boolean;
  reason?: PauseReason;
  pausedUntil?: number;
  running: number;
  queued: number;
  usedToday: number;
  dailyAllowed?: number;
  throttles: number;
  limits: TargetLimits;
}

export interface Permit {
  readonly units: number;
  release(): void;
}

/** Keep a little under the configured rate: request arrival at the target jitters with network latency. */
const RATE_SAFETY = 0.97;
/** Bottleneck launches a few hundred jobs a second; above that one job carries several units. */
const MAX_JOBS_PER_SECOND = 200;
const MINUTE = 60_000;
/** How long before a maintenance window delivery stops. */
const MAINTENANCE_LEAD_MS = 100;
const DAY = 24 * 60 * MINUTE;

export class TargetLimiter extends EventEmitter {
  private limits: TargetLimits;
  private bottleneck: Bottleneck;
  private pausedUntil = 0;
  private pauseReason: PauseReason | undefined;
  private pauseTimer: NodeJS.Timeout | undefined;
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private consecutiveThrottles = 0;
  private throttles = 0;
  /** Requests per minute over the last 24 hours: minute index → count. */
  private readonly minuteCounts = new Map<number, number>();
  private usedOffset = 0;
  private closed = false;

  constructor(
    readonly target: string,
    limits: TargetLimitsInput,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {
    super();
    this.limits = TargetLimits.parse(limits);
    this.bottleneck = new Bottleneck(this.bottleneckSettings());
    this.scheduleMaintenance();
  }

  /** How many units one acquisition may carry (one job of Bottleneck). */
  get unitsPerJob(): number {
    const rps = this.limits.requestsPerSecond;
    const concurrency = this.limits.concurrency ?? 1000;
    if (rps === undefined) return Math.max(1, concurrency);
    return Math.max(1, Math.min(concurrency, Math.ceil(rps / MAX_JOBS_PER_SECOND)));
  }

  /** The time between two job starts that keeps under the rate (0 without one). */
  private get spacingMs(): number {
    const rps = this.limits.requestsPerSecond;
    // Fractional: rounding 20.6 ms up to 21 would give away another 2 % of the rate.
    return rps === undefined ? 0 : (1000 * this.unitsPerJob) / (rps * RATE_SAFETY);
  }

  private bottleneckSettings(): Bottleneck.ConstructorOptions {
    return {
      maxConcurrent: this.limits.concurrency ?? null,
      minTime: this.spacingMs,
      reservoir: this.currentReservoir(),
    };
  }

  private dailyAllowed(): number | undefined {
    const b = this.limits.dailyBudget;
    return b === undefined ? undefined : Math.floor(b * (1 - this.limits.dailyHeadroomPercent / 100));
  }

  /** Requests counted in the last 24 hours (ours, corrected by what the target reported). */
  usedToday(): number {
    const since = Math.floor((this.clock.now() - DAY) / MINUTE);
    let n = 0;
    for (const [minute, count] of this.minuteCounts) {
      if (minute <= since) this.minuteCounts.delete(minute);
      else n += count;
    }
    return Math.max(0, n + this.usedOffset);
  }

  private currentReservoir(): number | null {
    if (this.isPaused()) return 0;
    const allowed = this.dailyAllowed();
    return allowed === undefined ? null : Math.max(0, allowed - this.usedToday());
  }

  private isPaused(): boolean {
    return this.pausedUntil > this.clock.now();
  }

  private applyReservoir(): void {
    if (this.closed) return;
    void this.bottleneck.updateSettings({ reservoir: this.currentReservoir() });
  }

  /**
   * Waits for capacity for `units` requests (at most `unitsPerJob`), then holds the concurrency slots until
   * the permit is released.
   */
  acquire(units = 1, priority = 5): Promise<Permit> {
    if (this.closed) return Promise.reject(new Error(`limiter for ${this.target} is closed`));
    const weight = Math.max(1, Math.min(units, this.unitsPerJob));
    return new Promise<Permit>((resolveAcquire, rejectAcquire) => {
      this.bottleneck
        .schedule({ weight, priority, expiration: undefined }, () => {
          this.count(weight);
          return new Promise<void>((releaseJob) => {
            let released = false;
            resolveAcquire({
              units: weight,
              release: () => {
                if (released) return;
                released = true;
                releaseJob();
              },
            });
          });
        })
        .catch(rejectAcquire);
    }).then((permit) => {
      this.maybeExhausted();
      return permit;
    });
  }

  /** Runs `fn` under one permit. */
  async schedule<T>(fn: () => Promise<T>, units = 1): Promise<T> {
    const permit = await this.acquire(units);
    try {
      return await fn();
    } finally {
      permit.release();
    }
  }

  private count(units: number): void {
    const minute = Math.floor(this.clock.now() / MINUTE);
    this.minuteCounts.set(minute, (this.minuteCounts.get(minute) ?? 0) + units);
  }

  private maybeExhausted(): void {
    const allowed = this.dailyAllowed();
    if (allowed === undefined || this.usedToday() < allowed) return;
    // Re-check as old minutes leave the rolling window.
    this.pause(MINUTE, 'daily-budget');
  }

  /** The target said "too many requests": pause, honouring Retry-After, else back off exponentially. */
  throttled(retryAfterMs?: number): number {
    this.throttles += 1;
    this.consecutiveThrottles += 1;
    let wait: number;
    if (retryAfterMs !== undefined && retryAfterMs >= 0) {
      wait = retryAfterMs;
    } else {
      const initial = this.limits.backoffInitialMs ?? (this.limits.requestsPerSecond !== undefined ? Math.max(50, Math.round(2 * this.spacingMs)) : 1000);
      const base = Math.min(this.limits.backoffMaxMs, initial * 2 ** (this.consecutiveThrottles - 1));
      wait = Math.round(base * (1 - this.limits.backoffJitter * this.random()));
    }
    this.pause(wait, 'throttled');
    return wait;
  }

  /** A request went through: the target is not throttling any more. */
  succeeded(): void {
    this.consecutiveThrottles = 0;
  }

  /** The target reported its own usage (e.g. Sforce-Limit-Info api-usage=used/max). */
  observeUsage(used: number, max: number): void {
    if (this.limits.dailyBudget === undefined || this.limits.dailyBudget !== max) {
      this.limits = { ...this.limits, dailyBudget: max };
    }
    const ours = this.usedToday() - this.usedOffset;
    this.usedOffset = used - ours;
    this.applyReservoir();
    this.maybeExhausted();
  }

  private pause(ms: number, reason: PauseReason): void {
    const until = this.clock.now() + ms;
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.pauseReason = reason;
    this.applyReservoir();
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => this.resume(), Math.max(0, ms));
    this.pauseTimer.unref?.();
    this.emit('state', this.state());
  }

  private resume(): void {
    this.pauseTimer = undefined;
    if (this.isPaused()) {
      this.pauseTimer = setTimeout(() => this.resume(), this.pausedUntil - this.clock.now());
      return;
    }
    this.pauseReason = undefined;
    this.applyReservoir();
    this.maybeExhausted();
    this.emit('state', this.state());
  }

  private scheduleMaintenance(): void {
    if (this.maintenanceTimer) clearTimeout(this.maintenanceTimer);
    if (this.limits.maintenance.length === 0 || this.closed) return;
    // Pause a little before a window opens: a request launched just before would otherwise arrive inside it.
    const now = this.clock.now();
    const ahead = now + MAINTENANCE_LEAD_MS;
    let nextChange = Number.POSITIVE_INFINITY;
    for (const w of this.limits.maintenance) {
      const cron = new Cron(w.cron, { timezone: w.timezone, paused: true });
      const duration = w.durationMinutes * MINUTE;
      const prev = cron.previousRuns(1, new Date(ahead))[0];
      if (prev && ahead < prev.getTime() + duration) {
        this.pause(prev.getTime() + duration - now, 'maintenance');
        nextChange = Math.min(nextChange, prev.getTime() + duration);
      }
      const next = cron.nextRun(new Date(ahead));
      if (next) nextChange = Math.min(nextChange, next.getTime() - MAINTENANCE_LEAD_MS);
    }
    if (Number.isFinite(nextChange)) {
      this.maintenanceTimer = setTimeout(() => this.scheduleMaintenance(), Math.min(Math.max(0, nextChange - now), 2 ** 31 - 1));
      this.maintenanceTimer.unref?.();
    }
  }

  /** Whether a maintenance window is open now (used when a node starts). */
  inMaintenance(): boolean {
    return this.isPaused() && this.pauseReason === 'maintenance';
  }

  update(limits: TargetLimitsInput): void {
    this.limits = TargetLimits.parse(limits);
    void this.bottleneck.updateSettings(this.bottleneckSettings());
    this.scheduleMaintenance();
    this.emit('state', this.state());
  }

  state(): LimiterState {
    const counts = this.bottleneck.counts();
    const s: LimiterState = {
      target: this.target,
      paused: this.isPaused(),
      running: (counts.RUNNING ?? 0) + (counts.EXECUTING ?? 0),
      queued: (counts.QUEUED ?? 0) + (counts.RECEIVED ?? 0),
      usedToday: this.usedToday(),
      throttles: this.throttles,
      limits: this.limits,
    };
    if (this.isPaused()) {
      s.pausedUntil = this.pausedUntil;
      if (this.pauseReason) s.reason = this.pauseReason;
    }
    const allowed = this.dailyAllowed();
    if (allowed !== undefined) s.dailyAllowed = allowed;
    return s;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    if (this.maintenanceTimer) clearTimeout(this.maintenanceTimer);
    await this.bottleneck.stop({ dropWaitingJobs: true });
    this.removeAllListeners();
  }
}
