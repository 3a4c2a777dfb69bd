// The Kantata OX surface on the shared sandbox server: bearer auth, the /api/v1 routes (with or without the
// `.json` suffix, as the real API accepts both) and Kantata's error bodies for limits, faults and bad requests.
import type { Clock } from '../core/clock.js';
import type { ActiveFault, Limits } from '../core/faults.js';
import { Router, type Handler, type SandboxRequest, type SandboxResponse } from '../core/http.js';
import type { LimitKind, VendorAdapter } from '../core/sandbox.js';
import { KantataModel, type CreateCounter } from './model.js';
import { bodyParams } from './params.js';
import { seedKantata } from './seed.js';
import { errorResponse, KantataHttpError, notFound, type KantataErrorItem } from './wire.js';

const API = '/api/v1';
const OAUTH_ERROR: KantataErrorItem = { type: 'oauth', message: 'Invalid OAuth 2 Request' };

interface TokenGrant {
  userId: string;
  revoked: boolean;
}

export class KantataAdapter implements VendorAdapter {
  readonly name = 'kantata';
  readonly router = new Router();
  readonly model: KantataModel;
  private readonly tokens = new Map<string, TokenGrant>();

  constructor(
    clock: Clock,
    counter: CreateCounter,
    /** Tokens granted at start and after every reset, each acting as the given user. */
    private readonly initialTokens: ReadonlyArray<{ token: string; userId: string }>,
  ) {
    this.model = new KantataModel(clock, counter);
    this.grantInitialTokens();
    this.route();
  }

  // ---- tokens ----

  grantToken(token: string, userId: string): void {
    this.tokens.set(token, { userId, revoked: false });
  }

  revokeToken(token: string): boolean {
    const grant = this.tokens.get(token);
    if (!grant) return false;
    grant.revoked = true;
    return true;
  }

  expireTokens(): void {
    for (const grant of this.tokens.values()) grant.revoked = true;
  }

  expireTokenOf(req: SandboxRequest): void {
    const token = bearer(req);
    if (token !== undefined) this.revokeToken(token);
  }

  private grantInitialTokens(): void {
    this.tokens.clear();
    for (const { token, userId } of this.initialTokens) this.grantToken(token, userId);
  }

  private authenticate(req: SandboxRequest): string {
    const token = bearer(req);
    const grant = token === undefined ? undefined : this.tokens.get(token);
    if (!grant || grant.revoked) throw new KantataHttpError(401, [OAUTH_ERROR]);
    req.principal = grant.userId;
    return grant.userId;
  }

  // ---- VendorAdapter ----

  reset(): void {
    this.model.clear();
    this.grantInitialTokens();
  }

  seed(): void {
    seedKantata(this.model.store);
  }

  inspect(): Record<string, unknown[]> {
    const out: Record<string, unknown[]> = {};
    for (const [key, def] of Object.entries(this.model.query.defs)) out[key] = def.table(this.model.store).all().map((row) => def.view(row, this.model.store));
    return out;
  }

  limitResponse(_kind: LimitKind, _req: SandboxRequest, _limits: Limits): SandboxResponse {
    // Kantata documents no rate-limit headers; every limit answers the same 429.
    return errorResponse(429, [{ type: 'system', message: 'Rate limit exceeded. Please slow down and try again later.' }]);
  }

  faultResponse(rule: ActiveFault, _req: SandboxRequest): SandboxResponse {
    const status = rule.kind === 'maintenance' ? 503 : (rule.status ?? 500);
    const out = errorResponse(status, [faultError(rule.kind === 'maintenance' ? 'maintenance' : status)]);
    if (rule.retryAfter !== undefined) out.headers = { 'retry-after': rule.retryAfter };
    return out;
  }

  notFoundResponse(req: SandboxRequest, _methodMismatch: boolean): SandboxResponse {
    // Rails answers unknown routes, whatever the method, with 404.
    return errorResponse(404, [{ type: 'system', message: `No route matches [${req.method}] "${req.path}"` }]);
  }

  malformedBodyResponse(_req: SandboxRequest, _error: Error): SandboxResponse {
    return errorResponse(400, [{ type: 'system', message: 'The request body is not valid JSON.' }]);
  }

  internalErrorResponse(_req: SandboxRequest, error: unknown): SandboxResponse {
    if (error instanceof KantataHttpError) return errorResponse(error.status, error.errors);
    return errorResponse(500, [{ type: 'system', message: 'An unexpected error occurred. Please try again later.' }]);
  }

