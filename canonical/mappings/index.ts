// Vendor ⇄ canonical mappings, and the registry the generic operation nodes use: for each vendor and vendor
// object type, the canonical schema and the two directions. The typed functions (toNetSuiteJob, …) trust
// their canonical input's type; the registry entries validate at the edge, both ways, so a caller holding
// unknown data gets canonical values or a MappingError naming the field.
import { validateCanonical } from '../validate.js';
import type { CanonicalOf, SchemaId } from '../registry.js';
import type { MappingCall } from './common.js';
import { MappingError, type Vendor } from './errors.js';
import * as kantata from './kantata/index.js';
import * as netsuite from './netsuite/index.js';
import * as salesforce from './salesforce/index.js';

export * from './errors.js';
export * from './common.js';
export * from './decimal.js';
export * from './external-id.js';
export * as salesforce from './salesforce/index.js';
export * as netsuite from './netsuite/index.js';
export * as kantata from './kantata/index.js';

export interface VendorContexts {
  salesforce: salesforce.SalesforceMappingContext;
  netsuite: netsuite.NetSuiteMappingContext;
  kantata: kantata.KantataMappingContext;
}

export const defaultContexts: Readonly<VendorContexts> = {
  salesforce: salesforce.defaultSalesforceContext,
  netsuite: netsuite.defaultNetSuiteContext,
  kantata: kantata.defaultKantataContext,
};

export interface MappingEntry<V extends Vendor = Vendor> {
  vendor: V;
  /** Vendor object type: Salesforce sObject, NetSuite record type, Kantata object. */
  objectType: string;
  schemaId: SchemaId;
  /**
   * Canonical → vendor record; absent for objects Syncwright only reads (NetSuite invoice and
   * customerPayment, Kantata invoice). Validates the payload against the canonical schema first.
   */
  toVendor?: (payload: unknown, ctx: VendorContexts[V], call?: MappingCall) => unknown;
  /**
   * Vendor record → canonical objects, validated and normalised. One object for every record but a
   * Certinia timecard, which yields one time entry per day with hours.
   */
  fromVendor: (record: unknown, ctx: VendorContexts[V], call?: MappingCall) => unknown[];
}

function define<V extends Vendor, S extends SchemaId>(
  vendor: V,
  objectType: string,
  schemaId: S,
  to: ((value: CanonicalOf<S>, ctx: VendorContexts[V], call?: MappingCall) => unknown) | undefined,
  from: (record: unknown, ctx: VendorContexts[V], call?: MappingCall) => object | object[],
): MappingEntry<V> {
  const entry: MappingEntry<V> = {
    vendor,
    objectType,
    schemaId,
    fromVendor(record, ctx, call) {
      const produced = from(record, ctx, call);
      return (Array.isArray(produced) ? produced : [produced]).map((value) => {
        const r = validateCanonical(schemaId, value);
        if (r.ok) return r.value;
        const first = r.errors[0];
        throw new MappingError(first?.path ?? '', `maps to an invalid ${schemaId}: ${first?.message ?? 'invalid'}`, 'from-vendor', vendor, objectType);
      });
    },
  };
  if (to !== undefined) {
    entry.toVendor = (payload, ctx, call) => {
      const r = validateCanonical(schemaId, payload);
      if (!r.ok) {
        const first = r.errors[0];
        throw new MappingError(first?.path ?? '', first?.message ?? 'is not valid', 'to-vendor', vendor, objectType);
      }
      return to(r.value, ctx, call);
    };
  }
  return entry;
}

const sf = salesforce;
const ns = netsuite;
const kt = kantata;

