// What a CRM needs beside one invoice or payment, read from NetSuite: the customer behind it (its business key,
// Salesforce id, open balance, credit hold) and an opportunity's totals over all its invoices. Used by the change
// feed and by `erp read-invoice` / `read-payment`, so both complete a transaction the same way.
import { addDecimals, fromNetSuiteExternalId, numberToDecimalString, subtractDecimals } from '../../canonical/mappings/index.js';
import type { NetSuiteClient } from './client/client.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface CustomerSummary {
  /** Internal id of the customer (for a project's transaction: the project's customer). */
  id: string;
  /** The business key its external id holds, when Syncwright wrote it. */
  businessKey?: string;
  salesforceId?: string;
  /** The customer's open balance (NetSuite `balance`), as a decimal string. */
  balance?: string;
  /** Credit hold forced on (`creditHoldOverride` = ON). */
  onHold: boolean;
}

/** The internal id of a transaction's customer reference and whether it names a project (job). */
function entityOf(record: Record<string, unknown>): { id: string; isProject: boolean } | undefined {
  const entity = (record['entity'] ?? record['customer']) as { id?: unknown; links?: Array<{ href?: unknown }> } | undefined;
  if (typeof entity?.id !== 'string') return undefined;
  const href = entity.links?.[0]?.href;
  return { id: entity.id, isProject: typeof href === 'string' && /\/record\/v1\/job\//i.test(href) };
}

/** Reads the customer behind an invoice or payment (a project's customer for a project). */
export async function customerOf(client: NetSuiteClient, record: Record<string, unknown>, opts: { permitHeld?: boolean } = {}): Promise<CustomerSummary | undefined> {
  const entity = entityOf(record);
  if (entity === undefined) return undefined;
  let customerId = entity.id;
  if (entity.isProject) {
    const job = await client.get('job', customerId, { ...opts, fields: ['parent'] });
    const parent = job['parent'] as { id?: unknown } | undefined;
    if (typeof parent?.id !== 'string') return undefined;
    customerId = parent.id;
  }
  const customer = await client.get('customer', customerId, { ...opts, fields: ['externalId', 'balance', 'creditHoldOverride', 'custentity_sw_salesforce_id'] });
  const key = typeof customer['externalId'] === 'string' ? fromNetSuiteExternalId(customer['externalId']) : undefined;
  const sf = customer['custentity_sw_salesforce_id'];
  const hold = customer['creditHoldOverride'];
  const balance = customer['balance'];
  return {
    id: customerId,
    ...(key !== undefined ? { businessKey: key } : {}),
    ...(typeof sf === 'string' && sf !== '' ? { salesforceId: sf } : {}),
    ...(typeof balance === 'number' && Number.isFinite(balance) ? { balance: numberToDecimalString(balance) } : {}),
    onHold: (isRecord(hold) ? hold['id'] : hold) === 'ON',
  };
}

/** A per-poll (or per-call) memo, so each customer is read once however many of its transactions changed. */
export function customerCache(client: NetSuiteClient, opts: { permitHeld?: boolean } = {}): (record: Record<string, unknown>) => Promise<CustomerSummary | undefined> {
  const known = new Map<string, Promise<CustomerSummary | undefined>>();
  return (record) => {
    const entity = entityOf(record);
    if (entity === undefined) return Promise.resolve(undefined);
    const key = `${entity.isProject ? 'job' : 'customer'}:${entity.id}`;
    let found = known.get(key);
    if (!found) {
      found = customerOf(client, record, opts);
      known.set(key, found);
    }
    return found;
  };
}

/**
 * The canonical invoice or payment with its account completed from the customer: business key and Salesforce id
 * in the reference, `custom.accountOpenBalance` and `custom.creditHold`; an open or partly paid invoice of a
 * customer on credit hold gets status `credit-hold` when `markCreditHold`.
 */
export function withCustomer(canonical: Record<string, unknown>, customer: CustomerSummary, isInvoice: boolean, markCreditHold = true): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...canonical,
    account: {
      ...(customer.businessKey !== undefined ? { businessKey: customer.businessKey } : {}),
      externalIds: { netsuite: customer.id, ...(customer.salesforceId !== undefined ? { salesforce: customer.salesforceId } : {}) },
    },
    custom: {
      ...(isRecord(canonical['custom']) ? canonical['custom'] : {}),
      creditHold: customer.onHold,
      ...(customer.balance !== undefined ? { accountOpenBalance: customer.balance } : {}),
    },
  };
  if (markCreditHold && isInvoice && customer.onHold && (canonical['status'] === 'open' || canonical['status'] === 'partially-paid')) out['status'] = 'credit-hold';
  return out;
}

