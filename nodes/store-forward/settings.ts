// The store-forward node's saved configuration → queue settings, with Camel's option names and defaults.
import type { NodeDef } from 'node-red';
import type { QueueSettingsInput } from '../../runtime-plugins/engine/queue.js';

export interface StoreForwardConfig extends NodeDef {
  version?: number;
  queueName: string;
  target: string;
  maxInFlight: string;
  key: string;
  keyType: string;
  orderByKey: boolean;
  lane: string;
  laneType: string;
  lanes: string;
  maximumRedeliveries: string;
  redeliveryDelay: string;
  backOffMultiplier: string;
  maximumRedeliveryDelay: string;
  jitter: string;
  ackTimeout: string;
  batchSize: string;
}

function num(v: string | number | undefined, fallback: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  return Number.isFinite(n) ? n : fallback;
}

export function queueSettingsFrom(c: Partial<StoreForwardConfig>): QueueSettingsInput {
  return {
    lanes: parseLanes(c.lanes),
    maxInFlight: num(c.maxInFlight, 10),
    orderByKey: c.orderByKey !== false,
    maximumRedeliveries: num(c.maximumRedeliveries, 5),
    redeliveryDelayMs: num(c.redeliveryDelay, 1) * 1000,
    backOffMultiplier: num(c.backOffMultiplier, 2),
    maximumRedeliveryDelayMs: num(c.maximumRedeliveryDelay, 300) * 1000,
    jitter: num(c.jitter, 20) / 100,
    ackTimeoutMs: num(c.ackTimeout, 60) * 1000,
    batchSize: num(c.batchSize, 1),
  };
}


export interface LaneSpec {
  name: string;
  weight: number;
}

export function parseLanes(text: string | undefined): LaneSpec[] {
  const trimmed = (text ?? '').trim();
  if (trimmed === '') return [{ name: 'default', weight: 1 }];
  const lanes = trimmed.split(',').map((part, i) => {
    const [rawName, rawWeight] = part.split(':').map((s) => s.trim());
    const weight = rawWeight === undefined || rawWeight === '' ? 1 : Number(rawWeight);
    if (!rawName || !/^[A-Za-z0-9_.-]{1,64}$/.test(rawName)) throw new Error(`lane ${i + 1}: name "${rawName ?? ''}" must be 1-64 letters, digits, _ . or -`);
    if (!Number.isInteger(weight) || weight < 1 || weight > 100) throw new Error(`lane "${rawName}": weight must be a whole number from 1 to 100, got "${rawWeight ?? ''}"`);
    return { name: rawName, weight };
  });
  const names = new Set<string>();
  for (const l of lanes) {
    if (names.has(l.name)) throw new Error(`lane "${l.name}" is listed twice`);
    names.add(l.name);
  }
  return lanes;
}
