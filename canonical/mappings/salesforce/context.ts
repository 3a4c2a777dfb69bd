// What the Salesforce and Certinia mappings need to know about an org, and the helpers they share.
import { z } from 'zod';
import type { BillingType } from '../../primitives.js';
import { EnumTable, opt, refId, type MappingCall, type RefValue } from '../common.js';
import type { Scope } from '../errors.js';

export interface SalesforceLegalEntity {
  code: string;
  name?: string;
  country?: string;
}

export interface SalesforceMappingContext {
  /** The org's corporate currency: the currency of amounts when the record has no `CurrencyIsoCode`. */
  corporateCurrency: string;
  /**
   * Whether the org has multiple currencies enabled, so records carry `CurrencyIsoCode`. A single-currency
   * org holds every amount in the corporate currency; money in another currency is refused.
   */
  multiCurrency: boolean;
  /** Legal entities by the code held in `Legal_Entity__c`, to fill name and country on the way back. */
  legalEntities: readonly SalesforceLegalEntity[];
  /** Payment terms by the code held in `Payment_Terms__c`, to fill the days on the way back. */
  paymentTerms: ReadonlyArray<{ code: string; days?: number }>;
  /** Opportunity stages that mean won / lost (Salesforce derives IsWon and IsClosed from the stage). */
  wonStages: readonly string[];
  lostStages: readonly string[];
  /** First day of a Certinia timecard week. */
  timecardWeekStart: 'monday' | 'sunday';
  /** PricebookEntry ids by product code; when given, every opportunity line needs a product code found here. */
  pricebookEntryIds?: Readonly<Record<string, string>>;
}

export const defaultSalesforceContext: SalesforceMappingContext = {
  corporateCurrency: 'USD',
  multiCurrency: true,
  legalEntities: [
    { code: 'HQ', name: 'Syncwright Group' },
    { code: 'US01', name: 'Syncwright Consulting Inc.', country: 'US' },
    { code: 'UK01', name: 'Syncwright Consulting UK Ltd', country: 'GB' },
  ],
  paymentTerms: [
    { code: 'NET15', days: 15 },
    { code: 'NET30', days: 30 },
    { code: 'NET60', days: 60 },
    { code: 'DUE', days: 0 },
  ],
  wonStages: ['Closed Won'],
  lostStages: ['Closed Lost'],
  timecardWeekStart: 'monday',
};

/** `Billing_Type__c` on Opportunity and OpportunityLineItem, `pse__Billing_Type__c` on pse__Proj__c. */
export const billingTypePicklist = new EnumTable<BillingType, string>('Billing_Type__c picklist value', [
  ['fixed-fee', 'Fixed Fee'],
  ['time-and-materials', 'Time and Materials'],
  ['milestone', 'Milestone'],
  ['retainer', 'Retainer'],
  ['non-billable', 'Non-Billable'],
]);

/** The Syncwright key of a related record, as written in an upsert (`"Account": {"Syncwright_Key__c": "acct:ACME"}`). */
export interface KeyReference {
  Syncwright_Key__c: string;
}

/**
 * A lookup field: the record id when the reference carries one, else a reference by Syncwright key, which
 * Salesforce resolves during the upsert. Returns the fields to spread into the record.
 */
export function lookup(
  ref: RefValue | undefined,
  field: string,
  idField: string,
  relationship: string,
  systems: ReadonlyArray<'salesforce' | 'certinia'>,
  call: MappingCall | undefined,
  s: Scope,
  required: boolean,
): Record<string, string | KeyReference> {
  if (ref === undefined) {
    if (required) s.fail(field, 'is required');
    return {};
  }
  const id = refId(ref, field, systems, call);
  if (id !== undefined) return { [idField]: id };
  if (ref.businessKey !== undefined) return { [relationship]: { Syncwright_Key__c: ref.businessKey } };
  return s.fail(field, `has neither a ${systems.join('/')} id nor a business key`);
}

/** A related record as a SOQL relationship query returns it; only the key matters here. */
export const RelatedKey = opt(z.object({ Syncwright_Key__c: opt(z.string()) }));

/** A canonical reference read back from a lookup id and, when queried, the related record's key. */
export function readLookup(
  system: 'salesforce' | 'certinia',
  id: string | undefined,
  related: { Syncwright_Key__c?: string | undefined } | undefined,
): { businessKey?: string; externalIds?: Record<string, string> } | undefined {
  const key = related?.Syncwright_Key__c;
  if (id === undefined && key === undefined) return undefined;
  return { ...(key !== undefined ? { businessKey: key } : {}), ...(id !== undefined ? { externalIds: { [system]: id } } : {}) };
}

export const SfDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD');
export const SfId = z.string().min(15).max(18);

/** Fields every Salesforce record read back carries. */
export const sfBase = {
  Id: opt(SfId),
  Syncwright_Key__c: opt(z.string().min(1)),
  CurrencyIsoCode: opt(z.string().length(3)),
};

/**
 * The `CurrencyIsoCode` to write: Salesforce currency fields are in the record's currency, so every amount
 * must be in the declared currency (or, with none declared, in one currency); a single-currency org takes
 * only its corporate currency and no `CurrencyIsoCode`.
 */
export function recordCurrency(
  values: ReadonlyArray<readonly [string, { currency: string } | undefined]>,
  declared: readonly [string, string | undefined],
  ctx: SalesforceMappingContext,
  s: Scope,
): string | undefined {
  let currency = declared[1];
  let from = declared[0];
  for (const [field, money] of values) {
    if (money === undefined) continue;
    if (currency === undefined) {
      currency = money.currency;
      from = `${field}.currency`;
    } else if (money.currency !== currency) {
      s.fail(`${field}.currency`, `is ${money.currency}, but ${from} is ${currency}: a Salesforce record holds one currency`);
    }
  }
  if (ctx.multiCurrency) return currency;
  if (currency !== undefined && currency !== ctx.corporateCurrency) {
    s.fail(from, `is ${currency}, but the org is single-currency (${ctx.corporateCurrency})`);
  }
  return undefined;
}

export function legalEntityOf(code: string | undefined, ctx: SalesforceMappingContext): { code: string; name?: string; country?: string } | undefined {
  if (code === undefined) return undefined;
  const known = ctx.legalEntities.find((e) => e.code === code);
  return known === undefined ? { code } : { ...known };
}

export function paymentTermsOf(code: string | undefined, ctx: SalesforceMappingContext): { code: string; days?: number } | undefined {
  if (code === undefined) return undefined;
  const known = ctx.paymentTerms.find((t) => t.code === code);
  return known?.days === undefined ? { code } : { code, days: known.days };
}
