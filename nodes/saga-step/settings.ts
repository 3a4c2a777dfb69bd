// The saga step node's saved configuration → the step policy, with Camel's option names and defaults.
import type { NodeDef } from 'node-red';
import { StepName, StepPolicy } from '../../runtime-plugins/engine/saga.js';

export interface SagaStepConfig extends NodeDef {
  version?: number;
  /** Saga name; blank: the saga start node upstream. */
  saga: string;
  step: string;
  maximumRedeliveries: string;
  redeliveryDelay: string;
  backOffMultiplier: string;
  outcomeTimeout: string;
  compensationRedeliveries: string;
  compensationDelay: string;
  compensationBackOff: string;
  compensateFailed: boolean;
  wires?: string[][];
}

function num(v: string | number | undefined, fallback: number, field: string, min: number, max: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${field} must be a number from ${min} to ${max}, got "${String(v)}"`);
  return n;
}

function whole(v: string | number | undefined, fallback: number, field: string, max: number): number {
  const n = num(v, fallback, field, 0, max);
  if (!Number.isInteger(n)) throw new Error(`${field} must be a whole number, got "${String(v)}"`);
  return n;
}

export function stepNameFrom(c: Partial<SagaStepConfig>): string {
  const parsed = StepName.safeParse((c.step ?? '') || (c.name ?? ''));
  if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'invalid step name');
  return parsed.data;
}

export function stepPolicyFrom(c: Partial<SagaStepConfig>): StepPolicy {
  return StepPolicy.parse({
    maximumRedeliveries: whole(c.maximumRedeliveries, 3, 'retries (maximumRedeliveries)', 1000),
    redeliveryDelayMs: Math.round(num(c.redeliveryDelay, 1, 'retry delay', 0, 86_400) * 1000),
    backOffMultiplier: num(c.backOffMultiplier, 2, 'back-off multiplier', 1, 10),
    outcomeTimeoutMs: Math.round(num(c.outcomeTimeout, 60, 'outcome timeout', 0.01, 86_400) * 1000),
    compensation: {
      maximumRedeliveries: whole(c.compensationRedeliveries, 5, 'compensation retries', 1000),
      redeliveryDelayMs: Math.round(num(c.compensationDelay, 1, 'compensation retry delay', 0, 86_400) * 1000),
      backOffMultiplier: num(c.compensationBackOff, 2, 'compensation back-off multiplier', 1, 10),
    },
    compensateFailed: c.compensateFailed === true,
  });
}
