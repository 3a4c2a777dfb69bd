// Survivorship: which system's value survives, field by field, when the CRM and the ERP both hold a record of the
// same customer or contact. Plain TypeScript (no Node-RED), so the rules are tested on their own.
import { Account, Contact } from '../../canonical/v1/index.js';
import type { SchemaId } from '../../canonical/registry.js';

/** `crm` / `erp`: that system's value, else the other's; `most-recent`: the record changed last (`updatedAt`). */
export const WINNERS = ['crm', 'erp', 'most-recent'] as const;
export type Winner = (typeof WINNERS)[number];

export const OBJECT_KINDS = ['account', 'contact'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export interface FieldRule {
  field: string;
  winner: Winner;
}

export const SCHEMA_OF: Record<ObjectKind, SchemaId> = { account: 'syncwright/account@1', contact: 'syncwright/contact@1' };

/** Fields that identify the record rather than describe it: never decided by a rule (see `survive`). */
const IDENTITY = new Set(['businessKey', 'externalIds', 'updatedAt']);

/** The fields a rule may name: the canonical object's own fields, identity fields left out. */
export const FIELDS: Record<ObjectKind, readonly string[]> = {
  account: Object.keys(Account.shape).filter((f) => !IDENTITY.has(f)),
  contact: Object.keys(Contact.shape).filter((f) => !IDENTITY.has(f)),
};

/**
 * What a professional-services firm usually decides: the CRM owns how the customer is described (name,
 * addresses, web presence, ownership), the ERP owns money and terms (currency, payment terms, credit limit and
 * hold, tax registration), and contact details that either side may correct go to the one changed last.
 */
export const RECOMMENDED_RULES: Record<ObjectKind, readonly FieldRule[]> = {
  account: [
    { field: 'name', winner: 'crm' },
    { field: 'legalName', winner: 'crm' },
    { field: 'billingAddress', winner: 'crm' },
    { field: 'shippingAddress', winner: 'crm' },
    { field: 'website', winner: 'crm' },
    { field: 'domain', winner: 'crm' },
    { field: 'industry', winner: 'crm' },
    { field: 'serviceLine', winner: 'crm' },
    { field: 'currency', winner: 'erp' },
    { field: 'paymentTerms', winner: 'erp' },
    { field: 'creditLimit', winner: 'erp' },
    { field: 'creditHold', winner: 'erp' },
    { field: 'tax', winner: 'erp' },
    { field: 'billingEmail', winner: 'most-recent' },
  ],
  contact: [
    { field: 'firstName', winner: 'crm' },
    { field: 'lastName', winner: 'crm' },
    { field: 'title', winner: 'crm' },
    { field: 'roles', winner: 'crm' },
    { field: 'phone', winner: 'most-recent' },
    { field: 'email', winner: 'most-recent' },
    { field: 'mailingAddress', winner: 'most-recent' },
  ],
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isWinner(v: unknown): v is Winner {
  return typeof v === 'string' && (WINNERS as readonly string[]).includes(v);
}

/** The node's rules, checked: a problem names the rule (1-based) and what is wrong. */
export function parseRules(raw: unknown, kind: ObjectKind): FieldRule[] {
  if (raw === undefined || raw === null || raw === '') return [];
  if (!Array.isArray(raw)) throw new Error('the rules must be a list of {field, winner}');
  const seen = new Set<string>();
  return raw.map((r: unknown, i) => {
    const n = i + 1;
    if (!isRecord(r)) throw new Error(`rule ${n} is not a {field, winner} pair`);
    const field = typeof r['field'] === 'string' ? r['field'].trim() : '';
    if (!FIELDS[kind].includes(field)) throw new Error(`rule ${n}: "${field}" is not a field of a canonical ${kind} (${FIELDS[kind].join(', ')})`);
    if (!isWinner(r['winner'])) throw new Error(`rule ${n} (${field}): the winner must be crm, erp or most-recent, not "${String(r['winner'])}"`);
    if (seen.has(field)) throw new Error(`rule ${n}: ${field} has a rule already`);
    seen.add(field);
    return { field, winner: r['winner'] };
  });
}

/** Which system gave a field's value, and by which rule. */
export interface Decision {
  from: 'crm' | 'erp';
  rule: Winner;
  /** The preferred system had no value: the other's was kept. */
  fallback?: true;
}

export interface Survivor {
  record: Record<string, unknown>;
  decisions: Record<string, Decision>;
}

const isEmpty = (v: unknown): boolean => v === undefined || v === null || v === '';

function timeOf(record: Record<string, unknown> | undefined): number | undefined {
  const t = typeof record?.['updatedAt'] === 'string' ? Date.parse(record['updatedAt']) : NaN;
  return Number.isFinite(t) ? t : undefined;
}

/**
 * The surviving record. Each field follows its rule, else `defaultWinner`; a winner without a value gives way to
 * the other system's value, so nothing known is lost. `most-recent` compares the records' `updatedAt` (a record
 * without one is the older; a tie goes to the CRM). Identity is not a rule's business: the business key is the
 * CRM's, the external ids are both systems' (each system's own id from itself), `updatedAt` the later one.
 * Without an ERP record (a new customer) the CRM record survives as it is.
 */
export function survive(crm: Record<string, unknown>, erp: Record<string, unknown> | undefined, rules: readonly FieldRule[], defaultWinner: Winner = 'crm'): Survivor {
  const decisions: Record<string, Decision> = {};
  if (erp === undefined) {
    for (const f of Object.keys(crm)) if (!IDENTITY.has(f) && !isEmpty(crm[f])) decisions[f] = { from: 'crm', rule: 'crm' };
    return { record: { ...crm }, decisions };
  }
  const crmTime = timeOf(crm);
  const erpTime = timeOf(erp);
  const recent: 'crm' | 'erp' = erpTime !== undefined && (crmTime === undefined || erpTime > crmTime) ? 'erp' : 'crm';
  const ruleOf = new Map(rules.map((r) => [r.field, r.winner]));
  const record: Record<string, unknown> = {};
  const fields = new Set([...Object.keys(crm), ...Object.keys(erp)].filter((f) => !IDENTITY.has(f)));
  for (const field of fields) {
    const rule = ruleOf.get(field) ?? defaultWinner;
    const preferred = rule === 'most-recent' ? recent : rule;
    const other = preferred === 'crm' ? 'erp' : 'crm';
    const values = { crm: crm[field], erp: erp[field] };
    if (!isEmpty(values[preferred])) {
      record[field] = values[preferred];
      decisions[field] = { from: preferred, rule };
    } else if (!isEmpty(values[other])) {
      record[field] = values[other];
      decisions[field] = { from: other, rule, fallback: true };
    }
  }
  record['businessKey'] = crm['businessKey'];
  const ids = { ...(isRecord(erp['externalIds']) ? erp['externalIds'] : {}), ...(isRecord(crm['externalIds']) ? crm['externalIds'] : {}) };
  const erpIds = isRecord(erp['externalIds']) ? erp['externalIds'] : {};
  if (erpIds['netsuite'] !== undefined) ids['netsuite'] = erpIds['netsuite'];
  record['externalIds'] = ids;
  const latest = Math.max(crmTime ?? -Infinity, erpTime ?? -Infinity);
  if (Number.isFinite(latest)) record['updatedAt'] = new Date(latest).toISOString();
  return { record, decisions };
}
