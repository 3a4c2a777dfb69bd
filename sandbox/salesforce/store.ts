// The org's records, validated on every write against the schema the way Salesforce validates them, with
// unique indexes, derived fields, master-detail cascades and savepoints for all-or-none operations.
import type { Clock } from '../core/clock.js';
import { fail, type SfFailure } from './errors.js';
import { makeId, normalizeId } from './ids.js';
import { CORPORATE_CURRENCY, OPPORTUNITY_STAGES, type FieldDef, type OrgSchema, type SObjectDef } from './schema.js';

/** Stored values: text, ids and dates as strings (dates `YYYY-MM-DD`), date-times as epoch milliseconds. */
export type Value = string | number | boolean | null;
export type Row = Readonly<Record<string, Value>>;

interface Table {
  def: SObjectDef;
  rows: Map<string, Row>;
  /** Unique field name → lower-cased value → Id (live rows only: uniqueness is case-insensitive). */
  unique: Map<string, Map<string, string>>;
  seq: number;
  autoNumber: number;
}

interface UndoEntry {
  table: Table;
  id: string;
  before: Row | undefined;
}

export interface Savepoint {
  undo: number;
  pending: number;
}

export interface WriteContext {
  /** The calling user's Id (CreatedById, LastModifiedById, default OwnerId). */
  userId: string;
  /** Raw JSON body, to point parse errors at a column as Salesforce does. */
  rawBody?: string;
}

const STAGES = new Map(OPPORTUNITY_STAGES.map((s) => [s.name, s]));
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** Epoch ms of an ISO 8601 date or date-time (Salesforce accepts `Z`, `+hhmm` and `+hh:mm`), or undefined. */
export function parseDateTime(text: string): number | undefined {
  const m = DATETIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '0', zone = 'Z'] = m;
  if (!validDate(Number(y), Number(mo), Number(d)) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return t;
}

