// The record API's `q` filter on list requests (`GET /record/v1/customer?q=email START_WITH "barbara"`):
// conditions `field OPERATOR value` joined with AND/OR, operators by field kind as NetSuite documents them.
import { NetSuiteFault } from './errors.js';
import type { FieldDef, RecordTypeDef } from './records.js';
import { isRef, textOf, type FieldValue, type StoredRecord } from './store.js';

type Cond = { t: 'cond'; field: string; op: string; values: string[] } | { t: 'and' | 'or'; l: Cond; r: Cond };

const NO_VALUE = new Set(['EMPTY', 'EMPTY_NOT']);
const OPS: Record<string, readonly string[]> = {
  text: ['IS', 'IS_NOT', 'START_WITH', 'START_WITH_NOT', 'END_WITH', 'END_WITH_NOT', 'CONTAIN', 'CONTAIN_NOT', 'EMPTY', 'EMPTY_NOT'],
  number: ['EQUAL', 'EQUAL_NOT', 'GREATER', 'GREATER_OR_EQUAL', 'LESS', 'LESS_OR_EQUAL', 'BETWEEN', 'BETWEEN_NOT', 'EMPTY', 'EMPTY_NOT', 'ANY_OF', 'ANY_OF_NOT'],
  boolean: ['IS', 'IS_NOT'],
  date: ['ON', 'ON_OR_AFTER', 'AFTER', 'ON_OR_BEFORE', 'BEFORE', 'BETWEEN', 'BETWEEN_NOT', 'EMPTY', 'EMPTY_NOT'],
  ref: ['ANY_OF', 'ANY_OF_NOT', 'EMPTY', 'EMPTY_NOT', 'IS', 'IS_NOT', 'EQUAL'],
};

function groupOf(f: FieldDef): keyof typeof OPS {
  switch (f.kind) {
    case 'string':
    case 'email':
      return 'text';
    case 'integer':
    case 'number':
    case 'duration':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'date':
    case 'datetime':
      return 'date';
    default:
      return 'ref';
  }
}

/** Internal ids compare as numbers although the record shows them as strings. */
function groupFor(name: string, f: FieldDef): keyof typeof OPS {
  return name === 'id' ? 'number' : groupOf(f);
}

function qError(detail: string): NetSuiteFault {
  return NetSuiteFault.of(400, 'INVALID_PARAMETER', `Invalid query parameter 'q': ${detail}`, { 'o:errorQueryParam': 'q' });
}

