// Building blocks shared by every canonical object. Values are normalised as they are parsed
// (trimmed strings, upper-case codes, UTC timestamps), so a parsed object is already canonical.
import { z } from 'zod';

/** Longest free-text value we accept; anything longer is almost certainly junk or an attack. */
export const MAX_TEXT = 32_000;
/** Longest name, code or identifier. */
export const MAX_NAME = 255;

const currencies = new Set(Intl.supportedValuesOf('currency'));
const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const regionCache = new Map<string, boolean>();
function knownRegion(code: string): boolean {
  let known = regionCache.get(code);
  if (known === undefined) {
    const name = regionNames.of(code);
    known = name !== undefined && name !== code && name !== 'Unknown Region';
    if (regionCache.size < 1000) regionCache.set(code, known);
  }
  return known;
}

export const Text = z.string().trim().max(MAX_TEXT);
export const Name = z.string().trim().min(1, 'must not be empty').max(MAX_NAME);
export const OptionalName = z.string().trim().max(MAX_NAME);

/** ISO 4217 code, accepted in any case and stored upper-case. */
export const CurrencyCode = z
  .string()
  .trim()
  .toUpperCase()
  .length(3, 'must be a three-letter ISO 4217 currency code')
  .refine((code) => currencies.has(code), { message: 'is not an ISO 4217 currency code' })
  .meta({ description: 'ISO 4217 currency code, e.g. USD' });

/** ISO 3166-1 alpha-2 country code, stored upper-case. */
export const CountryCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{2}$/, 'must be a two-letter ISO 3166-1 country code')
  .refine((code) => knownRegion(code), {
    message: 'is not an ISO 3166-1 country code',
  })
  .meta({ description: 'ISO 3166-1 alpha-2 country code, e.g. GB' });

/** A decimal number written as a string, so no float ever rounds money or quantities. */
export const Decimal = z
  .string()
  .trim()
  .regex(/^-?\d{1,15}(\.\d{1,8})?$/, 'must be a decimal string such as "1250.00" (not a number, at most 15 digits before the point and 8 after)')
  .meta({ description: 'Decimal number as a string, e.g. "1250.00"' });

export const NonNegativeDecimal = Decimal.refine((v) => !v.startsWith('-'), { message: 'must not be negative' });

export const Money = z
  .strictObject({ amount: Decimal, currency: CurrencyCode })
  .meta({ description: 'An amount of money: decimal string plus ISO 4217 currency' });
export type Money = z.infer<typeof Money>;

export const NonNegativeMoney = z.strictObject({ amount: NonNegativeDecimal, currency: CurrencyCode });

/** Calendar date, YYYY-MM-DD. */
export const IsoDate = z.iso.date({ message: 'must be a calendar date written YYYY-MM-DD' });
/** Instant with an offset; stored as UTC (`…Z`). */
export const IsoDateTime = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-03-01T09:30:00Z' })
  .overwrite((v) => new Date(v).toISOString());

/** Calendar month, YYYY-MM (revenue periods). */
export const IsoMonth = z.string().trim().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month written YYYY-MM');

export const Email = z.string().trim().toLowerCase().max(MAX_NAME).pipe(z.email({ message: 'must be an e-mail address' }));

/** Hours worked or planned: never negative, at most one day per entry unless a field says otherwise. */
export const Hours = z.number().finite().min(0, 'must not be negative');

export const Percent = z.number().finite().min(0, 'must not be negative').max(100, 'must be at most 100');

const ExternalId = z.string().trim().min(1, 'must not be empty').max(MAX_NAME);

/** The record's id in each system it lives in. */
export const ExternalIds = z
  .strictObject({
    salesforce: ExternalId.optional(),
    netsuite: ExternalId.optional(),
    kantata: ExternalId.optional(),
    certinia: ExternalId.optional(),
    other: z
      .record(z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'system names are lower-case letters, digits, _ and -'), ExternalId)
      .optional(),
  })
  .meta({ description: 'Ids of this record in each system (salesforce, netsuite, kantata, certinia, other.<system>)' });
