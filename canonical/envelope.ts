// The transaction context that travels as `msg.sync`. Nodes add to it; none drops what it did not set.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { BusinessKey, IsoDateTime } from './primitives.js';

const SCHEMA_ID = /^syncwright\/[a-z][a-z-]*@\d+$/;

export const SourceRef = z.object({
  system: z.string().trim().min(1).max(64),
  id: z.string().trim().max(255).optional(),
});

export const SyncEnvelope = z
  .looseObject({
    correlationId: z.string().trim().min(1).max(128),
    businessKey: BusinessKey,
    idempotencyKey: z.string().trim().min(1).max(512).optional(),
    schema: z.string().regex(SCHEMA_ID, 'must look like syncwright/<object>@<major>').optional(),
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
  // Fast path for what the nodes create on every message: a key, a schema id and a source that are already
  // clean, and a time and correlation ID we made. Anything else is checked by the schema.
  const clean = init.occurredAt === undefined && init.idempotencyKey === undefined && init.correlationId === undefined && trimmedWithin(init.businessKey, 255) && (init.schema === undefined || SCHEMA_ID.test(init.schema)) && (init.source === undefined || (trimmedWithin(init.source.system, 64) && init.source.id === undefined && Object.keys(init.source).length === 1));
  return clean ? env : SyncEnvelope.parse(env);
}

function trimmedWithin(s: unknown, max: number): boolean {
  return typeof s === 'string' && s.length > 0 && s.length <= max && s.trim() === s;
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
