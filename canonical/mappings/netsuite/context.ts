// What the NetSuite mappings need to know about an account: the internal ids of list records that
// reference fields point to (`{"id": "2"}`), and the helpers the NetSuite mappings share.
import { z } from 'zod';
import type { BillingType } from '../../primitives.js';
import type { Payment, Project, TimeEntry } from '../../v1/index.js';
import { foreignKey, opt, VendorId, type MappingCall } from '../common.js';
import type { Scope } from '../errors.js';
import { fromNetSuiteExternalId, toNetSuiteExternalId } from '../external-id.js';

export interface NetSuiteSubsidiary {
  id: string;
  name: string;
  /** The canonical legal-entity code. */
  code: string;
  country?: string;
  /** Base currency (ISO), when the subsidiary has one. */
  currency?: string;
}

export interface NetSuiteCurrency {
  id: string;
  /** ISO 4217 code. */
  code: string;
}

export interface NetSuiteTerm {
  id: string;
  name: string;
  /** The canonical payment-terms code. */
  code: string;
  days?: number;
}

export interface NetSuiteEmployee {
  id: string;
  name: string;
  email?: string;
  /** Business key of the canonical Resource. */
  resourceKey?: string;
}

export interface NetSuiteItem {
  id: string;
  name: string;
  /** The item used for lines of this billing type when no product code matches. */
  billingType?: BillingType;
  /** Product code (SKU) that selects this item. */
  productCode?: string;
}

export interface NetSuiteMappingContext {
  subsidiaries: readonly NetSuiteSubsidiary[];
  currencies: readonly NetSuiteCurrency[];
  terms: readonly NetSuiteTerm[];
  employees: readonly NetSuiteEmployee[];
  items: readonly NetSuiteItem[];
  expenseCategories: ReadonlyArray<{ id: string; name: string }>;
  /** Project status list (`job.entityStatus`) by canonical project status. */
  projectStatuses: ReadonlyArray<{ id: string; name: string; status: Project['status'] }>;
  /** Approval status list of time (`timeBill.approvalStatus`) by canonical time-entry status. */
  timeApprovalStatuses: ReadonlyArray<{ id: string; name: string; status: TimeEntry['status'] }>;
  /** Payment methods by name, as `customerPayment.paymentMethod` refers to them. */
  paymentMethods: ReadonlyArray<{ name: string; method: NonNullable<Payment['method']> }>;
  /** The PSA whose ids the `*_psa_*` custom fields hold. */
  psaSystem: 'kantata' | 'certinia';
}

/** The NetSuite sandbox seed. */
export const defaultNetSuiteContext: NetSuiteMappingContext = {
  subsidiaries: [
    { id: '1', name: 'Syncwright Group', code: 'HQ' },
    { id: '2', name: 'Syncwright Consulting Inc.', code: 'US01', country: 'US', currency: 'USD' },
    { id: '3', name: 'Syncwright Consulting UK Ltd', code: 'UK01', country: 'GB', currency: 'GBP' },
  ],
  currencies: [
    { id: '1', code: 'USD' },
    { id: '2', code: 'GBP' },
    { id: '3', code: 'CAD' },
    { id: '4', code: 'EUR' },
  ],
  terms: [
    { id: '1', name: 'Net 15', code: 'NET15', days: 15 },
    { id: '2', name: 'Net 30', code: 'NET30', days: 30 },
    { id: '3', name: 'Net 60', code: 'NET60', days: 60 },
    { id: '4', name: 'Due on receipt', code: 'DUE', days: 0 },
  ],
  employees: [
    { id: '5', name: 'Jane Doe', email: 'jane.doe@syncwright.example', resourceKey: 'res:jane.doe' },
    { id: '6', name: 'Sam Lee', email: 'sam.lee@syncwright.example', resourceKey: 'res:sam.lee' },
  ],
  items: [
    { id: '100', name: 'Professional Services', billingType: 'time-and-materials' },
    { id: '101', name: 'Fixed Fee Services', billingType: 'fixed-fee' },
    { id: '102', name: 'Milestone Billing', billingType: 'milestone' },
  ],
  expenseCategories: [
    { id: '1', name: 'Travel' },
    { id: '2', name: 'Lodging' },
    { id: '3', name: 'Meals' },
  ],
  // NetSuite's stock project statuses (job.entityStatus), as the sandbox serves them.
  projectStatuses: [
    { id: '4', name: 'Pending', status: 'planned' },
    { id: '2', name: 'In Progress', status: 'active' },
    { id: '1', name: 'Closed', status: 'completed' },
    { id: '3', name: 'Not Awarded', status: 'cancelled' },
  ],
  // NetSuite's approval status list as time uses it with Advanced Approvals on, as the sandbox serves it.
  timeApprovalStatuses: [
    { id: '4', name: 'Open', status: 'draft' },
    { id: '1', name: 'Pending Approval', status: 'submitted' },
    { id: '2', name: 'Approved', status: 'approved' },
    { id: '3', name: 'Rejected', status: 'rejected' },
  ],
  // By name: every payment method the sandbox seeds is here, plus common spellings of real accounts.
  paymentMethods: [
    { name: 'ACH', method: 'ach' },
    { name: 'Wire', method: 'wire' },
    { name: 'Wire Transfer', method: 'wire' },
    { name: 'Check', method: 'check' },
    { name: 'Cash', method: 'cash' },
    { name: 'VISA', method: 'card' },
    { name: 'Master Card', method: 'card' },
    { name: 'American Express', method: 'card' },
    { name: 'Discover', method: 'card' },
  ],
  psaSystem: 'kantata',
};

/** A reference field as written. */
export interface NsRef {
  id: string;
}