function tokenize(q: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (/\s|,/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let text = '';
      while (j < q.length && q[j] !== '"') {
        if (q[j] === '\\' && j + 1 < q.length) j++;
        text += q[j++];
      }
      if (j >= q.length) throw qError('unterminated quoted value');
      out.push(`"${text}`);
      i = j + 1;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push(c);
      i++;
      continue;
    }
    let j = i;
    while (j < q.length && !/[\s,()"]/.test(q[j])) j++;
    out.push(q.slice(i, j));
    i = j;
  }
  return out;
}

export function parseRecordQuery(def: RecordTypeDef, q: string): Cond {
  const toks = tokenize(q);
  let i = 0;
  const isValue = (t: string | undefined): boolean => t !== undefined && t !== '(' && t !== ')' && t.toUpperCase() !== 'AND' && t.toUpperCase() !== 'OR';
  const primary = (): Cond => {
    if (toks[i] === '(') {
      i++;
      const c = or();
      if (toks[i++] !== ')') throw qError("expected ')'");
      return c;
    }
    const field = toks[i++];
    if (field === undefined || field.startsWith('"')) throw qError('expected a field name');
    const f = def.fields[field];
    if (!f) throw qError(`unknown field '${field}' on ${def.name}`);
    const op = (toks[i++] ?? '').toUpperCase();
    const group = groupFor(field, f);
    if (!OPS[group].includes(op)) throw qError(`operator '${op}' cannot be used with field '${field}'; use one of ${OPS[group].join(', ')}`);
    const values: string[] = [];
    if (!NO_VALUE.has(op)) {
      while (isValue(toks[i])) {
        const t = toks[i++];
        values.push(t.startsWith('"') ? t.slice(1) : t);
      }
      if (values.length === 0) throw qError(`operator '${op}' needs a value`);
    }
    return { t: 'cond', field, op, values };
  };
  const and = (): Cond => {
    let l = primary();
    while (toks[i]?.toUpperCase() === 'AND') {
      i++;
      l = { t: 'and', l, r: primary() };
    }
    return l;
  };
  const or = (): Cond => {
    let l = and();
    while (toks[i]?.toUpperCase() === 'OR') {
      i++;
      l = { t: 'or', l, r: and() };
    }
    return l;
  };
  const c = or();
  if (i < toks.length) throw qError(`unexpected '${toks[i].replace(/^"/, '')}'`);
  return c;
}

/** A date in a query: ISO (2026-01-31, with or without time) or the M/D/YYYY preference format. */
function queryDate(s: string): number {
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  const ms = us ? Date.UTC(Number(us[3]), Number(us[1]) - 1, Number(us[2])) : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
  if (Number.isNaN(ms)) throw qError(`'${s}' is not a date`);
  return ms;
}

export function matches(rec: StoredRecord, values: Record<string, FieldValue>, c: Cond): boolean {
  if (c.t !== 'cond') return c.t === 'and' ? matches(rec, values, c.l) && matches(rec, values, c.r) : matches(rec, values, c.l) || matches(rec, values, c.r);
  const f = rec.def.fields[c.field];
  let v: FieldValue | undefined = values[c.field];
  if (c.field === 'id') v = rec.id;
  if (c.field === rec.def.createdField) v = rec.created;
  if (c.field === 'lastModifiedDate') v = rec.modified;
  const empty = v === undefined || v === '';
  if (c.op === 'EMPTY') return empty;
  if (c.op === 'EMPTY_NOT') return !empty;
  const [a, b] = c.values;
  switch (groupFor(c.field, f)) {
    case 'text': {
      const s = typeof v === 'string' ? v.toLowerCase() : '';
      const x = a.toLowerCase();
      const r = c.op.startsWith('IS') ? s === x : c.op.startsWith('START_WITH') ? s.startsWith(x) : c.op.startsWith('END_WITH') ? s.endsWith(x) : s.includes(x);
      return c.op.endsWith('_NOT') ? !r : r;
    }
    case 'boolean': {
      const want = a.toLowerCase() === 'true' || a === 'T';
      return (v === want) !== (c.op === 'IS_NOT');
    }
    case 'number': {
      const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
      const nums = c.values.map((x) => {
        const k = Number(x);
        if (Number.isNaN(k)) throw qError(`'${x}' is not a number`);
        return k;
      });
      switch (c.op) {
        case 'EQUAL':
          return n === nums[0];
        case 'EQUAL_NOT':
          return n !== nums[0];
        case 'GREATER':
          return n > nums[0];
        case 'GREATER_OR_EQUAL':
          return n >= nums[0];
        case 'LESS':
          return n < nums[0];
        case 'LESS_OR_EQUAL':
          return n <= nums[0];
        case 'BETWEEN':
          return n >= nums[0] && n <= (nums[1] ?? nums[0]);
        case 'BETWEEN_NOT':
          return !(n >= nums[0] && n <= (nums[1] ?? nums[0]));
        case 'ANY_OF':
          return nums.includes(n);
        default:
          return !nums.includes(n);
      }
    }
    case 'date': {
      if (v === undefined) return false;
      const t = typeof v === 'number' ? v : Date.parse(`${textOf(v)}T00:00:00Z`);
      const day = (ms: number): number => Math.floor(ms / 86_400_000);
      const x = queryDate(a);
      switch (c.op) {
        case 'ON':
          return day(t) === day(x);
        case 'AFTER':
          return f.kind === 'datetime' && a.includes('T') ? t > x : day(t) > day(x);
        case 'ON_OR_AFTER':
          return f.kind === 'datetime' && a.includes('T') ? t >= x : day(t) >= day(x);
        case 'BEFORE':
          return f.kind === 'datetime' && a.includes('T') ? t < x : day(t) < day(x);
        case 'ON_OR_BEFORE':
          return f.kind === 'datetime' && a.includes('T') ? t <= x : day(t) <= day(x);
        default: {
          const y = queryDate(b ?? a);
          const inside = day(t) >= day(x) && day(t) <= day(y);
          return c.op === 'BETWEEN' ? inside : !inside;
        }
      }
    }
    default: {
      const id = isRef(v) ? String(v.id) : v === undefined ? undefined : String(v);
      const hit = id !== undefined && c.values.includes(id);
      return c.op.endsWith('_NOT') ? !hit : hit;
    }
  }
}

export type RecordQuery = Cond;
