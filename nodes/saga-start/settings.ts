// The saga start node's saved configuration → saga options.
import type { NodeDef } from 'node-red';
import { SagaName, SagaOptions, type SagaOptionsInput } from '../../runtime-plugins/engine/saga.js';

export interface SagaStartConfig extends NodeDef {
  version?: number;
  sagaName: string;
  /** Minutes. */
  timeout: string;
  onFailure: 'compensate' | 'park';
}

export function sagaOptionsFrom(c: Partial<SagaStartConfig>): SagaOptionsInput {
  const name = SagaName.safeParse(c.sagaName ?? '');
  if (!name.success) throw new Error(name.error.issues[0]?.message ?? 'invalid saga name');
  const minutes = c.timeout === undefined || c.timeout === '' ? 15 : Number(c.timeout);
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 525_600) throw new Error(`timeout must be a positive number of minutes, got "${String(c.timeout)}"`);
  const onFailure = c.onFailure ?? 'compensate';
  if (onFailure !== 'compensate' && onFailure !== 'park') throw new Error(`on failure must be "compensate" or "park", got "${String(onFailure)}"`);
  return SagaOptions.parse({ name: name.data, timeoutMs: Math.max(10, Math.round(minutes * 60_000)), onFailure });
}

