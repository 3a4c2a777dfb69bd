// Salesforce Account and Contact ⇄ canonical Account and Contact.
import { z } from 'zod';
import type { Account, Contact } from '../../v1/index.js';
import type * as v1 from '../../v1/index.js';
import { compact, countryCode, EnumTable, foreignKey, opt, parseVendorRecord, type MappingCall } from '../common.js';
import { moneyToNumber, numberToMoney } from '../decimal.js';
import { Scope } from '../errors.js';
import {
  legalEntityOf,
  lookup,
  paymentTermsOf,
  readLookup,
  recordCurrency,
  RelatedKey,
  sfBase,
  SfId,
  type KeyReference,
  type SalesforceMappingContext,
} from './context.js';

type AccountInput = z.input<typeof v1.Account>;
type ContactInput = z.input<typeof v1.Contact>;
type AddressValue = NonNullable<Account['billingAddress']>;

export interface SalesforceAddressFields {
  Street?: string;
  City?: string;
  State?: string;
  PostalCode?: string;
  Country?: string;
}

export interface SalesforceAccountRecord {
  Syncwright_Key__c: string;
  Name: string;
  Type?: string;
  ParentId?: string;
  Parent?: KeyReference;
  CurrencyIsoCode?: string;
  BillingStreet?: string;
  BillingCity?: string;
  BillingState?: string;
  BillingPostalCode?: string;
  BillingCountry?: string;
  ShippingStreet?: string;
  ShippingCity?: string;
  ShippingState?: string;
  ShippingPostalCode?: string;
  ShippingCountry?: string;
  Website?: string;
  Industry?: string;
  NetSuite_Id__c?: string;
  Legal_Entity__c?: string;
  Tax_Id__c?: string;
  Tax_Exempt__c?: boolean;
  Payment_Terms__c?: string;
  Service_Line__c?: string;
  Domain__c?: string;
  Credit_Hold__c?: boolean;
  Credit_Limit__c?: number;
}

export interface SalesforceContactRecord {
  Syncwright_Key__c: string;
  LastName: string;
  FirstName?: string;
  Email?: string;
  Phone?: string;
  Title?: string;
  AccountId?: string;
  Account?: KeyReference;
  MailingStreet?: string;
  MailingCity?: string;
  MailingState?: string;
  MailingPostalCode?: string;
  MailingCountry?: string;
  Contact_Roles__c?: string;
  NetSuite_Id__c?: string;
}

/** Standard Account `Type` picklist. */
export const accountTypePicklist = new EnumTable<Account['type'], string>(
  'Account Type picklist value',
  [
    ['customer', 'Customer - Direct'],
    ['prospect', 'Prospect'],
    ['partner', 'Channel Partner / Reseller'],
  ],
  [
    ['Customer - Channel', 'customer'],
    ['Installation Partner', 'partner'],
    ['Technology Partner', 'partner'],
  ],
);

/** `Contact_Roles__c` multi-select picklist (values joined by `;`). */
export const contactRolePicklist = new EnumTable<Contact['roles'][number], string>('Contact_Roles__c value', [
  ['primary', 'Primary'],
  ['billing', 'Billing'],
  ['technical', 'Technical'],
  ['executive-sponsor', 'Executive Sponsor'],
  ['project', 'Project'],
]);

/** The business key of a record read back: its Syncwright key, else one the caller found, else derived from the Id. */
export function sfBusinessKey(record: { Id?: string | undefined; Syncwright_Key__c?: string | undefined }, prefix: string, call: MappingCall | undefined, s: Scope): string {
  const key = record.Syncwright_Key__c ?? call?.businessKey;
  if (key !== undefined) return key;
  if (record.Id === undefined) return s.fail('Syncwright_Key__c', 'is required when the record has no Id');
  return foreignKey(prefix, 'salesforce', record.Id);
}