  // ---- routes ----

  private route(): void {
    const m = this.model;
    const ok = (body: unknown): SandboxResponse => ({ status: 200, body });
    const list = (collection: string) => this.authed((req) => ok(m.query.read(collection, req.query)));
    const show = (collection: string) => this.authed((req) => ok(m.query.read(collection, req.query, { id: recordId(req) })));
    const create = (collection: string) =>
      this.authed((req, principal) => ok(m.query.read(collection, req.query, { rows: m.create(collection, bodyParams(req), principal) })));
    const update = (collection: string) =>
      this.authed((req) => ok(m.query.read(collection, req.query, { rows: [m.update(collection, recordId(req), bodyParams(req))] })));
    const remove = (collection: string) =>
      this.authed((req) => {
        m.remove(collection, recordId(req));
        return { status: 204 };
      });

    this.get('users/me', this.authed((req, principal) => ok(m.query.read('users', req.query, { id: principal }))));
    this.resource('users', { list: list('users'), show: show('users') });
    this.resource('roles', { list: list('roles'), show: show('roles') });
    this.resource('workspaces', { list: list('workspaces'), show: show('workspaces'), create: create('workspaces'), update: update('workspaces') });
    for (const c of ['stories', 'time_entries', 'expenses', 'workspace_resources']) {
      this.resource(c, { list: list(c), show: show(c), create: create(c), update: update(c), remove: remove(c) });
    }
    this.resource('resource_requests', { list: list('resource_requests'), show: show('resource_requests'), create: create('resource_requests'), update: update('resource_requests') });
    this.resource('invoices', { list: list('invoices'), show: show('invoices') });

    this.post(
      'external_references/create_or_update',
      this.authed((req) => ok(m.query.read('external_references', req.query, { rows: [m.createOrUpdateReference(bodyParams(req))] }))),
    );
    this.resource('external_references', {
      list: this.authed((req) => {
        if (!req.query.get('subject_type')) throw new KantataHttpError(400, [{ type: 'validation', message: 'subject_type is required', field: 'subject_type' }]);
        return ok(m.query.read('external_references', req.query));
      }),
      show: show('external_references'),
    });
  }

  private authed(h: (req: SandboxRequest, principal: string) => SandboxResponse): Handler {
    return (req) => h(req, this.authenticate(req));
  }

  private resource(collection: string, h: { list: Handler; show: Handler; create?: Handler; update?: Handler; remove?: Handler }): void {
    this.get(collection, h.list);
    if (h.create) this.post(collection, h.create);
    for (const p of [`${API}/${collection}/:id`]) {
      this.router.get(p, h.show);
      if (h.update) this.router.put(p, h.update);
      if (h.remove) this.router.delete(p, h.remove);
    }
  }

  private get(path: string, h: Handler): void {
    this.router.get(`${API}/${path}.json`, h).get(`${API}/${path}`, h);
  }

  private post(path: string, h: Handler): void {
    this.router.post(`${API}/${path}.json`, h).post(`${API}/${path}`, h);
  }
}

function bearer(req: SandboxRequest): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

/** `:id` of `/x/{id}.json` (or `/x/{id}`); anything but a numeric id is a missing record. */
function recordId(req: SandboxRequest): string {
  const raw = req.params['id'] ?? '';
  const id = raw.endsWith('.json') ? raw.slice(0, -5) : raw;
  if (!/^[1-9]\d*$/.test(id)) throw notFound(`Record ${JSON.stringify(id)}`);
  return id;
}

function faultError(kind: number | 'maintenance'): KantataErrorItem {
  switch (kind) {
    case 'maintenance':
      return { type: 'system', message: 'Kantata OX is down for scheduled maintenance. Please try again later.' };
    case 401:
      return OAUTH_ERROR;
    case 403:
      return { type: 'system', message: 'You do not have permission to perform this action.' };
    case 404:
      return { type: 'system', message: 'The requested resource could not be found.' };
    case 422:
      return { type: 'validation', message: 'The request could not be processed.' };
    case 429:
      return { type: 'system', message: 'Rate limit exceeded. Please slow down and try again later.' };
    case 503:
      return { type: 'system', message: 'Kantata OX is temporarily unavailable. Please try again later.' };
    default:
      return { type: 'system', message: kind >= 500 ? 'An unexpected error occurred. Please try again later.' : 'The request could not be processed.' };
  }
}