/** A reference field as read: `{"id": "2", "refName": "…", "links": […]}`. */
export const NsRefRead = z.object({ id: VendorId, refName: opt(z.string()) });

/** An enumeration field: `{"id": "TM", "refName": "…"}`, or `"TM"` with `simpleEnumFormat`. */
export const NsEnumRead = z.union([z.string().min(1), z.object({ id: z.string().min(1), refName: opt(z.string()) })]).transform((v): { id: string; refName?: string | undefined } => (typeof v === 'string' ? { id: v } : v));

export const NsDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD');

/** A sublist as written and read: `{"items": [...]}` (read with `expandSubResources=true`). */
export function sublist<T extends z.ZodType>(line: T) {
  return z.object({ items: z.array(line) });
}

/** Fields every NetSuite record read back carries. */
export const nsBase = {
  id: opt(VendorId),
  externalId: opt(z.string().min(1)),
};

export function ref(id: string): NsRef {
  return { id };
}

function findOr<T>(list: readonly T[], match: (item: T) => boolean, field: string, what: string, s: Scope): T {
  const found = list.find(match);
  if (found === undefined) return s.fail(field, `${what} is not in the NetSuite mapping context`);
  return found;
}

export function subsidiaryByCode(ctx: NetSuiteMappingContext, code: string, field: string, s: Scope): NetSuiteSubsidiary {
  return findOr(ctx.subsidiaries, (x) => x.code === code, field, `is "${code}": legal entity`, s);
}

export function subsidiaryById(ctx: NetSuiteMappingContext, id: string, field: string, s: Scope): NetSuiteSubsidiary {
  return findOr(ctx.subsidiaries, (x) => x.id === id, field, `is ${id}: subsidiary`, s);
}

export function legalEntityOf(sub: NetSuiteSubsidiary): { code: string; name: string; country?: string } {
  return sub.country === undefined ? { code: sub.code, name: sub.name } : { code: sub.code, name: sub.name, country: sub.country };
}

export function currencyByCode(ctx: NetSuiteMappingContext, code: string, field: string, s: Scope): NsRef {
  return ref(findOr(ctx.currencies, (x) => x.code === code, field, `is "${code}": currency`, s).id);
}

export function currencyById(ctx: NetSuiteMappingContext, id: string, field: string, s: Scope): string {
  return findOr(ctx.currencies, (x) => x.id === id, field, `is ${id}: currency`, s).code;
}

export function termsByCode(ctx: NetSuiteMappingContext, code: string, field: string, s: Scope): NsRef {
  return ref(findOr(ctx.terms, (x) => x.code === code, field, `is "${code}": payment terms`, s).id);
}

export function termsById(ctx: NetSuiteMappingContext, id: string, field: string, s: Scope): { code: string; days?: number } {
  const t = findOr(ctx.terms, (x) => x.id === id, field, `is ${id}: terms`, s);
  return t.days === undefined ? { code: t.code } : { code: t.code, days: t.days };
}

/** The employee of a resource reference: its NetSuite id, else by resource business key, else by e-mail. */
export function employeeOf(
  resource: { businessKey?: string | undefined; externalIds?: { netsuite?: string | undefined } | undefined },
  email: string | undefined,
  field: string,
  ctx: NetSuiteMappingContext,
  call: MappingCall | undefined,
  s: Scope,
): NsRef {
  const explicit = call?.parents?.[field] ?? resource.externalIds?.netsuite;
  if (explicit !== undefined) return ref(explicit);
  const found = ctx.employees.find((e) => (resource.businessKey !== undefined && e.resourceKey === resource.businessKey) || (email !== undefined && e.email === email));
  if (found === undefined) return s.fail(field, `is ${resource.businessKey ?? email ?? 'a resource without key'}: no NetSuite employee for it in the mapping context`);
  return ref(found.id);
}

/** A resource reference read back from an employee id. */
export function resourceOf(employeeId: string, ctx: NetSuiteMappingContext): { businessKey?: string; externalIds: { netsuite: string } } {
  const key = ctx.employees.find((e) => e.id === employeeId)?.resourceKey;
  return key === undefined ? { externalIds: { netsuite: employeeId } } : { businessKey: key, externalIds: { netsuite: employeeId } };
}

/** The item of a sales or invoice line: by product code, else by billing type. */
export function itemFor(ctx: NetSuiteMappingContext, productCode: string | undefined, billingType: BillingType | undefined, field: string, s: Scope): NsRef {
  const byCode = productCode === undefined ? undefined : ctx.items.find((i) => i.productCode === productCode);
  if (byCode !== undefined) return ref(byCode.id);
  const byType = billingType === undefined ? undefined : ctx.items.find((i) => i.billingType === billingType);
  if (byType !== undefined) return ref(byType.id);
  return s.fail(field, `has no NetSuite item: neither product code ${productCode ?? '(none)'} nor billing type ${billingType ?? '(none)'} is in the mapping context`);
}

/** Business key of a record read back: its external id decoded, else one the caller found, else a fallback. */
export function nsBusinessKey(record: { id?: string | undefined; externalId?: string | undefined }, prefix: string, call: MappingCall | undefined, s: Scope, fallback?: string): string {
  if (record.externalId !== undefined) {
    const key = fromNetSuiteExternalId(record.externalId);
    if (key !== undefined) return key;
    // An external id set by someone else: keep it, namespaced, so it stays unique and stable.
    return foreignKey(prefix, 'netsuite-eid', record.externalId);
  }
  if (call?.businessKey !== undefined) return call.businessKey;
  if (fallback !== undefined) return fallback;
  if (record.id === undefined) return s.fail('externalId', 'is required when the record has no id');
  return foreignKey(prefix, 'netsuite', record.id);
}

export { toNetSuiteExternalId };