function addressFields(address: AddressValue | undefined, prefix: string): Record<string, string | undefined> {
  if (address === undefined) return {};
  const street = [address.line1, address.line2].filter((l): l is string => l !== undefined && l !== '').join('\n');
  return {
    [`${prefix}Street`]: street === '' ? undefined : street,
    [`${prefix}City`]: address.city,
    [`${prefix}State`]: address.region,
    [`${prefix}PostalCode`]: address.postalCode,
    [`${prefix}Country`]: address.country,
  };
}

const OptString = opt(z.string());
type AddressKey<P extends string> = `${P}Street` | `${P}City` | `${P}State` | `${P}PostalCode` | `${P}Country`;

function AddressFields<P extends string>(prefix: P): Record<AddressKey<P>, typeof OptString> {
  const fields = ['Street', 'City', 'State', 'PostalCode', 'Country'].map((f) => [`${prefix}${f}`, OptString]);
  return Object.fromEntries(fields) as Record<AddressKey<P>, typeof OptString>;
}

function readAddress(record: Record<string, unknown>, prefix: string, s: Scope): AddressValue | undefined {
  const get = (f: string) => record[`${prefix}${f}`] as string | undefined;
  const parts = ['Street', 'City', 'State', 'PostalCode', 'Country'].map(get);
  if (parts.every((p) => p === undefined || p === '')) return undefined;
  const country = get('Country');
  if (country === undefined || country === '') return s.fail(`${prefix}Country`, 'is required for an address (a canonical address needs its country)');
  // Salesforce keeps the street as one text area: the first line, then the rest.
  const [line1, ...rest] = (get('Street') ?? '').split(/\r?\n/);
  return compact({
    line1: line1 === '' ? undefined : line1,
    line2: rest.length === 0 ? undefined : rest.join(', '),
    city: get('City'),
    region: get('State'),
    postalCode: get('PostalCode'),
    country: countryCode(country, `${prefix}Country`, s),
  });
}

export function toSalesforceAccount(account: Account, ctx: SalesforceMappingContext, call?: MappingCall): SalesforceAccountRecord {
  const s = new Scope('salesforce', 'Account', 'to-vendor');
  const currency = recordCurrency([['creditLimit', account.creditLimit]], ['currency', account.currency], ctx, s);
  return compact({
    Syncwright_Key__c: account.businessKey,
    Name: account.name,
    Type: accountTypePicklist.toVendor(account.type, 'type', s),
    ...lookup(account.parent, 'parent', 'ParentId', 'Parent', ['salesforce'], call, s, false),
    CurrencyIsoCode: currency,
    ...addressFields(account.billingAddress, 'Billing'),
    ...addressFields(account.shippingAddress, 'Shipping'),
    Website: account.website,
    Industry: account.industry,
    NetSuite_Id__c: account.externalIds.netsuite,
    Legal_Entity__c: account.legalEntity?.code,
    Tax_Id__c: account.tax?.taxId,
    Tax_Exempt__c: account.tax?.taxExempt,
    Payment_Terms__c: account.paymentTerms?.code,
    Service_Line__c: account.serviceLine,
    Domain__c: account.domain,
    Credit_Hold__c: account.creditHold,
    Credit_Limit__c: account.creditLimit === undefined ? undefined : moneyToNumber(account.creditLimit, 'creditLimit', s),
  });
}

export const SalesforceAccountRead = z.object({
  ...sfBase,
  Name: z.string().min(1),
  Type: opt(z.string()),
  ParentId: opt(SfId),
  Parent: RelatedKey,
  ...AddressFields('Billing'),
  ...AddressFields('Shipping'),
  Website: opt(z.string()),
  Industry: opt(z.string()),
  NetSuite_Id__c: opt(z.string()),
  Legal_Entity__c: opt(z.string()),
  Tax_Id__c: opt(z.string()),
  Tax_Exempt__c: opt(z.boolean()),
  Payment_Terms__c: opt(z.string()),
  Service_Line__c: opt(z.string()),
  Domain__c: opt(z.string()),
  Credit_Hold__c: opt(z.boolean()),
  Credit_Limit__c: opt(z.number()),
});

