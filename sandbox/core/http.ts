// A small, fast HTTP layer for the sandboxes: a router with path parameters, body parsing, and responses.
// Plain node:http keeps a sandbox far above 5,000 requests/s on one core.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SandboxRequest {
  id: number;
  method: string;
  /** Path without the query string, percent-decoded per segment by the router. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Raw body text ('' when none). */
  rawBody: string;
  params: Record<string, string>;
  /** Parsed JSON body, or the form fields of an application/x-www-form-urlencoded body. */
  body: unknown;
  receivedAt: number;
  /** Set by a vendor's auth step: who is calling. */
  principal?: string;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string | number>;
  /** Object → JSON; string → as is; undefined → empty body. */
  body?: unknown;
}

export type Handler = (req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

/** Routes like `/services/data/:version/sobjects/:sobject/:field/:value`; a last part `*rest` takes the remainder. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method: method.toUpperCase(), parts: pattern.split('/').filter((p) => p.length > 0), handler });
    return this;
  }

  get(p: string, h: Handler): this {
    return this.add('GET', p, h);
  }
  post(p: string, h: Handler): this {
    return this.add('POST', p, h);
  }
  put(p: string, h: Handler): this {
    return this.add('PUT', p, h);
  }
  patch(p: string, h: Handler): this {
    return this.add('PATCH', p, h);
  }
  delete(p: string, h: Handler): this {
    return this.add('DELETE', p, h);
  }

  /** The handler and parameters for a request; `methodMismatch` when the path exists for another method. */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | { methodMismatch: boolean } {
    const segments = path.split('/').filter((p) => p.length > 0);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchParts(route.parts, segments);
      if (!params) continue;
      if (route.method === method) return { handler: route.handler, params };
      pathMatched = true;
    }
    return { methodMismatch: pathMatched };
  }
}

function matchParts(parts: string[], segments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part.startsWith('*')) {
      params[part.slice(1)] = segments.slice(i).map(safeDecode).join('/');
      return params;
    }
    const seg = segments[i];
    if (seg === undefined) return undefined;
    if (part.startsWith(':')) params[part.slice(1)] = safeDecode(seg);
    else if (part !== seg) return undefined;
  }
  return segments.length === parts.length ? params : undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function readBody(req: IncomingMessage, limit = 50 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Parses a body by its content type. Throws SyntaxError on malformed JSON, for the vendor to answer in its shape. */
export function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(raw));
  if (type === 'application/json' || type === '' || type?.endsWith('+json')) return JSON.parse(raw) as unknown;
  return raw;
}

export function send(res: ServerResponse, out: SandboxResponse): void {
  const headers: Record<string, string | number> = { ...out.headers };
  let payload: string | undefined;
  if (out.body !== undefined) {
    if (typeof out.body === 'string') {
      payload = out.body;
      headers['content-type'] ??= 'text/plain; charset=utf-8';
    } else {
      payload = JSON.stringify(out.body);
      headers['content-type'] ??= 'application/json;charset=UTF-8';
    }
    headers['content-length'] = Buffer.byteLength(payload);
  } else {
    headers['content-length'] = 0;
  }
  res.writeHead(out.status, headers);
  res.end(payload);
}