export type ExternalIds = z.infer<typeof ExternalIds>;

/** A stable key for the business object, the same in every system (e.g. `acct:ACME-001`). */
export const BusinessKey = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_NAME)
  .meta({ description: 'Stable business key of the record, the same in every system' });

/** A reference to another canonical object, by business key and/or external ids. */
export const Ref = z
  .strictObject({ businessKey: BusinessKey.optional(), externalIds: ExternalIds.optional() })
  .refine((r) => r.businessKey !== undefined || (r.externalIds !== undefined && Object.keys(r.externalIds).length > 0), {
    message: 'a reference needs a businessKey or at least one external id',
  });
export type Ref = z.infer<typeof Ref>;

/** Legal entity (NetSuite subsidiary, Certinia region/company) that owns the record. */
export const LegalEntity = z
  .strictObject({ code: Name, name: OptionalName.optional(), country: CountryCode.optional() })
  .meta({ description: 'Legal entity or subsidiary that owns the record' });

export const Address = z.strictObject({
  line1: OptionalName.optional(),
  line2: OptionalName.optional(),
  city: OptionalName.optional(),
  region: OptionalName.optional(),
  postalCode: z.string().trim().max(32).optional(),
  country: CountryCode,
});

export const TaxAttributes = z.strictObject({
  taxId: OptionalName.optional().meta({ description: 'VAT/GST/EIN number' }),
  taxExempt: z.boolean().default(false),
  exemptionCertificate: OptionalName.optional(),
  taxCode: OptionalName.optional().meta({ description: 'Tax code or schedule in the ERP' }),
  taxJurisdiction: OptionalName.optional(),
});

export const BillingType = z
  .enum(['fixed-fee', 'time-and-materials', 'milestone', 'retainer', 'non-billable'])
  .meta({ description: 'How the work is billed' });
export type BillingType = z.infer<typeof BillingType>;

export const ServiceLine = Name.meta({ description: 'Service line or practice, e.g. "Advisory" or "Implementation"' });

export const PaymentTerms = z
  .strictObject({ code: Name.meta({ description: 'e.g. NET30' }), days: z.number().int().min(0).max(365).optional() })
  .meta({ description: 'Payment terms' });

export const BillingFrequency = z.enum(['one-time', 'weekly', 'monthly', 'quarterly', 'annually', 'on-milestone']);

export const ContractTerms = z.strictObject({
  startDate: IsoDate,
  endDate: IsoDate.optional(),
  paymentTerms: PaymentTerms.optional(),
  billingFrequency: BillingFrequency.optional(),
  poNumber: OptionalName.optional(),
  autoRenew: z.boolean().optional(),
});

export const Person = z.strictObject({
  name: OptionalName.optional(),
  email: Email.optional(),
  externalIds: ExternalIds.optional(),
});

/** Extension fields a firm adds; scalar values only, so they map to custom fields in every system. */
export const Custom = z.record(
  z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'custom field names are letters, digits and _'),
  z.union([z.string().max(MAX_TEXT), z.number().finite(), z.boolean(), z.null()]),
);

/** Fields every canonical object carries. */
export const baseFields = {
  businessKey: BusinessKey,
  externalIds: ExternalIds.default({}),
  updatedAt: IsoDateTime.optional(),
  custom: Custom.optional(),
};

/** start <= end for objects that have both. */
export function datesInOrder<T>(start: (v: T) => string | undefined, end: (v: T) => string | undefined, endPath: string) {
  return (value: T, ctx: z.RefinementCtx) => {
    const s = start(value);
    const e = end(value);
    if (s !== undefined && e !== undefined && e < s) {
      ctx.addIssue({ code: 'custom', path: [endPath], message: `must not be before the start date (${s})` });
    }
  };
}
