// The transaction context that travels as `msg.sync`. Nodes add to it; none drops what it did not set.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { BusinessKey, IsoDateTime } from './primitives.js';

export const SourceRef = z.object({
  system: z.string().trim().min(1).max(64),
  id: z.string().trim().max(255).optional(),
});

export const SyncEnvelope = z
  .looseObject({
    correlationId: z.string().trim().min(1).max(128),
    businessKey: BusinessKey,
    idempotencyKey: z.string().trim().min(1).max(512).optional(),
    schema: z.string().regex(/^syncwright\/[a-z][a-z-]*@\d+$/, 'must look like syncwright/<object>@<major>').optional(),
    source: SourceRef.optional(),
    occurredAt: IsoDateTime,
    attempt: z.number().int().min(0).optional(),
    sagaId: z.string().optional(),
    step: z.string().optional(),
  })
  .meta({ title: 'SyncEnvelope', description: 'msg.sync: the transaction context of a message' });
export type SyncEnvelope = z.infer<typeof SyncEnvelope>;

export interface NewEnvelope {
  businessKey: string;
  schema?: string;
  source?: { system: string; id?: string };
  idempotencyKey?: string;
  correlationId?: string;
  occurredAt?: string | Date;
}

/** A fresh envelope with a new correlation ID (unless one is given) and `occurredAt` now (unless given). */
export function createEnvelope(init: NewEnvelope, now: () => Date = () => new Date()): SyncEnvelope {
  const occurred = init.occurredAt instanceof Date ? init.occurredAt.toISOString() : (init.occurredAt ?? now().toISOString());
  const env: SyncEnvelope = {
    correlationId: init.correlationId ?? randomUUID(),
    businessKey: init.businessKey,
    occurredAt: occurred,
  };
  if (init.schema !== undefined) env.schema = init.schema;
  if (init.source !== undefined) env.source = init.source;
  if (init.idempotencyKey !== undefined) env.idempotencyKey = init.idempotencyKey;
  // Fast path for what the nodes create on every message: a key that is already clean and a time we made.
  const clean = init.occurredAt === undefined && init.businessKey.length > 0 && init.businessKey.length <= 255 && init.businessKey.trim() === init.businessKey && init.schema === undefined && init.source === undefined && init.idempotencyKey === undefined && init.correlationId === undefined;
  return clean ? env : SyncEnvelope.parse(env);
}

/**
 * Adds fields to an envelope without touching those the caller does not name, keeping fields other nodes set
 * (unknown keys included). Correlation ID and business key are never replaced once set.
 */
export function extendEnvelope(existing: SyncEnvelope, patch: Partial<Omit<SyncEnvelope, 'correlationId'>>): SyncEnvelope {
  const next: SyncEnvelope = { ...existing };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || key === 'correlationId' || key === 'businessKey') continue;
    (next as Record<string, unknown>)[key] = value;
  }
  return next;
}

/** Reads `msg.sync` if it is a valid envelope. */
export function readEnvelope(value: unknown): SyncEnvelope | undefined {
  const parsed = SyncEnvelope.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
