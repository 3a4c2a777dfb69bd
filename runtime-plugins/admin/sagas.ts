// Admin HTTP API for sagas, behind Node-RED's permissions: list and read sagas (syncwright.read), and the two
// operator actions (syncwright.write): resume a parked saga, compensate a saga now.
//   GET  /syncwright/sagas?name=&state=a,b&businessKey=&correlationId=&since=&limit=
//   GET  /syncwright/sagas/:id
//   POST /syncwright/sagas/:id/resume       {by?}
//   POST /syncwright/sagas/:id/compensate   {by?}
import type { NodeAPI } from 'node-red';
import { z } from 'zod';
import type { Engine } from '../engine/engine.js';
import { SAGA_STATES, type SagaFilter } from '../engine/saga.js';
import { isSyncError } from '../sync-error.js';

const ListQuery = z.object({
  name: z.string().trim().min(1).optional(),
  state: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return undefined;
      const states = v.split(',').map((s) => s.trim());
      for (const s of states) {
        if (!(SAGA_STATES as readonly string[]).includes(s)) {
          ctx.addIssue({ code: 'custom', message: `unknown state "${s}" (one of ${SAGA_STATES.join(', ')})` });
          return z.NEVER;
        }
      }
      return states as SagaFilter['state'];
    }),
  businessKey: z.string().optional(),
  correlationId: z.string().optional(),
  since: z.iso.datetime({ offset: true, message: 'since must be an ISO date-time' }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const ActionBody = z.object({ by: z.string().trim().min(1).max(200).optional() }).default({});

type Reply = { status: number; body: unknown };

function failure(err: unknown): Reply {
  if (isSyncError(err)) {
    const code = err.syncwright.code;
    const status = code === 'SAGA_NOT_FOUND' ? 404 : code === 'SAGA_STATE' ? 409 : err.syncwright.class === 'data' ? 400 : 503;
    return { status, body: { error: code, message: err instanceof Error ? err.message : String(err) } };
  }
  return { status: 500, body: { error: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } };
}

function badRequest(error: z.ZodError): Reply {
  const issue = error.issues[0];
  const field = issue?.path.join('.') ?? '';
  return { status: 400, body: { error: 'BAD_REQUEST', message: `${field ? `${field}: ` : ''}${issue?.message ?? 'invalid request'}` } };
}

/** Who acts: the admin user when admin auth is on, else what the caller says. */
function actor(req: unknown, body: { by?: string | undefined }): string {
  const user = (req as { user?: { username?: unknown } }).user;
  if (user && typeof user.username === 'string') return user.username;
  return body.by ?? 'admin-api';
}

export function registerSagaRoutes(RED: Pick<NodeAPI, 'httpAdmin' | 'auth' | 'log'>, engineOf: () => Promise<Engine>): void {
  const read = RED.auth.needsPermission('syncwright.read');
  const write = RED.auth.needsPermission('syncwright.write');
  const answer = (res: { status(n: number): { json(b: unknown): unknown } }, work: Promise<Reply>): void => {
    work
      .catch((err: unknown) => failure(err))
      .then((r) => res.status(r.status).json(r.body))
      .catch((err: unknown) => RED.log.error(`[syncwright] saga admin route failed: ${String(err)}`));
  };

  RED.httpAdmin.get('/syncwright/sagas', read, (req, res) => {
    answer(
      res,
      (async () => {
        const q = ListQuery.safeParse(req.query);
        if (!q.success) return badRequest(q.error);
        const filter: SagaFilter = {};
        if (q.data.name !== undefined) filter.name = q.data.name;
        if (q.data.state !== undefined) filter.state = q.data.state;
        if (q.data.businessKey !== undefined) filter.businessKey = q.data.businessKey;
        if (q.data.correlationId !== undefined) filter.correlationId = q.data.correlationId;
        if (q.data.since !== undefined) filter.since = q.data.since;
        const e = await engineOf();
        const records = await e.sagas.list(filter, q.data.limit);
        return { status: 200, body: { sagas: records.map((r) => e.sagas.describe(r)) } };
      })(),
    );
  });

  RED.httpAdmin.get('/syncwright/sagas/:id', read, (req, res) => {
    answer(
      res,
      (async () => {
        const id = String(req.params.id);
        const e = await engineOf();
        const got = await e.sagas.get(id);
        if (!got) return { status: 404, body: { error: 'SAGA_NOT_FOUND', message: `no saga with id ${id}` } };
        return { status: 200, body: { saga: e.sagas.describe(got.record), message: got.message ?? null } };
      })(),
    );
  });

  for (const action of ['resume', 'compensate'] as const) {
    RED.httpAdmin.post(`/syncwright/sagas/:id/${action}`, write, (req, res) => {
      answer(
        res,
        (async () => {
          const body = ActionBody.safeParse(req.body ?? {});
          if (!body.success) return badRequest(body.error);
          const e = await engineOf();
          const id = String(req.params.id);
          const by = actor(req, body.data);
          const record = action === 'resume' ? await e.sagas.resume(id, by) : await e.sagas.compensate(id, by);
          return { status: 200, body: { saga: e.sagas.describe(record) } };
        })(),
      );
    });
  }
}