export function fromSalesforceAccount(record: unknown, ctx: SalesforceMappingContext, call?: MappingCall): AccountInput {
  const s = new Scope('salesforce', 'Account', 'from-vendor');
  const r = parseVendorRecord(SalesforceAccountRead, record, s);
  const fields = r as unknown as Record<string, unknown>;
  const currency = r.CurrencyIsoCode ?? ctx.corporateCurrency;
  const tax = r.Tax_Id__c !== undefined || r.Tax_Exempt__c !== undefined ? compact({ taxId: r.Tax_Id__c, taxExempt: r.Tax_Exempt__c ?? false }) : undefined;
  return compact({
    businessKey: sfBusinessKey(r, 'acct', call, s),
    externalIds: compact({ salesforce: r.Id, netsuite: r.NetSuite_Id__c }),
    name: r.Name,
    type: r.Type === undefined ? undefined : accountTypePicklist.fromVendor(r.Type, 'Type', s),
    parent: readLookup('salesforce', r.ParentId, r.Parent),
    currency: r.CurrencyIsoCode,
    billingAddress: readAddress(fields, 'Billing', s),
    shippingAddress: readAddress(fields, 'Shipping', s),
    website: r.Website,
    industry: r.Industry,
    legalEntity: legalEntityOf(r.Legal_Entity__c, ctx),
    tax,
    paymentTerms: paymentTermsOf(r.Payment_Terms__c, ctx),
    serviceLine: r.Service_Line__c,
    domain: r.Domain__c,
    creditHold: r.Credit_Hold__c,
    creditLimit: r.Credit_Limit__c === undefined ? undefined : numberToMoney(r.Credit_Limit__c, currency, 'Credit_Limit__c', s),
  });
}

export function toSalesforceContact(contact: Contact, _ctx: SalesforceMappingContext, call?: MappingCall): SalesforceContactRecord {
  const s = new Scope('salesforce', 'Contact', 'to-vendor');
  return compact({
    Syncwright_Key__c: contact.businessKey,
    FirstName: contact.firstName,
    LastName: contact.lastName,
    Email: contact.email,
    Phone: contact.phone,
    Title: contact.title,
    ...lookup(contact.account, 'account', 'AccountId', 'Account', ['salesforce'], call, s, true),
    ...addressFields(contact.mailingAddress, 'Mailing'),
    Contact_Roles__c: contact.roles.length === 0 ? undefined : contact.roles.map((role, i) => contactRolePicklist.toVendor(role, `roles[${i}]`, s)).join(';'),
    NetSuite_Id__c: contact.externalIds.netsuite,
  });
}

export const SalesforceContactRead = z.object({
  ...sfBase,
  LastName: z.string().min(1),
  FirstName: opt(z.string()),
  Email: opt(z.string()),
  Phone: opt(z.string()),
  Title: opt(z.string()),
  AccountId: opt(SfId),
  Account: RelatedKey,
  ...AddressFields('Mailing'),
  Contact_Roles__c: opt(z.string()),
  NetSuite_Id__c: opt(z.string()),
});

export function fromSalesforceContact(record: unknown, _ctx: SalesforceMappingContext, call?: MappingCall): ContactInput {
  const s = new Scope('salesforce', 'Contact', 'from-vendor');
  const r = parseVendorRecord(SalesforceContactRead, record, s);
  const account = readLookup('salesforce', r.AccountId, r.Account);
  if (account === undefined) return s.fail('AccountId', 'is required (a canonical contact belongs to an account)');
  const roles = (r.Contact_Roles__c ?? '')
    .split(';')
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .map((v) => contactRolePicklist.fromVendor(v, 'Contact_Roles__c', s));
  return compact({
    businessKey: sfBusinessKey(r, 'contact', call, s),
    externalIds: compact({ salesforce: r.Id, netsuite: r.NetSuite_Id__c }),
    account,
    firstName: r.FirstName,
    lastName: r.LastName,
    email: r.Email,
    phone: r.Phone,
    title: r.Title,
    roles,
    mailingAddress: readAddress(r as unknown as Record<string, unknown>, 'Mailing', s),
  });
}
