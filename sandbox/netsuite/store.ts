// Records held by the NetSuite sandbox: validation of request bodies against the record definitions,
// defaults and derived values (totals, balances, statuses), reference checks and the wire format.
import type { Clock } from '../core/clock.js';
import { NetSuiteFault, type ErrorDetail } from './errors.js';
import { ADDRESS_TEXT_FIELDS, RECORD_TYPES, recordType, type FieldDef, type IdSpace, type RecordTypeDef, type SublistDef } from './records.js';

/** A reference as held: the target's type and internal id. */
export interface RefValue {
  type: string;
  id: number;
}

export type FieldValue = string | number | boolean | RefValue;
export type Line = Record<string, FieldValue>;

export interface StoredRecord {
  def: RecordTypeDef;
  id: number;
  values: Record<string, FieldValue>;
  sublists: Record<string, Line[]>;
  created: number;
  modified: number;
}

/** A validated body: values to set (null = clear) and sublists to write. */
export interface RecordWrite {
  values: Record<string, FieldValue | null>;
  sublists: Record<string, Line[]>;
}

export const EXTERNAL_ID = /^[A-Za-z0-9_-]{1,255}$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SYSTEM_KEYS = new Set(['links', 'refName']);
const ID_FLOOR: Record<IdSpace, number> = { entity: 1000, transaction: 1000, item: 1000, projectTask: 1000, timeBill: 1000, list: 100 };

export function isRef(v: FieldValue | undefined): v is RefValue {
  return typeof v === 'object' && v !== null;
}

