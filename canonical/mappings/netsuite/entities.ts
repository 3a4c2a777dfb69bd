// NetSuite customer and contact ⇄ canonical Account and Contact.
import { z } from 'zod';
import type { Account, Contact } from '../../v1/index.js';
import type * as v1 from '../../v1/index.js';
import { compact, countryCode, EnumTable, opt, parseVendorRecord, requireRefId, type MappingCall } from '../common.js';
import { moneyToNumber, numberToMoney } from '../decimal.js';
import { Scope } from '../errors.js';
import { toNetSuiteExternalId } from '../external-id.js';
import {
  currencyByCode,
  currencyById,
  legalEntityOf,
  NsEnumRead,
  nsBase,
  nsBusinessKey,
  NsRefRead,
  ref,
  subsidiaryByCode,
  subsidiaryById,
  sublist,
  termsByCode,
  termsById,
  type NetSuiteMappingContext,
  type NsRef,
} from './context.js';

type AccountInput = z.input<typeof v1.Account>;
type ContactInput = z.input<typeof v1.Contact>;
type AddressValue = NonNullable<Account['billingAddress']>;

export interface NetSuiteAddress {
  addr1?: string;
  addr2?: string;
  city?: string;
  state?: string;
  zip?: string;
  country: NsRef;
}

export interface NetSuiteAddressBookLine {
  defaultBilling: boolean;
  defaultShipping: boolean;
  addressBookAddress: NetSuiteAddress;
}

export interface NetSuiteCustomerRecord {
  externalId: string;
  companyName: string;
  isPerson: false;
  isInactive: boolean;
  subsidiary?: NsRef;
  currency?: NsRef;
  terms?: NsRef;
  parent?: NsRef;
  email?: string;
  url?: string;
  creditLimit?: number;
  creditHoldOverride?: NsRef;
  vatRegNumber?: string;
  taxable?: boolean;
  addressBook?: { items: NetSuiteAddressBookLine[] };
  custentity_sw_salesforce_id?: string;
  custentity_sw_service_line?: string;
  custentity_sw_domain?: string;
}

export interface NetSuiteContactRecord {
  externalId: string;
  lastName: string;
  firstName?: string;
  email?: string;
  phone?: string;
  title?: string;
  company: NsRef;
  isInactive: boolean;
  addressBook?: { items: NetSuiteAddressBookLine[] };
  custentity_sw_salesforce_id?: string;
  custentity_sw_roles?: string;
}

/** `customer.creditHoldOverride`: ON / OFF force the hold; AUTO leaves it to the credit limit. */
export const creditHoldTable = new EnumTable<'true' | 'false', string>('creditHoldOverride value', [
  ['true', 'ON'],
  ['false', 'OFF'],
]);

/** Contact roles in `custentity_sw_roles`, joined by `;` (the same labels as Salesforce's Contact_Roles__c). */
export const contactRoleTable = new EnumTable<Contact['roles'][number], string>('custentity_sw_roles value', [
  ['primary', 'Primary'],
  ['billing', 'Billing'],
  ['technical', 'Technical'],
  ['executive-sponsor', 'Executive Sponsor'],
  ['project', 'Project'],
]);

function toAddress(address: AddressValue): NetSuiteAddress {
  return compact({ addr1: address.line1, addr2: address.line2, city: address.city, state: address.region, zip: address.postalCode, country: ref(address.country) });
}

function addressBook(lines: ReadonlyArray<readonly [AddressValue | undefined, 'billing' | 'shipping']>): { items: NetSuiteAddressBookLine[] } | undefined {
  const items = lines
    .filter((l): l is readonly [AddressValue, 'billing' | 'shipping'] => l[0] !== undefined)
    .map(([address, kind]) => ({ defaultBilling: kind === 'billing', defaultShipping: kind === 'shipping', addressBookAddress: toAddress(address) }));
  return items.length === 0 ? undefined : { items };
}

const AddressRead = z.object({
  addr1: opt(z.string()),
  addr2: opt(z.string()),
  city: opt(z.string()),
  state: opt(z.string()),
  zip: opt(z.string()),
  country: opt(NsEnumRead),
});

const AddressBookRead = opt(
  sublist(
    z.object({
      defaultBilling: opt(z.boolean()),
      defaultShipping: opt(z.boolean()),
      addressBookAddress: AddressRead,
    }),
  ),
);

