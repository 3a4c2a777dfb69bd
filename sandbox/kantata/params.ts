// Request bodies: Kantata accepts JSON or Rails-structured form bodies (`workspace[title]=…`,
// `stories[][title]=…`), and coerces strings the way Rails does. `Input` reads one object's fields and
// collects validation errors with the field they concern.
import type { SandboxRequest } from '../core/http.js';
import { badRequest, isCalendarDate, type KantataErrorItem } from './wire.js';

export type Params = Record<string, unknown>;

export function isObject(v: unknown): v is Params {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The request body as nested params, whatever its encoding. */
export function bodyParams(req: SandboxRequest): Params {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return parseRailsForm(req.rawBody);
  if (req.body === undefined) return {};
  if (!isObject(req.body)) throw badRequest('The request body must be a JSON object.');
  return req.body;
}

/** Rails' nested-parameter rules: `a[b]=1` → {a:{b:'1'}}, `a[]=1` → {a:['1']}, `a[][b]=1&a[][c]=2` → {a:[{b,c}]}. */
export function parseRailsForm(raw: string): Params {
  const out: Params = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const head = /^[^[\]]+/.exec(key)?.[0];
    if (head === undefined) continue;
    const rest = [...key.slice(head.length).matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]);
    assign(out, [head, ...rest], value);
  }
  return out;
}

function assign(target: Params, path: string[], value: string): void {
  const [name, next, ...more] = path;
  if (next === undefined) {
    target[name] = value;
    return;
  }
  if (next === '') {
    const list = Array.isArray(target[name]) ? (target[name] as unknown[]) : (target[name] = []);
    if (more.length === 0) {
      list.push(value);
      return;
    }
    // A new element starts when the last one already has this key (how Rails groups `a[][x]` runs).
    let last = list[list.length - 1];
    if (!isObject(last) || hasPath(last, more)) {
      last = {};
      list.push(last);
    }
    assign(last as Params, more, value);
    return;
  }
  const child = isObject(target[name]) ? (target[name]) : (target[name] = {});
  assign(child, [next, ...more], value);
}

function hasPath(obj: Params, path: string[]): boolean {
  const [name, ...more] = path;
  if (!(name in obj)) return false;
  if (more.length === 0 || more[0] === '') return true;
  const child = obj[name];
  return isObject(child) && hasPath(child, more);
}

/** Reads the fields of one submitted object, coercing like Rails and collecting errors. */
export class Input {
  readonly errors: KantataErrorItem[] = [];
  constructor(
    readonly raw: Params,
    /** Position in a bulk request, for messages. */
    private readonly index?: number,
  ) {}

  has(name: string): boolean {
    return this.raw[name] !== undefined;
  }

  fail(field: string, message: string): void {
    const where = this.index === undefined ? '' : ` (item ${this.index + 1})`;
    this.errors.push({ type: 'validation', message: `${message}${where}`, field });
  }

