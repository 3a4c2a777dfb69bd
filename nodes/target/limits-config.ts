// Limits as a target config node stores them (strings from the editor) → validated TargetLimits.
import type { NodeDef } from 'node-red';
import { TargetLimits, type TargetLimitsInput } from '../../runtime-plugins/engine/limiter.js';

export interface TargetConfig extends NodeDef {
  requestsPerSecond: string;
  concurrency: string;
  dailyBudget: string;
  dailyHeadroomPercent: string;
  maintenance: string;
}

function optionalNumber(v: string | number | undefined, field: string): number | undefined {
  if (v === undefined || v === '' || v === null) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${field} must be a positive number, got "${String(v)}"`);
  return n;
}

/** `0 2 * * SUN | 60` per line: a cron expression and a duration in minutes. */
export function parseMaintenance(text: string): TargetLimitsInput['maintenance'] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((line, i) => {
      const [cron, minutes] = line.split('|').map((p) => p.trim());
      const duration = Number(minutes);
      if (!cron || !Number.isFinite(duration) || duration <= 0) throw new Error(`maintenance window line ${i + 1} must look like "0 2 * * SUN | 60" (cron | minutes), got "${line}"`);
      return { cron, durationMinutes: duration };
    });
}

export function limitsFromConfig(c: Partial<TargetConfig>): TargetLimitsInput {
  const limits: TargetLimitsInput = {
    requestsPerSecond: optionalNumber(c.requestsPerSecond, 'requests per second'),
    concurrency: optionalNumber(c.concurrency, 'concurrency'),
    dailyBudget: optionalNumber(c.dailyBudget, 'daily budget'),
    maintenance: parseMaintenance(c.maintenance ?? ''),
  };
  const headroom = c.dailyHeadroomPercent;
  if (headroom !== undefined && headroom !== '') limits.dailyHeadroomPercent = Number(headroom);
  return TargetLimits.parse(limits);
}