function readAddress(book: z.output<typeof AddressBookRead>, kind: 'defaultBilling' | 'defaultShipping', s: Scope): AddressValue | undefined {
  const index = book?.items.findIndex((l) => l[kind] === true) ?? -1;
  const line = index < 0 ? undefined : book?.items[index];
  if (line === undefined) return undefined;
  const a = line.addressBookAddress;
  const field = `addressBook.items[${index}].addressBookAddress.country`;
  if (a.country === undefined) return s.fail(field, 'is required (a canonical address needs its country)');
  return compact({ line1: a.addr1, line2: a.addr2, city: a.city, region: a.state, postalCode: a.zip, country: countryCode(a.country.id, field, s) });
}

const accountStatusTable = new EnumTable<Account['status'], 'true' | 'false'>('NetSuite isInactive value', [
  ['active', 'false'],
  ['inactive', 'true'],
]);

export function toNetSuiteCustomer(account: Account, ctx: NetSuiteMappingContext, call?: MappingCall): NetSuiteCustomerRecord {
  const s = new Scope('netsuite', 'customer', 'to-vendor');
  if (account.type !== 'customer') s.fail('type', `is "${account.type}": NetSuite keeps ${account.type}s in another record type than customer`);
  if (account.creditLimit !== undefined && account.currency !== undefined && account.creditLimit.currency !== account.currency) {
    s.fail('creditLimit.currency', `is ${account.creditLimit.currency}, but the customer's currency is ${account.currency}`);
  }
  const currency = account.currency ?? account.creditLimit?.currency;
  return compact({
    externalId: toNetSuiteExternalId(account.businessKey),
    companyName: account.name,
    isPerson: false as const,
    isInactive: accountStatusTable.toVendor(account.status, 'status', s) === 'true',
    subsidiary: account.legalEntity === undefined ? undefined : ref(subsidiaryByCode(ctx, account.legalEntity.code, 'legalEntity.code', s).id),
    currency: currency === undefined ? undefined : currencyByCode(ctx, currency, account.currency === undefined ? 'creditLimit.currency' : 'currency', s),
    terms: account.paymentTerms === undefined ? undefined : termsByCode(ctx, account.paymentTerms.code, 'paymentTerms.code', s),
    parent: account.parent === undefined ? undefined : ref(requireRefId(account.parent, 'parent', ['netsuite'], call, s)),
    email: account.billingEmail,
    url: account.website,
    creditLimit: account.creditLimit === undefined ? undefined : moneyToNumber(account.creditLimit, 'creditLimit', s),
    creditHoldOverride: account.creditHold === undefined ? undefined : ref(creditHoldTable.toVendor(account.creditHold ? 'true' : 'false', 'creditHold', s)),
    vatRegNumber: account.tax?.taxId,
    taxable: account.tax === undefined ? undefined : !account.tax.taxExempt,
    addressBook: addressBook([
      [account.billingAddress, 'billing'],
      [account.shippingAddress, 'shipping'],
    ]),
    custentity_sw_salesforce_id: account.externalIds.salesforce,
    custentity_sw_service_line: account.serviceLine,
    custentity_sw_domain: account.domain,
  });
}

export const NetSuiteCustomerRead = z.object({
  ...nsBase,
  companyName: opt(z.string().min(1)),
  entityId: opt(z.string()),
  isInactive: opt(z.boolean()),
  subsidiary: opt(NsRefRead),
  currency: opt(NsRefRead),
  terms: opt(NsRefRead),
  parent: opt(NsRefRead),
  email: opt(z.string()),
  url: opt(z.string()),
  creditLimit: opt(z.number()),
  creditHoldOverride: opt(NsEnumRead),
  vatRegNumber: opt(z.string()),
  taxable: opt(z.boolean()),
  addressBook: AddressBookRead,
  custentity_sw_salesforce_id: opt(z.string()),
  custentity_sw_service_line: opt(z.string()),
  custentity_sw_domain: opt(z.string()),
});

