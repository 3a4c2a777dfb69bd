// Safe parameter binding for SuiteQL. SuiteQL has no bind variables over REST, so values are written into the
// query as literals by SuiteQL's (Oracle's) rules: a string between single quotes with every quote doubled,
// numbers in plain decimal notation, dates through TO_DATE/TO_TIMESTAMP with an explicit format. Placeholders
// are `?` (positional) and `:name` (named); text inside quotes and comments is never taken for a placeholder,
// so an external value can never end a literal and add SQL of its own.
import { SyncError } from '../../../runtime-plugins/sync-error.js';
import { TARGET } from './profile.js';

/** A calendar date, bound as `TO_DATE('YYYY-MM-DD', 'YYYY-MM-DD')`. */
export class SuiteQLDate {
  constructor(readonly isoDate: string) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDate) || Number.isNaN(Date.parse(`${isoDate}T00:00:00Z`))) throw bindError(`a SuiteQL date must be YYYY-MM-DD, got "${isoDate}"`);
  }
}

/**
 * A date and time as the account shows it (its time zone), `YYYY-MM-DD HH24:MI:SS`, bound as
 * `TO_TIMESTAMP('…', 'YYYY-MM-DD HH24:MI:SS')`. A JS Date binds the same way in UTC.
 */
export class SuiteQLTimestamp {
  constructor(readonly text: string) {
    if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text)) throw bindError(`a SuiteQL timestamp must be YYYY-MM-DD HH24:MI:SS, got "${text}"`);
  }
}

export type SuiteQLScalar = string | number | bigint | boolean | null | Date | SuiteQLDate | SuiteQLTimestamp;
/** A scalar, or a list of scalars for `IN (…)`. */
export type SuiteQLValue = SuiteQLScalar | readonly SuiteQLScalar[];
export type SuiteQLParams = readonly SuiteQLValue[] | Readonly<Record<string, SuiteQLValue>>;

function bindError(message: string): SyncError {
  return new SyncError(message, { class: 'data', code: 'INVALID_QUERY_PARAMETER', retryable: false, target: TARGET });
}

/** A string as a SuiteQL literal: quotes doubled, NUL refused (it would end the text early in some layers). */
export function quoteString(value: string): string {
  if (value.includes('\u0000')) throw bindError('a SuiteQL string value must not contain the NUL character');
  return `'${value.replace(/'/g, "''")}'`;
}

function formatNumber(n: number, name: string): string {
  if (!Number.isFinite(n)) throw bindError(`parameter ${name} is ${String(n)}, which SuiteQL cannot hold`);
  // Plain decimal notation: `1e-7` or `1e21` would not parse as a SuiteQL number literal.
  const text = Number.isInteger(n) && Math.abs(n) < 1e21 ? n.toFixed(0) : n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
  return n < 0 ? `(${text})` : text;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function literal(value: unknown, name: string): string {
  if (value === null) return 'NULL';
  if (value === undefined) throw bindError(`parameter ${name} has no value (undefined); pass null for SQL NULL`);
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'number') return formatNumber(value, name);
  if (typeof value === 'bigint') return value < 0n ? `(${value.toString()})` : value.toString();
  // SuiteQL shows checkboxes as 'T' / 'F'.
  if (typeof value === 'boolean') return value ? "'T'" : "'F'";
  if (value instanceof SuiteQLDate) return `TO_DATE(${quoteString(value.isoDate)}, 'YYYY-MM-DD')`;
  if (value instanceof SuiteQLTimestamp) return `TO_TIMESTAMP(${quoteString(value.text)}, 'YYYY-MM-DD HH24:MI:SS')`;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw bindError(`parameter ${name} is an invalid Date`);
    const text = `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())} ${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}:${pad(value.getUTCSeconds())}`;
    return `TO_TIMESTAMP('${text}', 'YYYY-MM-DD HH24:MI:SS')`;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) throw bindError(`parameter ${name} is an empty list: IN () matches nothing and is not valid SuiteQL`);
    return `(${value.map((v: unknown, i) => {
      if (Array.isArray(v)) throw bindError(`parameter ${name}[${i}] is a list inside a list`);
      return literal(v, `${name}[${i}]`);
    }).join(', ')})`;
  }
  throw bindError(`parameter ${name} is a ${typeof value === 'object' ? 'object' : typeof value}; bind strings, numbers, booleans, null, dates or lists of them`);
}

/**
 * The query with its placeholders replaced by literals. Positional `?` take `params` as an array in order;
 * named `:name` take it as an object. Every placeholder needs a value and every value a placeholder.
 */
export function bindSuiteQL(sql: string, params: SuiteQLParams = []): string {
  const positional = Array.isArray(params) ? (params as readonly SuiteQLValue[]) : undefined;
  const named = positional === undefined ? (params as Readonly<Record<string, SuiteQLValue>>) : undefined;
  const usedNames = new Set<string>();
  let nextPosition = 0;
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    // Copy quoted text and comments as they are: no placeholder lives inside them.
    if (c === "'" || c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= n) throw bindError(`the query has an unterminated ${c === "'" ? 'string literal' : 'quoted name'} starting at character ${i + 1}`);
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        j += 1;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw bindError(`the query has an unterminated comment starting at character ${i + 1}`);
      out += sql.slice(i, end + 2);
      i = end + 2;
      continue;
    }
    if (c === '?') {
      if (positional === undefined) throw bindError('the query uses ? placeholders: pass the parameters as an array');
      if (nextPosition >= positional.length) throw bindError(`the query has more ? placeholders than the ${positional.length} parameter(s) given`);
      out += literal(positional[nextPosition], `#${nextPosition + 1}`);
      nextPosition += 1;
      i += 1;
      continue;
    }
    if (c === ':' && /[A-Za-z_]/.test(sql[i + 1] ?? '') && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1));
      const name = m?.[0] ?? '';
      if (named === undefined) throw bindError(`the query uses the named placeholder :${name}: pass the parameters as an object`);
      if (!Object.prototype.hasOwnProperty.call(named, name)) throw bindError(`the query uses :${name}, but no parameter of that name is given`);
      out += literal(named[name], `:${name}`);
      usedNames.add(name);
      i += 1 + name.length;
      continue;
    }
    out += c;
    i += 1;
  }
  if (positional !== undefined && nextPosition < positional.length) throw bindError(`${positional.length} parameter(s) given, but the query has only ${nextPosition} ? placeholder(s)`);
  if (named !== undefined) {
    const unused = Object.keys(named).filter((k) => !usedNames.has(k));
    if (unused.length > 0) throw bindError(`parameter(s) ${unused.map((u) => `:${u}`).join(', ')} given but not used in the query`);
  }
  return out;
}
