// How a Syncwright node fails a message: the classified error goes to msg.sync.error (Catch nodes copy the
// message, not the error's own properties) and through done(err), with err.code set to the vendor code.
import type { NodeMessage } from 'node-red';
import { toSyncError, type SyncError } from '../sync-error.js';
import { recordError } from './outcome.js';

export function failMessage(msg: NodeMessage, err: unknown, done: (err?: Error) => void, target?: string): SyncError {
  const e = toSyncError(err, target);
  const m = msg as NodeMessage & { sync?: Record<string, unknown> };
  if (typeof m.sync !== 'object' || m.sync === null) m.sync = {};
  m.sync['error'] = recordError(e);
  (e as SyncError & { code?: string }).code = e.syncwright.code;
  done(e);
  return e;
}