export interface OpportunityTotals {
  invoiced: string;
  paid: string;
  invoices: number;
}

/**
 * An opportunity's invoiced and paid totals over every invoice of this account that names it (by its Salesforce
 * id in `custbody_sw_salesforce_opp_id`, else by the sales order it was billed from), voided invoices left out.
 * Amounts are in the invoices' own currency (`foreigntotal`).
 */
export async function opportunityTotals(client: NetSuiteClient, opportunity: { salesforce?: string; salesOrder?: string }, opts: { permitHeld?: boolean } = {}): Promise<OpportunityTotals | undefined> {
  const by = opportunity.salesforce !== undefined ? { where: 'custbody_sw_salesforce_opp_id = :ref', ref: opportunity.salesforce } : opportunity.salesOrder !== undefined ? { where: 'createdfrom = :ref', ref: opportunity.salesOrder } : undefined;
  if (by === undefined) return undefined;
  const rows = await client.query(`SELECT id, foreigntotal, foreignamountremaining, status FROM transaction WHERE type = 'CustInvc' AND ${by.where}`, { ref: by.ref }, { ...opts, maxResults: 10_000 });
  let invoiced = '0';
  let paid = '0';
  let invoices = 0;
  for (const row of rows.items) {
    // NetSuite's invoice statuses: A open, B paid in full, V voided.
    if (row['status'] === 'V') continue;
    const total = decimalOf(row['foreigntotal']);
    const remaining = decimalOf(row['foreignamountremaining']) ?? total;
    if (total === undefined || remaining === undefined) continue;
    invoiced = addDecimals(invoiced, total);
    paid = addDecimals(paid, subtractDecimals(total, remaining));
    invoices += 1;
  }
  return { invoiced, paid, invoices };
}

function decimalOf(v: unknown): string | undefined {
  const text = typeof v === 'number' ? numberToDecimalString(v) : typeof v === 'string' ? v.trim() : '';
  return /^-?\d+(\.\d+)?$/.test(text) ? text : undefined;
}

/** The opportunity an invoice names, as its Salesforce id and/or its sales order's NetSuite id. */
export function opportunityOf(canonical: Record<string, unknown>): { salesforce?: string; salesOrder?: string } | undefined {
  const opp = canonical['opportunity'];
  const ids = isRecord(opp) && isRecord(opp['externalIds']) ? opp['externalIds'] : undefined;
  if (ids === undefined) return undefined;
  const salesforce = typeof ids['salesforce'] === 'string' ? ids['salesforce'] : undefined;
  const salesOrder = typeof ids['netsuite'] === 'string' ? ids['netsuite'] : undefined;
  if (salesforce === undefined && salesOrder === undefined) return undefined;
  return { ...(salesforce !== undefined ? { salesforce } : {}), ...(salesOrder !== undefined ? { salesOrder } : {}) };
}

/** An invoice with its opportunity's totals in `custom` (what `crm write-billing-status` writes on the Opportunity). */
export function withOpportunityTotals(canonical: Record<string, unknown>, totals: OpportunityTotals): Record<string, unknown> {
  return {
    ...canonical,
    custom: {
      ...(isRecord(canonical['custom']) ? canonical['custom'] : {}),
      opportunityAmountInvoiced: totals.invoiced,
      opportunityAmountPaid: totals.paid,
    },
  };
}
