// Starting or continuing the transaction context for a validated payload.
import { createEnvelope, extendEnvelope, SyncEnvelope, formatPath, type FieldError } from '../../canonical/index.js';

export interface TransactionStart {
  businessKey: string;
  schema: string;
  sourceSystem?: string;
}

/**
 * A message without msg.sync gets a new envelope; one that has it keeps everything it holds (correlation ID,
 * source, fields set by other nodes) and gains the schema. A malformed msg.sync is reported, not replaced.
 */
export function startTransaction(existing: unknown, start: TransactionStart): { ok: true; value: SyncEnvelope } | { ok: false; errors: FieldError[] } {
  const source = start.sourceSystem ? { system: start.sourceSystem } : undefined;
  if (existing === undefined || existing === null) {
    return { ok: true, value: createEnvelope({ businessKey: start.businessKey, schema: start.schema, source }) };
  }
  if (typeof existing !== 'object' || Array.isArray(existing)) {
    return { ok: false, errors: [{ path: 'sync', code: 'invalid_envelope', message: 'msg.sync must be an object' }] };
  }
  // Fill what an upstream node may have left out, then check the whole envelope.
  const fresh = createEnvelope({ businessKey: start.businessKey, source });
  const merged: Record<string, unknown> = { ...fresh, ...(existing as Record<string, unknown>) };
  const parsed = SyncEnvelope.safeParse(merged);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => ({ path: formatPath(['sync', ...i.path]), code: i.code, message: i.message })),
    };
  }
  return { ok: true, value: extendEnvelope(parsed.data, { schema: start.schema }) };
}