export function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function isDate(text: string): boolean {
  const m = DATE.exec(text);
  return m !== null && validDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

function jsonToken(v: unknown): string {
  if (typeof v === 'string') return 'VALUE_STRING';
  if (typeof v === 'number') return Number.isInteger(v) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT';
  if (v === true) return 'VALUE_TRUE';
  if (v === false) return 'VALUE_FALSE';
  return Array.isArray(v) ? 'START_ARRAY' : 'START_OBJECT';
}

function javaType(f: FieldDef): string {
  switch (f.type) {
    case 'boolean':
      return 'boolean';
    case 'double':
    case 'currency':
    case 'percent':
      return 'double';
    case 'int':
      return 'int';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    case 'id':
    case 'reference':
      return 'id';
    default:
      return 'string';
  }
}

/** Where the value of `key` sits in a raw JSON body (1-based column on its line), as Jackson would report. */
function position(raw: string | undefined, key: string): { line: number; column: number } {
  if (!raw) return { line: 1, column: 1 };
  const at = raw.indexOf(`"${key}"`);
  if (at < 0) return { line: 1, column: 1 };
  let valueAt = raw.indexOf(':', at + key.length + 2) + 1;
  while (raw[valueAt] === ' ') valueAt++;
  const before = raw.slice(0, valueAt);
  const line = before.split('\n').length;
  return { line, column: valueAt - before.lastIndexOf('\n') };
}

function parserError(f: FieldDef, v: unknown, ctx: WriteContext, key: string): SfFailure {
  const shown = typeof v === 'string' ? v : Array.isArray(v) ? '[' : typeof v === 'object' && v !== null ? '{' : String(v);
  const { line, column } = position(ctx.rawBody, key);
  return fail(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of ${javaType(f)} from ${jsonToken(v)} value ${shown} or request may be missing a required field at [line:${line}, column:${column}]`);
}

export class OrgStore {
  private readonly tables = new Map<string, Table>();
  private lastStamp = 0;
  private undo: UndoEntry[] = [];
  private pending: Array<[string, string | undefined]> = [];
  private depth = 0;
  /** Set while fixture data loads: those creates are not client writes and are not counted. */
  private counting = true;

  constructor(
    readonly schema: OrgSchema,
    private readonly clock: Clock,
    private readonly onCreate: (type: string, externalKey: string | undefined) => void,
  ) {
    this.clear();
  }

  clear(): void {
    this.tables.clear();
    for (const def of this.schema.objects) {
      this.tables.set(def.name, { def, rows: new Map(), unique: new Map(def.uniqueFields.map((f) => [f.name, new Map<string, string>()])), seq: 0, autoNumber: 0 });
    }
    this.undo = [];
    this.pending = [];
    this.depth = 0;
    this.lastStamp = 0;
  }

  /** Runs `fn` without counting its creates (demo data, the org's own users). */
  withoutCounting(fn: () => void): void {
    const before = this.counting;
    this.counting = false;
    try {
      fn();
    } finally {
      this.counting = before;
    }
  }

  private table(def: SObjectDef): Table {
    return this.tables.get(def.name) as Table;
  }

  /**
   * The clock to the second, as Salesforce stores datetimes (no milliseconds): writes within one second share a
   * SystemModstamp, so a poller must read the last second again to see a write made in it after it polled. Never
   * earlier than the last stamp.
   */
  nextStamp(): number {
    this.lastStamp = Math.max(Math.floor(this.clock.now() / 1000) * 1000, this.lastStamp);
    return this.lastStamp;
  }

  // ---- reads ----

  /** A live (not deleted) record. */
  get(def: SObjectDef, id: string): Row | undefined {
    const row = this.table(def).rows.get(id);
    return row && row['IsDeleted'] !== true ? row : undefined;
  }

  /** A record, live or in the recycle bin. */
  getAny(def: SObjectDef, id: string): Row | undefined {
    return this.table(def).rows.get(id);
  }

  /** The live record with this Id, whatever its object. */
  lookup(id: string): { def: SObjectDef; row: Row } | undefined {
    const def = this.schema.byKeyPrefix(id.slice(0, 3));
    if (!def) return undefined;
    const row = this.get(def, id);
    return row ? { def, row } : undefined;
  }

  rows(def: SObjectDef, includeDeleted = false): Row[] {
    const out: Row[] = [];
    for (const row of this.table(def).rows.values()) if (includeDeleted || row['IsDeleted'] !== true) out.push(row);
    return out;
  }

  /** Live records whose `field` equals `value` (case-insensitively for text, as external IDs match). */
  findBy(def: SObjectDef, field: FieldDef, value: string): Row[] {
    if (field.type === 'id') {
      const id = normalizeId(value);
      const row = id ? this.get(def, id) : undefined;
      return row ? [row] : [];
    }
    const wanted = value.toLowerCase();
    const index = this.table(def).unique.get(field.name);
    if (index) {
      const id = index.get(wanted);
      const row = id ? this.get(def, id) : undefined;
      return row ? [row] : [];
    }
    const out: Row[] = [];
    for (const row of this.table(def).rows.values()) {
      const v = row[field.name];
      if (row['IsDeleted'] !== true && v !== null && v !== undefined && String(v).toLowerCase() === wanted) out.push(row);
    }
    return out;
  }

  // ---- savepoints (all-or-none) ----

  begin(): Savepoint {
    this.depth += 1;
    return { undo: this.undo.length, pending: this.pending.length };
  }

  commit(): void {
    this.depth -= 1;
    if (this.depth === 0) this.flush();
  }

  rollback(sp: Savepoint): void {
    while (this.undo.length > sp.undo) {
      const entry = this.undo.pop() as UndoEntry;
      const current = entry.table.rows.get(entry.id);
      if (entry.before === undefined) entry.table.rows.delete(entry.id);
      else entry.table.rows.set(entry.id, entry.before);
      this.reindex(entry.table, entry.id, current, entry.before);
    }
    this.pending.length = sp.pending;
    this.depth -= 1;
    if (this.depth === 0) this.flush();
  }

  private flush(): void {
    for (const [type, key] of this.pending) this.onCreate(type, key);
    this.pending = [];
    this.undo = [];
  }

  // ---- writes ----

  private put(table: Table, id: string, row: Row): void {
    const before = table.rows.get(id);
    if (this.depth > 0) this.undo.push({ table, id, before });
    table.rows.set(id, row);
    this.reindex(table, id, before, row);
  }

  private reindex(table: Table, id: string, before: Row | undefined, after: Row | undefined): void {
    for (const [name, index] of table.unique) {
      const oldKey = before && before['IsDeleted'] !== true && before[name] !== null ? String(before[name]).toLowerCase() : undefined;
      const newKey = after && after['IsDeleted'] !== true && after[name] !== null && after[name] !== undefined ? String(after[name]).toLowerCase() : undefined;
      if (oldKey === newKey) continue;
      if (oldKey !== undefined && index.get(oldKey) === id) index.delete(oldKey);
      if (newKey !== undefined) index.set(newKey, id);
    }
  }

  /** Creates a record from a JSON body; returns its Id. Throws SfFailure with the vendor's errors. */
  create(def: SObjectDef, input: Record<string, unknown>, ctx: WriteContext, system = false): string {
    if (!def.createable && !system) throw fail(400, 'INVALID_TYPE_FOR_OPERATION', `entity type cannot be inserted: ${def.label}`, []);
    const changes = this.coerce(def, input, 'create', ctx);
    const missing = def.required.filter((f) => changes[f.name] === undefined || changes[f.name] === null);
    if (missing.length > 0) throw fail(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.map((f) => f.name).join(', ')}]`, missing.map((f) => f.name));
    const table = this.table(def);
    const id = makeId(def.keyPrefix, table.seq + 1);
    const stamp = this.nextStamp();
    const row: Record<string, Value> = {};
    for (const f of def.fields) if (f.type !== 'address') row[f.name] = f.type === 'boolean' ? false : null;
    Object.assign(row, changes);
    row['Id'] = id;
    row['IsDeleted'] = false;
    if ('OwnerId' in row && row['OwnerId'] === null) row['OwnerId'] = ctx.userId;
    if ('CurrencyIsoCode' in row && row['CurrencyIsoCode'] === null) row['CurrencyIsoCode'] = CORPORATE_CURRENCY;
    row['CreatedDate'] = stamp;
    row['CreatedById'] = ctx.userId;
    row['LastModifiedDate'] = stamp;
    row['LastModifiedById'] = ctx.userId;
    row['SystemModstamp'] = stamp;
    if (def.autoNumberPrefix) row['Name'] = `${def.autoNumberPrefix}${String(table.autoNumber + 1).padStart(6, '0')}`;
    this.derive(def, row, changes, undefined);
    this.checkUnique(def, row, id);
    table.seq += 1;
    if (def.autoNumberPrefix) table.autoNumber += 1;
    this.put(table, id, row);
    this.afterWrite(def, row, undefined, ctx);
    if (this.counting) {
      const key = typeof row['Syncwright_Key__c'] === 'string' ? row['Syncwright_Key__c'] : id;
      if (this.depth > 0) this.pending.push([def.name, key]);
      else this.onCreate(def.name, key);
    }
    return id;
  }

  /** Updates a live record from a JSON body. */
  update(def: SObjectDef, id: string, input: Record<string, unknown>, ctx: WriteContext): void {
    if (!def.updateable) throw fail(400, 'INVALID_TYPE_FOR_OPERATION', `entity type cannot be updated: ${def.label}`, []);
    const table = this.table(def);
    const before = table.rows.get(id);
    if (!before) throw fail(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (before['IsDeleted'] === true) throw fail(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
    const changes = this.coerce(def, input, 'update', ctx);
    const nulled = def.required.filter((f) => f.name in changes && changes[f.name] === null);
    if (nulled.length > 0) throw fail(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${nulled.map((f) => f.name).join(', ')}]`, nulled.map((f) => f.name));
    const row: Record<string, Value> = { ...before, ...changes };
    const stamp = this.nextStamp();
    row['LastModifiedDate'] = stamp;
    row['LastModifiedById'] = ctx.userId;
    row['SystemModstamp'] = stamp;
    this.derive(def, row, changes, before);
    this.checkUnique(def, row, id);
    this.put(table, id, row);
    this.afterWrite(def, row, before, ctx);
  }

  /** Moves a live record (and its master-detail children) to the recycle bin. */
  delete(def: SObjectDef, id: string, ctx: WriteContext): void {
    if (!def.deletable) throw fail(400, 'INVALID_TYPE_FOR_OPERATION', `entity type cannot be deleted: ${def.label}`, []);
    const table = this.table(def);
    const before = table.rows.get(id);
    if (!before) throw fail(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (before['IsDeleted'] === true) throw fail(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
    const stamp = this.nextStamp();
    this.put(table, id, { ...before, IsDeleted: true, LastModifiedDate: stamp, LastModifiedById: ctx.userId, SystemModstamp: stamp });
    for (const child of this.schema.objects) {
      for (const f of child.fields) {
        if (!f.cascadeDelete || !f.referenceTo.includes(def.name)) continue;
        for (const row of this.rows(child)) if (row[f.name] === id) this.delete(child, row['Id'] as string, ctx);
      }
    }
    this.afterWrite(def, undefined, before, ctx);
  }

  /** Loads a record as fixture data (the org's users, demo data): validated, not counted as a client's create. */
  seedRecord(def: SObjectDef, input: Record<string, unknown>, userId: string): string {
    let id = '';
    this.withoutCounting(() => {
      id = this.create(def, input, { userId }, true);
    });
    return id;
  }

  private checkUnique(def: SObjectDef, row: Row, id: string): void {
    const table = this.table(def);
    for (const f of def.uniqueFields) {
      const v = row[f.name];
      if (v === null || v === undefined) continue;
      const other = table.unique.get(f.name)?.get(String(v).toLowerCase());
      if (other !== undefined && other !== id) throw fail(400, 'DUPLICATE_VALUE', `duplicate value found: ${f.name} duplicates value on record with id: ${other}`, []);
    }
  }

  /** Fields Salesforce computes: Opportunity stage flags, full names, line-item prices. */
  private derive(def: SObjectDef, row: Record<string, Value>, changes: Record<string, Value>, before: Row | undefined): void {
    switch (def.name) {
      case 'Opportunity': {
        if (before !== undefined && before['HasOpportunityLineItem'] === true && 'CurrencyIsoCode' in changes && changes['CurrencyIsoCode'] !== before['CurrencyIsoCode']) {
          throw fail(400, 'FIELD_INTEGRITY_EXCEPTION', 'field integrity exception: CurrencyIsoCode (cannot change the currency of an opportunity that has products)', ['CurrencyIsoCode']);
        }
        const stage = STAGES.get(String(row['StageName']));
        if (stage && (before === undefined || 'StageName' in changes)) {
          row['IsClosed'] = stage.closed;
          row['IsWon'] = stage.won;
          if (!('Probability' in changes)) row['Probability'] = stage.probability;
          if (!('ForecastCategoryName' in changes)) row['ForecastCategoryName'] = stage.forecast;
        }
        break;
      }
      case 'Contact':
      case 'User':
        row['Name'] = [row['FirstName'], row['LastName']].filter((p) => typeof p === 'string' && p.length > 0).join(' ');
        break;
      case 'OpportunityLineItem': {
        const unitGiven = 'UnitPrice' in changes && changes['UnitPrice'] !== null;
        const totalGiven = 'TotalPrice' in changes && changes['TotalPrice'] !== null;
        if (unitGiven && totalGiven) throw fail(400, 'FIELD_INTEGRITY_EXCEPTION', 'field integrity exception: TotalPrice (cannot specify both UnitPrice and TotalPrice)', ['TotalPrice']);
        if (before === undefined && !unitGiven && !totalGiven) throw fail(400, 'FIELD_INTEGRITY_EXCEPTION', 'field integrity exception: unknown (must specify either UnitPrice or TotalPrice)', []);
        const qty = Number(row['Quantity']);
        // TotalPrice = Quantity × UnitPrice less the Discount percentage, as Salesforce computes it.
        const net = 1 - Number(row['Discount'] ?? 0) / 100;
        if (totalGiven) row['UnitPrice'] = qty === 0 || net === 0 ? 0 : round2(Number(row['TotalPrice']) / qty / net);
        else row['TotalPrice'] = round2(qty * Number(row['UnitPrice']) * net);
        const opp = this.schema.get('Opportunity') as SObjectDef;
        const parent = this.get(opp, String(row['OpportunityId']));
        // A line item is in its opportunity's currency.
        row['CurrencyIsoCode'] = parent?.['CurrencyIsoCode'] ?? CORPORATE_CURRENCY;
        row['Name'] = `${String(parent?.['Name'] ?? '')}${row['ProductCode'] ? ` ${String(row['ProductCode'])}` : ''}`.slice(0, 376);
        break;
      }
      default:
        break;
    }
  }

  /** Roll-ups: an Opportunity's Amount is the sum of its line items once it has any. */
  private afterWrite(def: SObjectDef, after: Row | undefined, before: Row | undefined, ctx: WriteContext): void {
    if (def.name !== 'OpportunityLineItem') return;
    const opp = this.schema.get('Opportunity') as SObjectDef;
    const oppId = String((after ?? before)?.['OpportunityId']);
    const parent = this.get(opp, oppId);
    if (!parent) return;
    const items = this.rows(def).filter((r) => r['OpportunityId'] === oppId);
    const stamp = this.nextStamp();
    const next: Record<string, Value> = { ...parent, HasOpportunityLineItem: items.length > 0, LastModifiedDate: stamp, LastModifiedById: ctx.userId, SystemModstamp: stamp };
    if (items.length > 0) next['Amount'] = round2(items.reduce((sum, r) => sum + Number(r['TotalPrice'] ?? 0), 0));
    this.put(this.table(opp), oppId, next);
  }

  /** Turns a JSON body into stored values, refusing what Salesforce refuses. */
  private coerce(def: SObjectDef, input: Record<string, unknown>, mode: 'create' | 'update', ctx: WriteContext): Record<string, Value> {
    const out: Record<string, Value> = {};
    const readOnly: string[] = [];
    const resolved: Array<[FieldDef, unknown, string]> = [];
    for (const [key, value] of Object.entries(input)) {
      if (key === 'attributes') continue;
      const f = def.byName.get(key.toLowerCase());
      if (!f) {
        const rel = def.byRelationship.get(key.toLowerCase());
        if (rel && value !== null && typeof value === 'object' && !Array.isArray(value)) {
          if (!(mode === 'create' ? rel.createable : rel.updateable)) readOnly.push(rel.name);
          else out[rel.name] = this.resolveForeignKey(rel, value as Record<string, unknown>);
          continue;
        }
        throw fail(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${def.name}`);
      }
      if (!(mode === 'create' ? f.createable : f.updateable)) {
        readOnly.push(f.name);
        continue;
      }
      resolved.push([f, value, key]);
    }
    if (readOnly.length > 0) {
      throw fail(400, 'INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, readOnly);
    }
    for (const [f, value, key] of resolved) out[f.name] = this.coerceValue(f, value, ctx, key);
    return out;
  }

  private coerceValue(f: FieldDef, v: unknown, ctx: WriteContext, key: string): Value {
    if (v === null) return f.type === 'boolean' ? false : null;
    switch (f.type) {
      case 'boolean':
        if (typeof v === 'boolean') return v;
        if (v === 'true' || v === 'false') return v === 'true';
        throw parserError(f, v, ctx, key);
      case 'double':
      case 'currency':
      case 'percent':
      case 'int': {
        const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
        if (!Number.isFinite(n) || (f.type === 'int' && !Number.isInteger(n))) throw parserError(f, v, ctx, key);
        return n;
      }
      case 'date':
        if (typeof v !== 'string' || !isDate(v)) throw parserError(f, v, ctx, key);
        return v;
      case 'datetime': {
        const t = typeof v === 'string' ? parseDateTime(v) : undefined;
        if (t === undefined) throw parserError(f, v, ctx, key);
        return t;
      }
      case 'reference': {
        if (typeof v !== 'string') throw parserError(f, v, ctx, key);
        if (v === '') return null;
        const id = normalizeId(v);
        const target = id ? this.schema.byKeyPrefix(id.slice(0, 3)) : undefined;
        if (!id || !target || !f.referenceTo.includes(target.name)) throw fail(400, 'MALFORMED_ID', `${f.label}: id value of incorrect type: ${v}`, [f.name]);
        if (!this.get(target, id)) throw fail(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', []);
        return id;
      }
      default: {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw parserError(f, v, ctx, key);
        const s = String(v);
        if (s === '') return null;
        if (s.length > f.length) throw fail(400, 'STRING_TOO_LONG', `${f.label}: data value too large: ${s.length > 80 ? `${s.slice(0, 80)}...` : s} (max length=${f.length})`, [f.name]);
        if (f.type === 'email' && !EMAIL.test(s)) throw fail(400, 'INVALID_EMAIL_ADDRESS', `${f.label}: invalid email address: ${s}`, [f.name]);
        if (f.picklist && f.restrictedPicklist) {
          const values = f.type === 'multipicklist' ? s.split(';').map((p) => p.trim()) : [s];
          const bad = values.find((p) => !(f.picklist as string[]).includes(p));
          if (bad !== undefined) throw fail(400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${f.label}: bad value for restricted picklist field: ${bad}`, [f.name]);
        }
        return s;
      }
    }
  }

  /** `"Account": {"Syncwright_Key__c": "acct:ACME"}`: a reference set by the parent's external ID. */
  private resolveForeignKey(rel: FieldDef, value: Record<string, unknown>): Value {
    const target = this.schema.get(rel.referenceTo[0] ?? '') as SObjectDef;
    const keys = Object.keys(value).filter((k) => k !== 'attributes');
    if (keys.length !== 1) throw fail(400, 'INVALID_FIELD', `The ${rel.relationshipName ?? rel.name} foreign key must specify exactly one external ID field`, [rel.name]);
    const key = keys[0];
    const extField = target.byName.get(key.toLowerCase());
    const extValue = value[key];
    if (!extField || !extField.idLookup) throw fail(400, 'INVALID_FIELD', `Field name provided, ${key} is not an External ID or indexed field for ${target.name}`, [rel.name]);
    const matches = typeof extValue === 'string' || typeof extValue === 'number' ? this.findBy(target, extField, String(extValue)) : [];
    if (matches.length === 0) throw fail(400, 'INVALID_FIELD', `Foreign key external ID: ${String(extValue)} not found for field ${extField.name} in entity ${target.name}`, []);
    if (matches.length > 1) throw fail(400, 'INVALID_FIELD', `Foreign key external ID: ${String(extValue)} matched more than one record for field ${extField.name} in entity ${target.name}`, []);
    return matches[0]['Id'];
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** A record as the REST API shows it: `attributes` first, then the fields in describe order (or those asked for). */
export function toWire(def: SObjectDef, row: Row, version: string, fields?: FieldDef[]): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: { type: def.name, url: `/services/data/v${version}/sobjects/${def.name}/${String(row['Id'])}` } };
  for (const f of fields ?? def.fields) out[f.name] = wireValue(f, row);
  return out;
}

export function wireValue(f: FieldDef, row: Row): unknown {
  if (f.compoundParts) {
    const parts = f.compoundParts;
    const values = Object.values(parts).map((p) => row[p]);
    if (values.every((v) => v === null || v === undefined)) return null;
    return { city: row[parts['city']] ?? null, country: row[parts['country']] ?? null, geocodeAccuracy: null, latitude: null, longitude: null, postalCode: row[parts['postalCode']] ?? null, state: row[parts['state']] ?? null, street: row[parts['street']] ?? null };
  }
  const v = row[f.name];
  if (v === undefined || v === null) return null;
  return f.type === 'datetime' ? formatDateTime(v as number) : v;
}