export function fromNetSuiteCustomer(record: unknown, ctx: NetSuiteMappingContext, call?: MappingCall): AccountInput {
  const s = new Scope('netsuite', 'customer', 'from-vendor');
  const r = parseVendorRecord(NetSuiteCustomerRead, record, s);
  const name = r.companyName ?? r.entityId;
  if (name === undefined) return s.fail('companyName', 'is required');
  const currency = r.currency === undefined ? undefined : currencyById(ctx, r.currency.id, 'currency.id', s);
  if (r.creditLimit !== undefined && currency === undefined) s.fail('currency', 'is required to read creditLimit');
  const hold = r.creditHoldOverride === undefined || r.creditHoldOverride.id === 'AUTO' ? undefined : creditHoldTable.fromVendor(r.creditHoldOverride.id, 'creditHoldOverride', s);
  return compact({
    businessKey: nsBusinessKey(r, 'acct', call, s),
    externalIds: compact({ netsuite: r.id, salesforce: r.custentity_sw_salesforce_id }),
    name,
    type: 'customer',
    status: r.isInactive === true ? 'inactive' : 'active',
    parent: r.parent === undefined ? undefined : { externalIds: { netsuite: r.parent.id } },
    legalEntity: r.subsidiary === undefined ? undefined : legalEntityOf(subsidiaryById(ctx, r.subsidiary.id, 'subsidiary.id', s)),
    currency,
    tax: r.vatRegNumber !== undefined || r.taxable !== undefined ? compact({ taxId: r.vatRegNumber, taxExempt: r.taxable === undefined ? false : !r.taxable }) : undefined,
    billingAddress: readAddress(r.addressBook, 'defaultBilling', s),
    shippingAddress: readAddress(r.addressBook, 'defaultShipping', s),
    website: r.url,
    domain: r.custentity_sw_domain,
    serviceLine: r.custentity_sw_service_line,
    paymentTerms: r.terms === undefined ? undefined : termsById(ctx, r.terms.id, 'terms.id', s),
    creditLimit: r.creditLimit === undefined || currency === undefined ? undefined : numberToMoney(r.creditLimit, currency, 'creditLimit', s),
    creditHold: hold === undefined ? undefined : hold === 'true',
    billingEmail: r.email,
  });
}

export function toNetSuiteContact(contact: Contact, _ctx: NetSuiteMappingContext, call?: MappingCall): NetSuiteContactRecord {
  const s = new Scope('netsuite', 'contact', 'to-vendor');
  return compact({
    externalId: toNetSuiteExternalId(contact.businessKey),
    firstName: contact.firstName,
    lastName: contact.lastName,
    email: contact.email,
    phone: contact.phone,
    title: contact.title,
    company: ref(requireRefId(contact.account, 'account', ['netsuite'], call, s)),
    isInactive: contact.status === 'inactive',
    addressBook: addressBook([[contact.mailingAddress, 'billing']]),
    custentity_sw_salesforce_id: contact.externalIds.salesforce,
    custentity_sw_roles: contact.roles.length === 0 ? undefined : contact.roles.map((r, i) => contactRoleTable.toVendor(r, `roles[${i}]`, s)).join(';'),
  });
}

export const NetSuiteContactRead = z.object({
  ...nsBase,
  firstName: opt(z.string()),
  lastName: z.string().min(1),
  email: opt(z.string()),
  phone: opt(z.string()),
  title: opt(z.string()),
  company: NsRefRead,
  isInactive: opt(z.boolean()),
  addressBook: AddressBookRead,
  custentity_sw_salesforce_id: opt(z.string()),
  custentity_sw_roles: opt(z.string()),
});

export function fromNetSuiteContact(record: unknown, _ctx: NetSuiteMappingContext, call?: MappingCall): ContactInput {
  const s = new Scope('netsuite', 'contact', 'from-vendor');
  const r = parseVendorRecord(NetSuiteContactRead, record, s);
  return compact({
    businessKey: nsBusinessKey(r, 'contact', call, s),
    externalIds: compact({ netsuite: r.id, salesforce: r.custentity_sw_salesforce_id }),
    account: { externalIds: { netsuite: r.company.id } },
    firstName: r.firstName,
    lastName: r.lastName,
    email: r.email,
    phone: r.phone,
    title: r.title,
    roles: (r.custentity_sw_roles ?? '')
      .split(';')
      .map((v) => v.trim())
      .filter((v) => v !== '')
      .map((v) => contactRoleTable.fromVendor(v, 'custentity_sw_roles', s)),
    mailingAddress: readAddress(r.addressBook, 'defaultBilling', s),
    status: r.isInactive === true ? 'inactive' : 'active',
  });
}
