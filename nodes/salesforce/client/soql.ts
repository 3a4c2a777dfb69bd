// SOQL with named parameters. External values never reach a query by concatenation: `bindSoql` replaces each
// `:name` outside string literals with a literal formatted by Salesforce's rules (strings quoted and escaped,
// dates, date-times, numbers, booleans, null, lists for IN), so a value can only ever be a value.
import { SyncError } from '../../../runtime-plugins/sync-error.js';

/** A date literal (`2026-01-31`, unquoted in SOQL). */
export class SoqlDate {
  readonly value: string;
  constructor(value: string) {
    if (!isCalendarDate(value)) throw new TypeError(`"${value}" is not a date written YYYY-MM-DD`);
    this.value = value;
  }
}

/** A date-time literal, written in UTC with milliseconds (`2026-01-31T10:00:00.000Z`). */
export class SoqlDateTime {
  readonly value: string;
  constructor(value: Date | string) {
    const ms = value instanceof Date ? value.getTime() : parseSalesforceDateTime(value);
    if (ms === undefined || !Number.isFinite(ms)) throw new TypeError(`"${String(value)}" is not a date-time`);
    this.value = new Date(ms).toISOString();
  }
}

/** A number given as a decimal string, e.g. a canonical money amount (`"1250.00"`). */
export class SoqlNumber {
  readonly value: string;
  constructor(value: string) {
    if (!/^-?\d+(\.\d+)?$/.test(value)) throw new TypeError(`"${value}" is not a decimal number`);
    this.value = value;
  }
}

/** A LIKE pattern built from a literal text: only the wildcards this adds match anything. */
export class SoqlLike {
  private constructor(
    readonly text: string,
    readonly mode: 'startsWith' | 'endsWith' | 'contains',
  ) {}
  static startsWith(text: string): SoqlLike {
    return new SoqlLike(text, 'startsWith');
  }
  static endsWith(text: string): SoqlLike {
    return new SoqlLike(text, 'endsWith');
  }
  static contains(text: string): SoqlLike {
    return new SoqlLike(text, 'contains');
  }
}

export type SoqlScalar = string | number | bigint | boolean | null | Date | SoqlDate | SoqlDateTime | SoqlNumber | SoqlLike;
export type SoqlValue = SoqlScalar | readonly SoqlScalar[];
export type SoqlParams = Readonly<Record<string, SoqlValue>>;

function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** Salesforce writes date-times as `2026-01-05T09:00:00.000+0000`; Date.parse wants a colon in the offset. */
export function parseSalesforceDateTime(value: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  const zone = m[2] === 'Z' ? 'Z' : `${m[2].slice(0, 3)}:${m[2].slice(-2)}`;
  const ms = Date.parse(`${m[1]}${zone}`);
  return Number.isNaN(ms) ? undefined : ms;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text a URL can carry: no unpaired UTF-16 surrogate. */
function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

const CONTROL_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/**
 * The body of a SOQL string literal: backslash first (so no escape added later is doubled), then quotes, then
 * control characters (the five with a short escape, the rest as \uXXXX); in a LIKE pattern also `_` and `%`.
 */
export function escapeSoqlString(value: string, like = false): string {
  let out = value.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('"', '\\"');
  // eslint-disable-next-line no-control-regex
  out = out.replace(/[\u0000-\u001f\u007f]/g, (c) => CONTROL_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (like) out = out.replaceAll('_', '\\_').replaceAll('%', '\\%');
  return out;
}

/** A quoted SOQL string literal. */
export function soqlString(value: string, like = false): string {
  return `'${escapeSoqlString(value, like)}'`;
}

/** A finite number without exponent notation (SOQL has none). */
export function soqlNumber(value: number | bigint): string {
  if (typeof value === 'bigint') return value.toString();
  if (!Number.isFinite(value)) throw new TypeError(`${value} is not a finite number`);
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return BigInt(value).toString();
  const text = String(value);
  if (!/e/i.test(text)) return text;
  // 1e-7 and 1.5e+21: expand the exponent by hand.
  const [mantissa, exp] = text.toLowerCase().split('e');
  const negative = mantissa.startsWith('-');
  const [int, frac = ''] = mantissa.replace('-', '').split('.');
  const digits = int + frac;
  const point = int.length + Number(exp);
  let body: string;
  if (point <= 0) body = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) body = digits + '0'.repeat(point - digits.length);
  else body = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? '-' : '') + body;
}

