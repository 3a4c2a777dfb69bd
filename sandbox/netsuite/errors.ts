// NetSuite's error shape on the wire: an RFC 7807-style problem with `o:errorDetails`, each detail naming
// its code and, for body errors, the JSON path of the offending value (`o:errorPath`).
import type { SandboxResponse } from '../core/http.js';

export interface ErrorDetail {
  detail: string;
  'o:errorCode': string;
  'o:errorPath'?: string;
  'o:errorQueryParam'?: string;
  'o:errorHeader'?: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const TYPES: Record<number, string> = {
  400: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1',
  401: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.2',
  403: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.4',
  404: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.5',
  405: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.6',
  406: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.7',
  409: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.10',
  415: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.16',
  429: 'https://tools.ietf.org/html/rfc6585#section-4',
  500: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.1',
  502: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.3',
  503: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.4',
  504: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.5.5',
};

export function titleOf(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Internal Server Error' : 'Bad Request');
}

/** A NetSuite error response. */
export function nsError(status: number, details: ErrorDetail[], opts: { title?: string; headers?: Record<string, string> } = {}): SandboxResponse {
  return {
    status,
    headers: opts.headers,
    body: {
      type: TYPES[status] ?? (status >= 500 ? TYPES[500] : TYPES[400]),
      title: opts.title ?? titleOf(status),
      status,
      'o:errorDetails': details,
    },
  };
}

/** One-detail shorthand. */
export function nsError1(status: number, code: string, detail: string, extra: Omit<ErrorDetail, 'detail' | 'o:errorCode'> = {}): SandboxResponse {
  return nsError(status, [{ detail, 'o:errorCode': code, ...extra }]);
}

/** Thrown inside handlers; the adapter renders it. */
export class NetSuiteFault extends Error {
  constructor(
    readonly status: number,
    readonly details: ErrorDetail[],
    readonly headers?: Record<string, string>,
    readonly title?: string,
  ) {
    super(details.map((d) => d.detail).join('; '));
  }

  static of(status: number, code: string, detail: string, extra: Omit<ErrorDetail, 'detail' | 'o:errorCode'> = {}): NetSuiteFault {
    return new NetSuiteFault(status, [{ detail, 'o:errorCode': code, ...extra }]);
  }

  toResponse(): SandboxResponse {
    return nsError(this.status, this.details, { headers: this.headers, title: this.title });
  }
}

export const LOGIN_DETAIL =
  'Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.';

/** 401 as NetSuite answers a bad or expired credential. */
export function invalidLogin(realm: string): SandboxResponse {
  return nsError(401, [{ detail: LOGIN_DETAIL, 'o:errorCode': 'INVALID_LOGIN' }], {
    headers: { 'www-authenticate': `Bearer realm="${realm}", error="invalid_token", error_description="Invalid login attempt."` },
  });
}

export const NONEXISTENT_RECORD = 'The record instance does not exist. Provide a valid record instance ID.';
