// Control messages of the dead-letter node: msg.topic (or msg.payload.action) and the selection in msg.payload.
import type { NodeMessageInFlow } from 'node-red';
import { z } from 'zod';
import { ERROR_CLASSES, SyncError } from '../../runtime-plugins/sync-error.js';

const Filter = z
  .strictObject({
    queue: z.string().optional(),
    errorClass: z.enum(ERROR_CLASSES).optional(),
    code: z.string().optional(),
    reason: z.string().optional(),
    businessKey: z.string().optional(),
    correlationId: z.string().optional(),
    since: z.string().optional(),
  })
  .optional();

const Command = z.strictObject({
  action: z.enum(['replay', 'discard', 'list', 'count']),
  ids: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  filter: Filter,
  all: z.boolean().optional(),
  edit: z.strictObject({ payload: z.unknown() }).optional(),
  reason: z.string().optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
});
export type Command = z.infer<typeof Command>;

type Msg = NodeMessageInFlow & { topic?: string };

export function parseCommand(msg: Msg): Command {
  const payload = typeof msg.payload === 'object' && msg.payload !== null && !Array.isArray(msg.payload) ? (msg.payload as Record<string, unknown>) : {};
  const action = typeof payload['action'] === 'string' ? payload['action'] : msg.topic;
  const parsed = Command.safeParse({ ...payload, action });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') || 'action';
    throw new SyncError(`invalid dead-letter command: ${path}: ${issue?.message ?? 'invalid'} (msg.topic or msg.payload.action is one of replay, discard, list, count)`, { class: 'data', code: 'INVALID_COMMAND', retryable: false, fields: [path] });
  }
  return parsed.data;
}