function badParam(name: string, reason: string): SyncError {
  return new SyncError(`SOQL parameter :${name} ${reason}`, { class: 'data', code: 'INVALID_QUERY_PARAMETER', retryable: false, target: 'salesforce', fields: [name] });
}

function formatScalar(name: string, value: SoqlScalar, inLike: boolean): string {
  if (value === null) {
    if (inLike) throw badParam(name, 'is null, which LIKE cannot match');
    return 'null';
  }
  if (value instanceof SoqlLike) {
    if (!inLike) throw badParam(name, 'is a LIKE pattern but the query does not compare it with LIKE');
    if (!isWellFormed(value.text)) throw badParam(name, 'is not valid Unicode (it holds an unpaired surrogate)');
    const body = escapeSoqlString(value.text, true);
    const pattern = value.mode === 'startsWith' ? `${body}%` : value.mode === 'endsWith' ? `%${body}` : `%${body}%`;
    return `'${pattern}'`;
  }
  if (typeof value === 'string') {
    if (!isWellFormed(value)) throw badParam(name, 'is not valid Unicode (it holds an unpaired surrogate)');
    // A plain string after LIKE matches itself only: its _ and % are escaped.
    return soqlString(value, inLike);
  }
  if (inLike) throw badParam(name, 'must be text (or a {startsWith|endsWith|contains} pattern) to compare with LIKE');
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw badParam(name, `is ${value}, not a finite number`);
    return soqlNumber(value);
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw badParam(name, 'is an invalid Date');
    return value.toISOString();
  }
  if (value instanceof SoqlDate || value instanceof SoqlDateTime || value instanceof SoqlNumber) return value.value;
  throw badParam(name, 'has a type SOQL cannot hold');
}

function formatValue(name: string, value: SoqlValue, inLike: boolean): string {
  if (Array.isArray(value)) {
    if (inLike) throw badParam(name, 'is a list, which LIKE cannot match');
    if (value.length === 0) throw badParam(name, 'is an empty list (IN () matches nothing and is not valid SOQL)');
    return `(${(value as readonly SoqlScalar[]).map((v) => formatScalar(name, v, false)).join(', ')})`;
  }
  return formatScalar(name, value as SoqlScalar, inLike);
}

const PARAM_START = /[A-Za-z_]/;
const PARAM_PART = /[A-Za-z0-9_]/;
/** Characters after which `:` starts a parameter; after an identifier it belongs to a literal (LAST_N_DAYS:7). */
const BEFORE_PARAM = /[\s(,=<>!]/;

/**
 * Binds named parameters into a SOQL template: `SELECT Id FROM Account WHERE Name = :name AND Id IN :ids`.
 * `:name` inside a quoted string literal is text, not a parameter. A parameter the template uses but `params`
 * lacks is an error naming it; parameters the template does not use are ignored.
 */
export function bindSoql(template: string, params: SoqlParams = {}): string {
  let out = '';
  let i = 0;
  const n = template.length;
  let lastWord = '';
  while (i < n) {
    const c = template[i];
    if (c === "'") {
      // Copy a literal of the template itself, escapes and all.
      let j = i + 1;
      while (j < n && template[j] !== "'") j += template[j] === '\\' ? 2 : 1;
      if (j >= n) throw new SyncError('the SOQL template has an unterminated string literal', { class: 'data', code: 'MALFORMED_QUERY', retryable: false, target: 'salesforce' });
      out += template.slice(i, j + 1);
      i = j + 1;
      lastWord = '';
      continue;
    }
    if (c === ':' && PARAM_START.test(template[i + 1] ?? '') && (i === 0 || BEFORE_PARAM.test(template[i - 1]))) {
      let j = i + 2;
      while (j < n && PARAM_PART.test(template[j])) j++;
      const name = template.slice(i + 1, j);
      if (!Object.prototype.hasOwnProperty.call(params, name)) throw badParam(name, 'is used in the query but no value was given');
      out += formatValue(name, params[name], lastWord === 'like');
      i = j;
      lastWord = '';
      continue;
    }
    if (PARAM_START.test(c)) {
      let j = i + 1;
      while (j < n && PARAM_PART.test(template[j])) j++;
      lastWord = template.slice(i, j).toLowerCase();
      out += template.slice(i, j);
      i = j;
      continue;
    }
    if (!/\s/.test(c)) lastWord = '';
    out += c;
    i++;
  }
  return out;
}

/**
 * Parameters from a message (`msg.params`, plain JSON): strings, numbers, booleans, null and arrays of those as
 * they are; `{date: "2026-01-31"}`, `{datetime: "…"}`, `{number: "1250.00"}` for typed literals;
 * `{startsWith|endsWith|contains: "text"}` for LIKE patterns. Anything else is refused, naming the parameter.
 */
export function parseSoqlParams(raw: unknown): Record<string, SoqlValue> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new SyncError('msg.params must be an object of named SOQL parameters', { class: 'data', code: 'INVALID_QUERY_PARAMETER', retryable: false, target: 'salesforce' });
  const out: Record<string, SoqlValue> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw badParam(name, 'has a name that is not a SOQL parameter name (letters, digits, _)');
    out[name] = Array.isArray(value) ? value.map((v) => parseScalar(name, v)) : parseScalar(name, value);
  }
  return out;
}