  /** Present and non-blank? Records "can't be blank" when required and missing. */
  private present(name: string, required: boolean, label: string): boolean {
    const v = this.raw[name];
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
      if (required) this.fail(name, `${label} can't be blank`);
      return false;
    }
    return true;
  }

  string(name: string, opts: { required?: boolean; max?: number; label?: string } = {}): string | undefined {
    const label = opts.label ?? humanize(name);
    if (!this.present(name, opts.required ?? false, label)) return undefined;
    const v = this.raw[name];
    if (typeof v !== 'string' && typeof v !== 'number') {
      this.fail(name, `${label} must be a string`);
      return undefined;
    }
    const s = String(v);
    if (opts.max !== undefined && s.length > opts.max) {
      this.fail(name, `${label} is too long (maximum is ${opts.max} characters)`);
      return undefined;
    }
    return s;
  }

  /** Free text that may be cleared with null or ''. */
  text(name: string, opts: { max?: number } = {}): string | null | undefined {
    const v = this.raw[name];
    if (v === undefined) return undefined;
    if (v === null || v === '') return v === null ? null : '';
    return this.string(name, opts);
  }

  int(name: string, opts: { required?: boolean; min?: number; max?: number; label?: string } = {}): number | undefined {
    const label = opts.label ?? humanize(name);
    if (!this.present(name, opts.required ?? false, label)) return undefined;
    const v = this.raw[name];
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
    if (!Number.isInteger(n)) {
      this.fail(name, `${label} must be an integer`);
      return undefined;
    }
    if (opts.min !== undefined && n < opts.min) {
      this.fail(name, `${label} must be greater than or equal to ${opts.min}`);
      return undefined;
    }
    if (opts.max !== undefined && n > opts.max) {
      this.fail(name, `${label} must be less than or equal to ${opts.max}`);
      return undefined;
    }
    return n;
  }

  /** A decimal amount in currency units (Kantata's `price`), returned in cents. */
  money(name: string, unit: number): number | undefined {
    if (!this.present(name, false, humanize(name))) return undefined;
    const v = this.raw[name];
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : Number.NaN;
    if (!Number.isFinite(n) || n < 0) {
      this.fail(name, `${humanize(name)} must be a non-negative number`);
      return undefined;
    }
    return Math.round(n * unit);
  }

  bool(name: string): boolean | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === '1' || v === 1) return true;
    if (v === 'false' || v === '0' || v === 0) return false;
    this.fail(name, `${humanize(name)} must be true or false`);
    return undefined;
  }

  date(name: string, opts: { required?: boolean; label?: string } = {}): string | null | undefined {
    const label = opts.label ?? humanize(name);
    if (this.raw[name] === null && !opts.required) return null;
    if (!this.present(name, opts.required ?? false, label)) return undefined;
    const v = this.raw[name];
    if (typeof v !== 'string' || !isCalendarDate(v.trim())) {
      this.fail(name, `${label} must be a date in YYYY-MM-DD format`);
      return undefined;
    }
    return v.trim();
  }

  oneOf<T extends string>(name: string, values: readonly T[], opts: { required?: boolean; label?: string } = {}): T | undefined {
    const label = opts.label ?? humanize(name);
    if (!this.present(name, opts.required ?? false, label)) return undefined;
    const v = this.raw[name];
    const s = typeof v === 'string' ? v : String(v);
    if (!(values as readonly string[]).includes(s)) {
      this.fail(name, `${label} must be one of: ${values.join(', ')}`);
      return undefined;
    }
    return s as T;
  }

  /** A reference to another record: a positive integer id, returned as the numeric string Kantata uses. */
  id(name: string, opts: { required?: boolean; label?: string } = {}): string | null | undefined {
    const label = opts.label ?? humanize(name);
    if (this.raw[name] === null && !opts.required) return null;
    if (!this.present(name, opts.required ?? false, label)) return undefined;
    const v = this.raw[name];
    const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
    if (!/^[1-9]\d*$/.test(s)) {
      this.fail(name, `${label} must be a numeric id`);
      return undefined;
    }
    return s;
  }

  idList(name: string, opts: { required?: boolean; label?: string } = {}): string[] | undefined {
    const label = opts.label ?? humanize(name);
    const v = this.raw[name];
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) {
      if (opts.required) this.fail(name, `${label} can't be blank`);
      return undefined;
    }
    const list = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [v];
    const out: string[] = [];
    for (const item of list) {
      const s = typeof item === 'number' ? String(item) : typeof item === 'string' ? item.trim() : '';
      if (!/^[1-9]\d*$/.test(s)) {
        this.fail(name, `${label} must be a list of numeric ids`);
        return undefined;
      }
      out.push(s);
    }
    return out;
  }
}

export function humanize(field: string): string {
  const words = field.replace(/_id$/, '').replace(/_ids$/, 's').replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