export const mappingRegistry = {
  salesforce: {
    Account: define('salesforce', 'Account', 'syncwright/account@1', sf.toSalesforceAccount, sf.fromSalesforceAccount),
    Contact: define('salesforce', 'Contact', 'syncwright/contact@1', sf.toSalesforceContact, sf.fromSalesforceContact),
    Opportunity: define('salesforce', 'Opportunity', 'syncwright/opportunity@1', sf.toSalesforceOpportunity, sf.fromSalesforceOpportunity),
    pse__Proj__c: define('salesforce', 'pse__Proj__c', 'syncwright/project@1', sf.toCertiniaProject, sf.fromCertiniaProject),
    pse__Milestone__c: define('salesforce', 'pse__Milestone__c', 'syncwright/work-item@1', sf.toCertiniaMilestone, sf.fromCertiniaMilestone),
    pse__Timecard_Header__c: define('salesforce', 'pse__Timecard_Header__c', 'syncwright/time-entry@1', sf.toCertiniaTimecard, sf.fromCertiniaTimecard),
    pse__Resource_Request__c: define('salesforce', 'pse__Resource_Request__c', 'syncwright/resource-request@1', sf.toCertiniaResourceRequest, sf.fromCertiniaResourceRequest),
  },
  netsuite: {
    customer: define('netsuite', 'customer', 'syncwright/account@1', ns.toNetSuiteCustomer, ns.fromNetSuiteCustomer),
    contact: define('netsuite', 'contact', 'syncwright/contact@1', ns.toNetSuiteContact, ns.fromNetSuiteContact),
    job: define('netsuite', 'job', 'syncwright/project@1', ns.toNetSuiteJob, ns.fromNetSuiteJob),
    projectTask: define('netsuite', 'projectTask', 'syncwright/work-item@1', ns.toNetSuiteProjectTask, ns.fromNetSuiteProjectTask),
    salesOrder: define('netsuite', 'salesOrder', 'syncwright/opportunity@1', ns.toNetSuiteSalesOrder, ns.fromNetSuiteSalesOrder),
    invoice: define('netsuite', 'invoice', 'syncwright/invoice@1', undefined, ns.fromNetSuiteInvoice),
    customerPayment: define('netsuite', 'customerPayment', 'syncwright/payment@1', undefined, ns.fromNetSuiteCustomerPayment),
    timeBill: define('netsuite', 'timeBill', 'syncwright/time-entry@1', ns.toNetSuiteTimeBill, ns.fromNetSuiteTimeBill),
    expenseReport: define('netsuite', 'expenseReport', 'syncwright/expense@1', ns.toNetSuiteExpenseReport, ns.fromNetSuiteExpenseReport),
  },
  kantata: {
    workspace: define('kantata', 'workspace', 'syncwright/project@1', kt.toKantataWorkspace, kt.fromKantataWorkspace),
    story: define('kantata', 'story', 'syncwright/work-item@1', kt.toKantataStory, kt.fromKantataStory),
    time_entry: define('kantata', 'time_entry', 'syncwright/time-entry@1', kt.toKantataTimeEntry, kt.fromKantataTimeEntry),
    expense: define('kantata', 'expense', 'syncwright/expense@1', kt.toKantataExpense, kt.fromKantataExpense),
    invoice: define('kantata', 'invoice', 'syncwright/invoice@1', undefined, kt.fromKantataInvoice),
  },
} as const satisfies { [V in Vendor]: Record<string, MappingEntry<V>> };

/** The mapping of one vendor object type, or undefined when there is none. */
export function findMapping<V extends Vendor>(vendor: V, objectType: string): MappingEntry<V> | undefined {
  const table = mappingRegistry[vendor] as unknown as Readonly<Record<string, MappingEntry<V>>>;
  return Object.prototype.hasOwnProperty.call(table, objectType) ? table[objectType] : undefined;
}

/** Every vendor object type that maps to or from a canonical schema. */
export function mappingsFor(schemaId: SchemaId): MappingEntry[] {
  const all: MappingEntry[] = [];
  for (const vendor of Object.keys(mappingRegistry) as Vendor[]) {
    for (const entry of Object.values(mappingRegistry[vendor]) as MappingEntry[]) if (entry.schemaId === schemaId) all.push(entry);
  }
  return all;
}