function parseScalar(name: string, value: unknown): SoqlScalar {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw badParam(name, `is ${value}, not a finite number`);
    return value;
  }
  if (value instanceof Date) return value;
  if (typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    const [kind, inner] = entries[0] ?? [];
    if (entries.length === 1 && typeof inner === 'string') {
      try {
        switch (kind) {
          case 'date':
            return new SoqlDate(inner);
          case 'datetime':
            return new SoqlDateTime(inner);
          case 'number':
            return new SoqlNumber(inner);
          case 'startsWith':
            return SoqlLike.startsWith(inner);
          case 'endsWith':
            return SoqlLike.endsWith(inner);
          case 'contains':
            return SoqlLike.contains(inner);
          default:
            break;
        }
      } catch (err) {
        throw badParam(name, err instanceof Error ? err.message : String(err));
      }
    }
    throw badParam(name, 'must be a string, number, boolean, null, a list, or one of {date}, {datetime}, {number}, {startsWith}, {endsWith}, {contains}');
  }
  throw badParam(name, `is a ${typeof value}, which SOQL cannot hold`);
}

/**
 * A flow's own WHERE condition, to be ANDed in parentheses with Syncwright's (a trigger's cursor): it must stay
 * inside them — parentheses balanced outside string literals, no `;` and no clause after it. Throws an Error
 * saying what is wrong.
 */
export function checkWhereCondition(condition: string): void {
  let depth = 0;
  let outside = '';
  for (let i = 0; i < condition.length; i++) {
    const ch = condition[i];
    if (ch === "'") {
      // Skip the literal, with its backslash escapes.
      for (i++; i < condition.length && condition[i] !== "'"; i++) if (condition[i] === '\\') i++;
      if (i >= condition.length) throw new Error(`condition has an unterminated string literal: ${condition}`);
      outside += ' ';
      continue;
    }
    if (ch === '(') depth++;
    if (ch === ')' && --depth < 0) throw new Error(`condition has a ")" without its "(": ${condition}`);
    outside += ch;
  }
  if (depth !== 0) throw new Error(`condition has a "(" without its ")": ${condition}`);
  if (outside.includes(';')) throw new Error(`condition must be a WHERE condition only (no ";"): ${condition}`);
  if (/\b(ORDER\s+BY|LIMIT|OFFSET|GROUP\s+BY|FOR\s+(UPDATE|VIEW|REFERENCE))\b/i.test(outside)) throw new Error(`condition must be a WHERE condition only (no ORDER BY, LIMIT, OFFSET, GROUP BY or FOR): ${condition}`);
}
