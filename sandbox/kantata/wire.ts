// How Kantata OX looks on the wire: the error body, the side-loaded response envelope and its time formats.
import type { SandboxResponse } from '../core/http.js';

export type KantataErrorType = 'oauth' | 'system' | 'validation';

export interface KantataErrorItem {
  type: KantataErrorType;
  message: string;
  field?: string;
}

/** Thrown by handlers; the adapter turns it into Kantata's `{"errors":[…]}` body with its status. */
export class KantataHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: KantataErrorItem[],
  ) {
    super(errors.map((e) => e.message).join('; '));
  }
}

export function errorBody(errors: KantataErrorItem[]): { errors: KantataErrorItem[] } {
  return { errors };
}

export function errorResponse(status: number, errors: KantataErrorItem[]): SandboxResponse {
  return { status, body: errorBody(errors) };
}

export const notFound = (what = 'The requested resource'): KantataHttpError =>
  new KantataHttpError(404, [{ type: 'system', message: `${what} could not be found.` }]);

export const badRequest = (message: string): KantataHttpError => new KantataHttpError(400, [{ type: 'system', message }]);

export const invalid = (errors: KantataErrorItem[]): KantataHttpError => new KantataHttpError(422, errors);

/** One record as it goes out: every value is JSON, ids are numeric strings. */
export interface WireRecord {
  id: string;
  [field: string]: unknown;
}

export interface PageMeta {
  count: number;
  page_count: number;
  page_number: number;
  page_size: number;
}

/** `{count, meta, results:[{key,id}], <collection>:{id:{…}}, <side-loaded>:{…}}` — results carry the order. */
export interface Envelope {
  count: number;
  meta: PageMeta;
  results: Array<{ key: string; id: string }>;
  [collection: string]: unknown;
}

/** Kantata times are ISO 8601 with whole seconds and an offset (the sandbox's account time zone is UTC). */
export function wireTime(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}+00:00`;
}

/** A calendar date `YYYY-MM-DD`. */
export function wireDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function isCalendarDate(s: string): boolean {
  if (!DATE_RE.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().startsWith(s);
}

const CURRENCY_SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', CAD: '$', AUD: '$', JPY: '¥', CHF: 'CHF', INR: '₹' };
const ZERO_DECIMAL = new Set(['JPY']);

export function currencySymbol(code: string): string {
  return CURRENCY_SYMBOLS[code] ?? code;
}

export function currencyBaseUnit(code: string): number {
  return ZERO_DECIMAL.has(code) ? 1 : 100;
}

/** Cents as Kantata's formatted money string, e.g. 1250000 → "12,500.00". Hand-rolled: toLocaleString
 *  was a fifth of the CPU of a workspace read. */
export function formatMoney(cents: number, currency: string): string {
  const unit = currencyBaseUnit(currency);
  const negative = cents < 0;
  const abs = Math.abs(Math.round(cents));
  const whole = String(Math.floor(abs / unit)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = unit === 1 ? '' : `.${String(abs % unit).padStart(2, '0')}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}
