// Pieces every vendor mapping uses: the per-call options, explicit enumeration tables, reference
// resolution, vendor-edge parsing with zod, and small value helpers.
import { z } from 'zod';
import { formatPath } from '../validate.js';
import type { Scope } from './errors.js';

/** Options of one mapping call, beside the long-lived vendor context. */
export interface MappingCall {
  /**
   * Vendor ids of already-synced parents, by the canonical field that refers to them
   * (`{account: "1001"}` when mapping a project to a NetSuite job). Wins over the reference's own externalIds.
   */
  parents?: Readonly<Record<string, string>>;
  /** `msg.sync.correlationId`, written where the vendor has a field for it. */
  correlationId?: string;
  /** From the vendor: the business key found outside the record (a Kantata external reference). */
  businessKey?: string;
  /** From the vendor: ISO currency of amounts on records that carry none (the project's currency). */
  currency?: string;
  /**
   * From the vendor: canonical references the record does not hold, by canonical field
   * (`{account: {businessKey: "acct:ACME"}}` for a Kantata workspace, which has no customer field).
   */
  refs?: Readonly<Record<string, RefValue>>;
}

type IdSystem = 'salesforce' | 'netsuite' | 'kantata' | 'certinia';

export interface RefValue {
  businessKey?: string | undefined;
  externalIds?: { salesforce?: string | undefined; netsuite?: string | undefined; kantata?: string | undefined; certinia?: string | undefined } | undefined;
}

/** The vendor id a canonical reference resolves to: an explicit parent id first, then the reference's own. */
export function refId(ref: RefValue | undefined, field: string, systems: readonly IdSystem[], call: MappingCall | undefined): string | undefined {
  const explicit = call?.parents?.[field];
  if (explicit !== undefined) return explicit;
  for (const system of systems) {
    const id = ref?.externalIds?.[system];
    if (id !== undefined) return id;
  }
  return undefined;
}

/** Like refId, but a missing id is a mapping error that says what to sync first. */
export function requireRefId(ref: RefValue | undefined, field: string, systems: readonly IdSystem[], call: MappingCall | undefined, s: Scope): string {
  const id = refId(ref, field, systems, call);
  if (id === undefined) {
    s.fail(field, `has no ${systems.join(' or ')} id: sync the referenced record first or pass its id in call.parents.${field}`);
  }
  return id;
}

/** A canonical reference to a record the vendor knows by id. */
export function refTo(system: IdSystem, id: string, businessKey?: string): { businessKey?: string; externalIds: Record<string, string> } {
  return businessKey === undefined ? { externalIds: { [system]: id } } : { businessKey, externalIds: { [system]: id } };
}

/**
 * A two-way table between canonical enumeration values and vendor values. A value missing from the table
 * is a mapping error naming the field, never a silent default. `aliases` are extra vendor values that
 * read as a canonical value but are never written.
 */
export class EnumTable<C extends string, V extends string | number> {
  private readonly toV = new Map<C, V>();
  private readonly fromV = new Map<string, C>();

  constructor(
    readonly name: string,
    pairs: ReadonlyArray<readonly [C, V]>,
    aliases: ReadonlyArray<readonly [V, C]> = [],
  ) {
    for (const [c, v] of pairs) {
      if (!this.toV.has(c)) this.toV.set(c, v);
      this.fromV.set(String(v), c);
    }
    for (const [v, c] of aliases) this.fromV.set(String(v), c);
  }

  toVendor(value: C, field: string, s: Scope): V {
    const v = this.toV.get(value);
    if (v === undefined) return s.fail(field, `is "${value}", which has no ${this.name} (mapped: ${[...this.toV.keys()].join(', ')})`);
    return v;
  }

  fromVendor(value: string | number, field: string, s: Scope): C {
    const c = this.fromV.get(String(value));
    if (c === undefined) return s.fail(field, `is "${String(value)}", which is not a known ${this.name} (known: ${[...this.fromV.keys()].join(', ')})`);
    return c;
  }

  /** Whether a vendor value reads as some canonical value. */
  has(value: string | number): boolean {
    return this.fromV.has(String(value));
  }
}

/** Validates a vendor record at the edge; the first problem becomes a mapping error naming the vendor field. */
export function parseVendorRecord<S extends z.ZodType>(schema: S, record: unknown, s: Scope): z.output<S> {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return s.fail('', `must be a ${s.vendor} ${s.objectType} record (an object), got ${record === null ? 'null' : Array.isArray(record) ? 'an array' : typeof record}`);
  }
  const result = schema.safeParse(record);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) return s.fail('', 'is not valid');
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more problem${result.error.issues.length > 2 ? 's' : ''})` : '';
  return s.fail(formatPath(issue.path), `${missing ? 'is required' : issue.message}${more}`);
}

/** An optional vendor field: absent, null or the value (Salesforce and NetSuite send null for empty fields). */
export function opt<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((v): z.output<T> | undefined => (v === null ? undefined : v));
}

/** A vendor id, sent as a string or a number. */
export const VendorId = z.union([z.string().min(1), z.number().int()]).transform((v) => String(v));

/** Drops undefined properties so a vendor payload carries only what the mapping sets. */
export function compact<T extends object>(record: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (value !== undefined) out[key] = value;
  return out as T;
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
let countryByName: Map<string, string> | undefined;

/** ISO 3166-1 alpha-2 code of a country given by code or English name ("United Kingdom" → GB). */
export function countryCode(value: string, field: string, s: Scope): string {
  const trimmed = value.trim();
  const upper = trimmed.toUpperCase();
  if (/^[A-Z]{2}$/.test(upper)) {
    const name = regionNames.of(upper);
    if (name !== undefined && name !== upper && name !== 'Unknown Region') return upper;
  }
  if (countryByName === undefined) {
    countryByName = new Map();
    for (let a = 65; a <= 90; a++) {
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        const name = regionNames.of(code);
        // First code wins, so a name maps to its current code (GB), not a reserved alias (UK).
        if (name !== undefined && name !== code && name !== 'Unknown Region' && !countryByName.has(name.toLowerCase())) countryByName.set(name.toLowerCase(), code);
      }
    }
    countryByName.set('usa', 'US').set('united states of america', 'US').set('uk', 'GB').set('great britain', 'GB');
  }
  const code = countryByName.get(trimmed.toLowerCase());
  if (code === undefined) return s.fail(field, `is "${value}", which is not an ISO 3166-1 country code or name`);
  return code;
}

/** Business keys of records created outside Syncwright: `<prefix>:<system>:<id>`, stable and unique per system. */
export function foreignKey(prefix: string, system: string, id: string): string {
  return `${prefix}:${system}:${id}`;
}