/** A value as text: a reference by its internal id. */
export function textOf(v: FieldValue): string {
  return isRef(v) ? String(v.id) : String(v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** ISO 8601 without milliseconds, as NetSuite writes date-times. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function validDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const DURATION = /^(\d{1,4}):([0-5]\d)$/;
const COUNTRY = /^[A-Z]{2}$/;
const countryNames = new Intl.DisplayNames(['en'], { type: 'region' });

/** Hours as NetSuite shows a duration: `7.5` → `"7:30"`. */
export function durationText(hours: number): string {
  const minutes = Math.round(hours * 60);
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export class RecordStore {
  private readonly byType = new Map<string, Map<number, StoredRecord>>();
  private readonly byExternalId = new Map<string, number>();
  private readonly nextIds = new Map<IdSpace, number>();
  private readonly tranSeq = new Map<string, number>();

  constructor(private readonly clock: Clock) {
    this.clear();
  }

  clear(): void {
    this.byType.clear();
    this.byExternalId.clear();
    this.nextIds.clear();
    this.tranSeq.clear();
    for (const def of RECORD_TYPES) this.byType.set(def.name, new Map());
  }

  all(typeName: string): StoredRecord[] {
    return [...(this.byType.get(typeName)?.values() ?? [])];
  }

  /** Records of a type in id order (the order lists and queries see). */
  sorted(typeName: string): StoredRecord[] {
    return this.all(typeName).sort((a, b) => a.id - b.id);
  }

  get(typeName: string, id: number): StoredRecord | undefined {
    return this.byType.get(typeName)?.get(id);
  }

  byExternal(typeName: string, externalId: string): StoredRecord | undefined {
    const id = this.byExternalId.get(`${typeName}\u0000${externalId}`);
    return id === undefined ? undefined : this.get(typeName, id);
  }

  count(): number {
    let n = 0;
    for (const m of this.byType.values()) n += m.size;
    return n;
  }

  private allocateId(space: IdSpace): number {
    const next = this.nextIds.get(space) ?? ID_FLOOR[space];
    this.nextIds.set(space, next + 1);
    return next;
  }

  /** Puts a record with a given id (seed data); later ids continue above it. */
  insertWithId(def: RecordTypeDef, id: number, values: Record<string, FieldValue>, sublists: Record<string, Line[]> = {}, at = this.clock.now()): StoredRecord {
    const rec: StoredRecord = { def, id, values: { ...values }, sublists, created: at, modified: at };
    this.byType.get(def.name)?.set(id, rec);
    const ext = values['externalId'];
    if (typeof ext === 'string') this.byExternalId.set(`${def.name}\u0000${ext}`, id);
    if (id >= (this.nextIds.get(def.space) ?? ID_FLOOR[def.space])) this.nextIds.set(def.space, id + 1);
    return rec;
  }

  // ---- writes ----

  /** Creates a record from a validated write. Throws USER_ERROR on a duplicate external id. */
  create(def: RecordTypeDef, write: RecordWrite): StoredRecord {
    const ext = write.values['externalId'];
    if (typeof ext === 'string' && this.byExternal(def.name, ext)) throw NetSuiteFault.of(400, 'USER_ERROR', 'This entity already exists.');
    const values: Record<string, FieldValue> = {};
    for (const [k, v] of Object.entries(write.values)) if (v !== null) values[k] = v;
    const sublists: Record<string, Line[]> = {};
    for (const [name, lines] of Object.entries(write.sublists)) sublists[name] = numberLines(lines);
    this.applyDefaults(def, values, sublists);
    this.checkRequired(def, values, sublists);
    const now = this.clock.now();
    return this.insertWithId(def, this.allocateId(def.space), values, sublists, now);
  }

  /** Applies a validated partial write; `replace` names sublists to replace rather than merge by line. */
  update(rec: StoredRecord, write: RecordWrite, replace: ReadonlySet<string> = new Set()): void {
    const ext = write.values['externalId'];
    if (typeof ext === 'string' && ext !== rec.values['externalId']) {
      if (this.byExternal(rec.def.name, ext)) throw NetSuiteFault.of(400, 'USER_ERROR', 'This entity already exists.');
    }
    const values = { ...rec.values };
    for (const [k, v] of Object.entries(write.values)) {
      if (v === null) delete values[k];
      else values[k] = v;
    }
    const sublists: Record<string, Line[]> = { ...rec.sublists };
    for (const [name, lines] of Object.entries(write.sublists)) {
      sublists[name] = replace.has(name) ? numberLines(lines) : mergeLines(sublists[name] ?? [], lines);
    }
    this.applyDefaults(rec.def, values, sublists);
    this.checkRequired(rec.def, values, sublists);
    const oldExt = rec.values['externalId'];
    if (typeof oldExt === 'string') this.byExternalId.delete(`${rec.def.name}\u0000${oldExt}`);
    rec.values = values;
    rec.sublists = sublists;
    rec.modified = Math.max(this.clock.now(), rec.modified);
    const newExt = values['externalId'];
    if (typeof newExt === 'string') this.byExternalId.set(`${rec.def.name}\u0000${newExt}`, rec.id);
  }

  delete(rec: StoredRecord): void {
    const dependent = this.dependentOf(rec);
    if (dependent) throw NetSuiteFault.of(400, 'USER_ERROR', `This record cannot be deleted because it has dependent records (${dependent.def.name} ${dependent.id}).`);
    this.byType.get(rec.def.name)?.delete(rec.id);
    const ext = rec.values['externalId'];
    if (typeof ext === 'string') this.byExternalId.delete(`${rec.def.name}\u0000${ext}`);
  }

  private dependentOf(target: StoredRecord): StoredRecord | undefined {
    const points = (v: FieldValue | undefined): boolean => isRef(v) && v.type === target.def.name && v.id === target.id;
    for (const map of this.byType.values()) {
      for (const rec of map.values()) {
        if (rec === target) continue;
        if (Object.values(rec.values).some(points)) return rec;
        for (const lines of Object.values(rec.sublists)) if (lines.some((l) => Object.values(l).some(points))) return rec;
      }
    }
    return undefined;
  }

  // ---- validation of request bodies ----

  /** Validates a JSON body against the record definition; every problem becomes one error detail. */
  parseWrite(def: RecordTypeDef, body: unknown): RecordWrite {
    if (!isPlainObject(body)) throw NetSuiteFault.of(400, 'INVALID_CONTENT', 'The request body must be a JSON object with the record fields.');
    const errors: ErrorDetail[] = [];
    const values: Record<string, FieldValue | null> = {};
    const sublists: Record<string, Line[]> = {};
    for (const [key, raw] of Object.entries(body)) {
      if (SYSTEM_KEYS.has(key)) continue;
      const field = def.fields[key];
      const sub = def.sublists[key];
      if (field) {
        if (field.readOnly) continue;
        const v = this.parseValue(field, raw, key, errors);
        if (v !== undefined) values[key] = v;
      } else if (sub) {
        const lines = this.parseSublist(sub, raw, key, errors);
        if (lines) sublists[key] = lines;
      } else {
        errors.push(unknownField(def.name, key, key));
      }
    }
    if (typeof values['externalId'] === 'string' && !EXTERNAL_ID.test(values['externalId'])) {
      errors.push(invalidValue(values['externalId'], 'externalId', 'externalId', 'use only letters, digits, "_" and "-", at most 255 characters'));
    }
    if (errors.length > 0) throw new NetSuiteFault(400, errors);
    return { values, sublists };
  }

  private parseSublist(sub: SublistDef, raw: unknown, path: string, errors: ErrorDetail[]): Line[] | undefined {
    if (raw === null) return [];
    if (!isPlainObject(raw) || !Array.isArray(raw['items'])) {
      errors.push({ detail: `Error while accessing a resource. The sublist '${path}' must be an object with an 'items' array.`, 'o:errorCode': 'INVALID_CONTENT', 'o:errorPath': path });
      return undefined;
    }
    const lines: Line[] = [];
    raw['items'].forEach((item: unknown, i: number) => {
      const linePath = `${path}.items[${i}]`;
      if (!isPlainObject(item)) {
        errors.push({ detail: `Error while accessing a resource. A sublist line must be a JSON object.`, 'o:errorCode': 'INVALID_CONTENT', 'o:errorPath': linePath });
        return;
      }
      const line: Line = {};
      for (const [key, v] of Object.entries(item)) {
        if (SYSTEM_KEYS.has(key)) continue;
        const f = sub.fields[key];
        if (!f) {
          errors.push(unknownField(sub.title, key, `${linePath}.${key}`));
          continue;
        }
        if (key === 'line' && typeof v === 'number' && Number.isInteger(v)) {
          line['line'] = v;
          continue;
        }
        if (f.readOnly) continue;
        const parsed = this.parseValue(f, v, `${linePath}.${key}`, errors);
        if (parsed !== undefined && parsed !== null) line[key] = parsed;
      }
      lines.push(line);
    });
    return lines;
  }

  /** One value: undefined when it was wrong (an error was recorded), null to clear. */
  private parseValue(f: FieldDef, raw: unknown, path: string, errors: ErrorDetail[]): FieldValue | null | undefined {
    if (raw === null) return null;
    const bad = (why: string): undefined => {
      errors.push(invalidValue(raw, path, path.split('.').pop() ?? path, why));
      return undefined;
    };
    switch (f.kind) {
      case 'string':
      case 'email': {
        if (typeof raw !== 'string') return bad('expected a string');
        if (f.maxLength !== undefined && raw.length > f.maxLength) return bad(`longer than ${f.maxLength} characters`);
        if (f.kind === 'email' && raw !== '' && !EMAIL.test(raw)) return bad('not a valid email address');
        return raw;
      }
      case 'integer':
        if (typeof raw !== 'number' || !Number.isInteger(raw)) return bad('expected an integer');
        return raw;
      case 'number':
        if (typeof raw !== 'number' || !Number.isFinite(raw)) return bad('expected a number');
        return raw;
      case 'boolean':
        if (typeof raw !== 'boolean') return bad('expected true or false');
        return raw;
      case 'date':
        if (typeof raw !== 'string' || !validDate(raw)) return bad('expected a date as YYYY-MM-DD');
        return raw;
      case 'datetime':
        if (typeof raw !== 'string' || Number.isNaN(Date.parse(raw))) return bad('expected an ISO 8601 date-time');
        return Date.parse(raw);
      case 'duration': {
        // Held as hours; NetSuite takes "H:MM" (its documented duration format) and plain hours.
        if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) return raw;
        const m = typeof raw === 'string' ? DURATION.exec(raw) : null;
        if (!m) return bad('expected a duration as H:MM, e.g. "7:30"');
        return Number(m[1]) + Number(m[2]) / 60;
      }
      case 'address':
        return this.parseAddress(raw, path, errors);
      case 'select': {
        const id = isPlainObject(raw) ? raw['id'] : raw;
        const key = typeof id === 'number' ? String(id) : id;
        if (typeof key !== 'string' || !(f.options && key in f.options)) return bad(`expected {"id": one of ${Object.keys(f.options ?? {}).join(', ')}}`);
        return key;
      }
      case 'ref': {
        if (!isPlainObject(raw)) return bad('a reference must be an object like {"id": "123"}');
        const target = this.resolveRef(f.refTypes ?? [], raw);
        if (target === 'malformed') return bad('a reference must be an object like {"id": "123"} or {"externalId": "ABC-1"}');
        if (!target) {
          const shown = raw['id'] ?? raw['externalId'];
          errors.push({
            detail: `Error while accessing a resource. You have entered an Invalid Field Value ${String(shown)} for the following field: ${path.split('.').pop() ?? path}`,
            'o:errorCode': 'INVALID_CONTENT',
            'o:errorPath': path,
          });
          return undefined;
        }
        return { type: target.def.name, id: target.id };
      }
    }
  }

  /**
   * An address subrecord. Held as its JSON text (a record's values are flat), written back as an object;
   * `country` is an ISO 3166-1 alpha-2 code, given as `{"id": "GB"}` or `"GB"`.
   */
  private parseAddress(raw: unknown, path: string, errors: ErrorDetail[]): string | undefined {
    if (!isPlainObject(raw)) {
      errors.push(invalidValue(raw, path, path.split('.').pop() ?? path, 'an address must be an object like {"addr1": "…", "country": {"id": "GB"}}'));
      return undefined;
    }
    const address: Record<string, string> = {};
    let ok = true;
    for (const [key, v] of Object.entries(raw)) {
      if (SYSTEM_KEYS.has(key)) continue;
      if (key === 'country') {
        const code = isPlainObject(v) ? v['id'] : v;
        if (typeof code !== 'string' || !COUNTRY.test(code)) {
          errors.push(invalidValue(v, `${path}.country`, 'country', 'expected {"id": an ISO 3166-1 alpha-2 code such as "GB"}'));
          ok = false;
        } else address['country'] = code;
      } else if ((ADDRESS_TEXT_FIELDS as readonly string[]).includes(key)) {
        if (typeof v !== 'string' || v.length > 150) {
          errors.push(invalidValue(v, `${path}.${key}`, key, 'expected a string of at most 150 characters'));
          ok = false;
        } else address[key] = v;
      } else {
        errors.push(unknownField('Address', key, `${path}.${key}`));
        ok = false;
      }
    }
    return ok ? JSON.stringify(address) : undefined;
  }

  /** Finds the record a reference points at, by internal id or external id, among the allowed types. */
  resolveRef(types: readonly string[], raw: Record<string, unknown>): StoredRecord | undefined | 'malformed' {
    const id = raw['id'];
    const ext = raw['externalId'];
    if (id !== undefined) {
      const n = typeof id === 'number' ? id : typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : Number.NaN;
      if (!Number.isInteger(n)) return 'malformed';
      for (const t of types) {
        const rec = this.get(t, n);
        if (rec) return rec;
      }
      return undefined;
    }
    if (typeof ext === 'string') {
      for (const t of types) {
        const rec = this.byExternal(t, ext);
        if (rec) return rec;
      }
      return undefined;
    }
    return 'malformed';
  }

  deref(v: FieldValue | undefined): StoredRecord | undefined {
    return isRef(v) ? this.get(v.type, v.id) : undefined;
  }

  // ---- defaults, required fields, derived values ----

  private applyDefaults(def: RecordTypeDef, values: Record<string, FieldValue>, sublists: Record<string, Line[]>): void {
    const today = isoDate(this.clock.now());
    const inherit = (from: StoredRecord | undefined, fields: string[]): void => {
      if (!from) return;
      for (const f of fields) if (values[f] === undefined && from.values[f] !== undefined && def.fields[f]) values[f] = from.values[f];
    };
    switch (def.name) {
      case 'customer':
        if (values['entityId'] === undefined) {
          const name = values['isPerson'] === true ? [values['firstName'], values['lastName']].filter((x) => typeof x === 'string').join(' ') : values['companyName'];
          if (typeof name === 'string' && name !== '') values['entityId'] = name;
        }
        if (values['currency'] === undefined) inherit(this.deref(values['subsidiary']), ['currency']);
        break;
      case 'contact':
        if (values['entityId'] === undefined) {
          const name = [values['firstName'], values['lastName']].filter((x) => typeof x === 'string').join(' ');
          if (name !== '') values['entityId'] = name;
        }
        inherit(this.deref(values['company']), ['subsidiary']);
        break;
      case 'job':
        if (values['entityId'] === undefined && typeof values['companyName'] === 'string') values['entityId'] = values['companyName'];
        inherit(this.deref(values['parent']), ['subsidiary', 'currency']);
        values['entityStatus'] ??= '2';
        break;
      case 'projectTask':
        values['status'] ??= 'NOTSTART';
        break;
      case 'salesOrder':
      case 'invoice':
      case 'customerPayment': {
        values['tranDate'] ??= today;
        let customer = this.deref(values['entity'] ?? values['customer']);
        if (customer?.def.name === 'job') {
          if (def.fields['job'] && values['job'] === undefined) values['job'] = { type: 'job', id: customer.id };
          inherit(customer, ['subsidiary', 'currency']);
          customer = this.deref(customer.values['parent']);
        }
        inherit(customer, ['subsidiary', 'currency', 'terms']);
        if (def.name === 'salesOrder') values['orderStatus'] ??= 'B';
        if (def.name === 'invoice' && values['dueDate'] === undefined && typeof values['tranDate'] === 'string') {
          const days = this.deref(values['terms'])?.values['daysUntilNetDue'];
          values['dueDate'] = isoDate(Date.parse(`${values['tranDate']}T00:00:00Z`) + (typeof days === 'number' ? days : 0) * 86_400_000);
        }
        break;
      }
      case 'timeBill':
        inherit(this.deref(values['employee']), ['subsidiary']);
        values['approvalStatus'] ??= '1';
        values['isBillable'] ??= false;
        break;
      case 'expenseReport': {
        values['tranDate'] ??= today;
        const employee = this.deref(values['entity']);
        inherit(employee, ['subsidiary']);
        if (values['currency'] === undefined) inherit(this.deref(values['subsidiary']), ['currency']);
        break;
      }
    }
    if (def.space === 'transaction' && values['tranId'] === undefined) {
      const n = (this.tranSeq.get(def.name) ?? 0) + 1;
      this.tranSeq.set(def.name, n);
      const prefix = { salesOrder: 'SO', invoice: 'INV', customerPayment: 'PYMT', expenseReport: 'EXP' }[def.name] ?? 'TRN';
      values['tranId'] = `${prefix}${String(1000 + n)}`;
    }
    for (const lines of [sublists['item'] ?? []]) {
      for (const line of lines) {
        line['quantity'] ??= 1;
        if (line['rate'] === undefined) {
          const rate = this.deref(line['item'])?.values['rate'];
          if (typeof rate === 'number') line['rate'] = rate;
        }
        if (line['amount'] === undefined && typeof line['quantity'] === 'number' && typeof line['rate'] === 'number') line['amount'] = round2(line['quantity'] * line['rate']);
      }
    }
    for (const line of sublists['apply'] ?? []) {
      line['apply'] ??= true;
      if (line['amount'] === undefined) {
        const inv = this.deref(line['doc']);
        if (inv) line['amount'] = this.derived(inv)['amountRemaining'];
      }
    }
    for (const line of sublists['expense'] ?? []) {
      if (line['expenseDate'] === undefined && typeof values['tranDate'] === 'string') line['expenseDate'] = values['tranDate'];
    }
  }

  private checkRequired(def: RecordTypeDef, values: Record<string, FieldValue>, sublists: Record<string, Line[]>): void {
    const errors: ErrorDetail[] = [];
    for (const [name, f] of Object.entries(def.fields)) {
      if (f.required && !f.readOnly && values[name] === undefined) errors.push(missing(f, name));
    }
    if (def.name === 'customer') {
      if (values['isPerson'] === true) {
        if (values['lastName'] === undefined) errors.push(missing(def.fields['lastName'], 'lastName'));
      } else if (values['companyName'] === undefined) {
        errors.push(missing(def.fields['companyName'], 'companyName'));
      }
    }
    if (def.name === 'contact' && values['entityId'] === undefined) errors.push(missing(def.fields['entityId'], 'entityId'));
    for (const [name, sub] of Object.entries(def.sublists)) {
      (sublists[name] ?? []).forEach((line, i) => {
        for (const [key, f] of Object.entries(sub.fields)) if (f.required && line[key] === undefined) errors.push(missing(f, `${name}.items[${i}].${key}`));
      });
    }
    if ((def.name === 'salesOrder' || def.name === 'invoice') && (sublists['item'] ?? []).length === 0) {
      errors.push({ detail: 'You must enter at least one line item for this transaction.', 'o:errorCode': 'USER_ERROR', 'o:errorPath': 'item' });
    }
    if (errors.length > 0) throw new NetSuiteFault(400, errors);
  }

  /** Values NetSuite computes: totals, what was paid, what is open, statuses. */
  derived(rec: StoredRecord): Record<string, FieldValue> {
    const sum = (lines: Line[] | undefined, key = 'amount'): number => round2((lines ?? []).reduce((s, l) => s + (typeof l[key] === 'number' ? l[key] : 0), 0));
    switch (rec.def.name) {
      case 'salesOrder':
        return { total: sum(rec.sublists['item']), status: typeof rec.values['orderStatus'] === 'string' ? rec.values['orderStatus'] : 'B' };
      case 'invoice': {
        const total = sum(rec.sublists['item']);
        let paid = 0;
        for (const p of this.byType.get('customerPayment')?.values() ?? []) {
          for (const l of p.sublists['apply'] ?? []) {
            if (l['apply'] !== false && isRef(l['doc']) && l['doc'].id === rec.id && typeof l['amount'] === 'number') paid += l['amount'];
          }
        }
        paid = round2(paid);
        const remaining = round2(Math.max(0, total - paid));
        return { total, amountPaid: paid, amountRemaining: remaining, status: remaining <= 0 && total > 0 ? 'B' : 'A' };
      }
      case 'customerPayment': {
        const applied = round2((rec.sublists['apply'] ?? []).reduce((s, l) => s + (l['apply'] !== false && typeof l['amount'] === 'number' ? l['amount'] : 0), 0));
        const payment = typeof rec.values['payment'] === 'number' ? rec.values['payment'] : 0;
        return { applied, unapplied: round2(payment - applied) };
      }
      case 'expenseReport':
        return { total: sum(rec.sublists['expense']) };
      case 'customer': {
        let balance = 0;
        for (const inv of this.byType.get('invoice')?.values() ?? []) {
          const owner = this.deref(inv.values['entity']);
          const customer = owner?.def.name === 'job' ? this.deref(owner.values['parent']) : owner;
          if (customer === rec) balance += this.derived(inv)['amountRemaining'] as number;
        }
        return { balance: round2(balance) };
      }
      default:
        return {};
    }
  }

  /** Every value of a record, stored and derived. */
  valuesOf(rec: StoredRecord): Record<string, FieldValue> {
    return { ...rec.values, ...this.derived(rec) };
  }

  /** The name NetSuite shows for a record in references (refName). */
  nameOf(rec: StoredRecord): string {
    const v = rec.values;
    for (const key of ['entityId', 'tranId', 'title', 'itemId', 'name', 'companyName']) {
      const s = v[key];
      if (typeof s === 'string' && s !== '') {
        if (rec.def.space === 'transaction' && key === 'tranId') return `${rec.def.title} #${s}`;
        return s;
      }
    }
    return String(rec.id);
  }

  // ---- wire format ----

  /** The record as `GET /record/v1/{type}/{id}` returns it. */
  toJson(rec: StoredRecord, base: string, opts: { expand?: boolean; fields?: ReadonlySet<string> } = {}): Record<string, unknown> {
    const self = `${base}/record/v1/${rec.def.name}/${rec.id}`;
    const out: Record<string, unknown> = { links: [{ rel: 'self', href: self }] };
    const values = this.valuesOf(rec);
    values['id'] = String(rec.id);
    values[rec.def.createdField] = rec.created;
    values['lastModifiedDate'] = rec.modified;
    const names = [...Object.keys(rec.def.fields), ...Object.keys(rec.def.sublists)].sort();
    for (const name of names) {
      if (opts.fields && !opts.fields.has(name) && name !== 'id') continue;
      const sub = rec.def.sublists[name];
      if (sub) {
        out[name] = opts.expand ? this.sublistJson(rec, name, base) : { links: [{ rel: 'self', href: `${self}/${name}` }] };
        continue;
      }
      const v = values[name];
      if (v === undefined) continue;
      out[name] = this.valueJson(rec.def.fields[name], v, base);
    }
    return out;
  }

  sublistJson(rec: StoredRecord, name: string, base: string): Record<string, unknown> {
    const self = `${base}/record/v1/${rec.def.name}/${rec.id}/${name}`;
    const sub = rec.def.sublists[name];
    const lines = rec.sublists[name] ?? [];
    const items = lines.map((line) => {
      const item: Record<string, unknown> = { links: [{ rel: 'self', href: `${self}/${textOf(line['line'])}` }] };
      const values = { ...line, ...this.lineDerived(line) };
      for (const key of Object.keys(sub.fields).sort()) {
        const v = values[key];
        if (v !== undefined) item[key] = this.valueJson(sub.fields[key], v, base);
      }
      return item;
    });
    return { links: [{ rel: 'self', href: self }], items, totalResults: items.length, count: items.length, hasMore: false, offset: 0 };
  }

  /** Line values NetSuite computes: an apply line's `refNum` is the number of the invoice it pays. */
  private lineDerived(line: Line): Line {
    const doc = this.deref(line['doc']);
    const tranId = doc?.values['tranId'];
    return typeof tranId === 'string' ? { refNum: tranId } : {};
  }

  private valueJson(f: FieldDef, v: FieldValue, base: string): unknown {
    switch (f.kind) {
      case 'ref': {
        if (!isRef(v)) return v;
        const target = this.get(v.type, v.id);
        return { links: [{ rel: 'self', href: `${base}/record/v1/${v.type}/${v.id}` }], id: String(v.id), ...(target ? { refName: this.nameOf(target) } : {}) };
      }
      case 'select':
        return { id: textOf(v), refName: f.options?.[textOf(v)] ?? textOf(v) };
      case 'datetime':
        return typeof v === 'number' ? isoSeconds(v) : v;
      case 'duration':
        return typeof v === 'number' ? durationText(v) : v;
      case 'address': {
        const address = JSON.parse(textOf(v)) as Record<string, string>;
        const { country, ...rest } = address;
        return country === undefined ? rest : { ...rest, country: { id: country, refName: countryNames.of(country) ?? country } };
      }
      default:
        return v;
    }
  }
}

function numberLines(lines: Line[]): Line[] {
  return lines.map((l, i) => ({ ...l, line: i + 1 }));
}

/** NetSuite merges sublist lines by `line`: a line with a known number is updated, one without is added. */
function mergeLines(existing: Line[], incoming: Line[]): Line[] {
  const out = existing.map((l) => ({ ...l }));
  let next = out.reduce((m, l) => Math.max(m, typeof l['line'] === 'number' ? l['line'] : 0), 0) + 1;
  for (const line of incoming) {
    const at = typeof line['line'] === 'number' ? out.findIndex((l) => l['line'] === line['line']) : -1;
    if (at >= 0) {
      const merged = { ...out[at], ...line };
      // A new quantity or rate without an amount recomputes the amount, as the NetSuite UI and API do.
      if ((line['quantity'] !== undefined || line['rate'] !== undefined) && line['amount'] === undefined) delete merged['amount'];
      out[at] = merged;
    }
    else out.push({ ...line, line: next++ });
  }
  return out;
}

function unknownField(owner: string, key: string, path: string): ErrorDetail {
  return { detail: `Error while accessing a resource. Invalid field name '${key}' on ${owner}: the field does not exist or is not exposed to REST web services.`, 'o:errorCode': 'INVALID_CONTENT', 'o:errorPath': path };
}

function invalidValue(raw: unknown, path: string, field: string, why: string): ErrorDetail {
  const shown = typeof raw === 'string' ? raw : JSON.stringify(raw);
  return { detail: `Error while accessing a resource. You have entered an Invalid Field Value ${shown} for the following field: ${field} (${why}).`, 'o:errorCode': 'INVALID_CONTENT', 'o:errorPath': path };
}

function missing(f: FieldDef, path: string): ErrorDetail {
  return { detail: `Please enter value(s) for: ${f.title}`, 'o:errorCode': 'USER_ERROR', 'o:errorPath': path };
}

export { recordType };
