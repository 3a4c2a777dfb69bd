// Canonical objects in and out of Salesforce (and Certinia): the mappings of canonical/mappings/salesforce
// on top of the client. A payload is validated against its schema and mapped; a mapping problem becomes a
// `data` SyncError naming the field; reads select what the mapping reads and come back validated.
import { findMapping, isMappingError, type MappingCall, type MappingEntry } from '../../../canonical/mappings/index.js';
import { defaultSalesforceContext, type SalesforceMappingContext } from '../../../canonical/mappings/salesforce/index.js';
import type { CallContext } from '../../../runtime-plugins/http/http-client.js';
import { SalesforceError, TARGET } from './errors.js';
import { isMappedObject, readFields, type MappedObject } from './objects.js';
import { attachLineItems, replaceLineItems, upsertOpportunity, type LineItemChanges, type LineItemMode, type OpportunityWrite } from './opportunity.js';
import type { BulkOptions, RecordOutcome, SalesforceClient, SObjectRecord } from './client.js';

export interface CanonicalOptions {
  context?: SalesforceMappingContext;
  /** External ID field of upserts (default `Syncwright_Key__c`). */
  externalIdField?: string;
  /** How an opportunity's lines are written (default `replace`). */
  lineItems?: LineItemMode;
  /** Parent ids, correlation id… for the mapping. */
  call?: MappingCall;
  /** The schema the payload claims (msg.sync.schema); must be the mapping's. */
  schema?: string;
}

export interface CanonicalWriteResult {
  id: string;
  created: boolean;
  /** The external ID value written (the business key by default). */
  key: string;
  lineItems?: LineItemChanges;
}

/** A mapping problem as the connector reports it: a `data` error naming the field. */
export function mappingFailure(err: unknown): SalesforceError {
  if (isMappingError(err)) return new SalesforceError(err.message, { class: 'data', code: 'MAPPING_ERROR', retryable: false, target: TARGET, ...(err.field !== '' ? { fields: [err.field] } : {}) });
  if (err instanceof SalesforceError) return err;
  return new SalesforceError(err instanceof Error ? err.message : String(err), { class: 'data', code: 'MAPPING_ERROR', retryable: false, target: TARGET });
}

/** The mapping of an sObject, or a data error saying which objects have one. */
export function mappingOf(sobject: string): MappingEntry<'salesforce'> & { objectType: MappedObject } {
  const entry = isMappedObject(sobject) ? findMapping('salesforce', sobject) : undefined;
  if (!entry) throw new SalesforceError(`${sobject} has no canonical mapping (mapped: Account, Contact, Opportunity, pse__Proj__c, pse__Milestone__c, pse__Timecard_Header__c, pse__Resource_Request__c); send it vendor-shaped`, { class: 'data', code: 'NO_MAPPING', retryable: false, target: TARGET });
  return entry as MappingEntry<'salesforce'> & { objectType: MappedObject };
}

/** Maps a canonical payload to the record (and, for an opportunity, the lines) Salesforce takes. */
export function toSalesforce(sobject: string, payload: unknown, options: CanonicalOptions = {}): OpportunityWrite {
  const entry = mappingOf(sobject);
  if (options.schema !== undefined && options.schema !== entry.schemaId) {
    throw new SalesforceError(`msg.sync.schema is ${options.schema}, but ${sobject} maps ${entry.schemaId}`, { class: 'data', code: 'SCHEMA_MISMATCH', retryable: false, target: TARGET, fields: ['sync.schema'] });
  }
  const toVendor = entry.toVendor;
  if (!toVendor) throw new SalesforceError(`${sobject} is read-only in the canonical mapping`, { class: 'data', code: 'NO_MAPPING', retryable: false, target: TARGET });
  let mapped: unknown;
  try {
    mapped = toVendor(payload, options.context ?? defaultSalesforceContext, options.call);
  } catch (err) {
    throw mappingFailure(err);
  }
  if (sobject === 'Opportunity') return mapped as OpportunityWrite;
  return { record: mapped as SObjectRecord, lineItems: [] };
}

/** Maps a Salesforce record to canonical objects (one, or one per day for a Certinia timecard). */
export function fromSalesforce(sobject: string, record: unknown, options: CanonicalOptions = {}): unknown[] {
  try {
    return mappingOf(sobject).fromVendor(record, options.context ?? defaultSalesforceContext, options.call);
  } catch (err) {
    throw mappingFailure(err);
  }
}

function keyOf(record: SObjectRecord, field: string): string {
  const v = record[field];
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  throw new SalesforceError(`the mapped record has no ${field}: upsert canonical objects by Syncwright_Key__c, or map the field`, { class: 'data', code: 'MISSING_EXTERNAL_ID', retryable: false, target: TARGET, fields: [field] });
}

/** Upserts one canonical object by its external ID (an opportunity with its lines). */
export async function upsertCanonical(client: SalesforceClient, sobject: string, payload: unknown, options: CanonicalOptions = {}, ctx: CallContext = {}): Promise<CanonicalWriteResult> {
  const field = options.externalIdField ?? 'Syncwright_Key__c';
  const write = toSalesforce(sobject, payload, options);
  const key = keyOf(write.record, field);
  if (sobject === 'Opportunity') {
    const r = await upsertOpportunity(client, write, field, options.lineItems ?? 'replace', ctx);
    return { id: r.id, created: r.created, key, lineItems: r.lineItems };
  }
  const r = await client.upsert(sobject, field, key, write.record, ctx);
  return { ...r, key };
}

/** Creates one canonical object (an opportunity with its lines). */
export async function createCanonical(client: SalesforceClient, sobject: string, payload: unknown, options: CanonicalOptions = {}, ctx: CallContext = {}): Promise<CanonicalWriteResult> {
  const write = toSalesforce(sobject, payload, options);
  const { id } = await client.create(sobject, write.record, ctx);
  const written = write.record['Syncwright_Key__c'];
  const key = typeof written === 'string' ? written : id;
  if (sobject === 'Opportunity' && write.lineItems.length > 0) return { id, created: true, key, lineItems: await replaceLineItems(client, id, write.lineItems, 'replace', ctx) };
  return { id, created: true, key };
}

/**
 * Upserts many canonical objects through sObject Collections, each outcome its own: a payload that does not
 * map fails alone with a data error. Opportunities' lines are written after their headers.
 */
export async function bulkUpsertCanonical(client: SalesforceClient, sobject: string, payloads: readonly unknown[], options: CanonicalOptions & BulkOptions = {}, ctx: CallContext = {}): Promise<RecordOutcome[]> {
  const field = options.externalIdField ?? 'Syncwright_Key__c';
  const outcomes: Array<RecordOutcome | undefined> = new Array<RecordOutcome | undefined>(payloads.length);
  const writes: Array<OpportunityWrite | undefined> = payloads.map((payload, i) => {
    try {
      const write = toSalesforce(sobject, payload, options);
      keyOf(write.record, field);
      return write;
    } catch (err) {
      outcomes[i] = { ok: false, error: mappingFailure(err) };
      return undefined;
    }
  });
  const sendable = writes.map((w, i) => (w ? i : -1)).filter((i) => i >= 0);
  if (sendable.length > 0) {
    const results = await client.bulkUpsert(sobject, field, sendable.map((i) => (writes[i] as OpportunityWrite).record), options, ctx);
    sendable.forEach((i, k) => {
      outcomes[i] = results[k];
    });
  }
  for (const i of sendable) {
    const outcome = outcomes[i];
    const write = writes[i] as OpportunityWrite;
    if (!outcome?.ok || write.lineItems.length === 0) continue;
    try {
      await replaceLineItems(client, outcome.id, write.lineItems, options.lineItems ?? 'replace', ctx);
    } catch (err) {
      outcomes[i] = { ok: false, error: err instanceof SalesforceError ? err : mappingFailure(err) };
    }
  }
  return outcomes.map((o) => o ?? { ok: false, error: new SalesforceError('the record was not sent', { class: 'transient', code: 'NOT_SENT', retryable: true, target: TARGET }) });
}

/**
 * Reads records with the fields their mapping needs (`where` is a SOQL condition with named parameters) and
 * maps them to canonical objects; opportunities come with their lines.
 */
export async function queryCanonical(client: SalesforceClient, sobject: string, where: string, params: Parameters<SalesforceClient['query']>[1] = {}, options: CanonicalOptions & { orderBy?: string; limit?: number } = {}, ctx: CallContext = {}): Promise<{ records: SObjectRecord[]; canonical: unknown[] }> {
  const entry = mappingOf(sobject);
  const multiCurrency = (options.context ?? defaultSalesforceContext).multiCurrency;
  const soql = `SELECT ${readFields(entry.objectType, multiCurrency).join(', ')} FROM ${sobject}${where.trim() ? ` WHERE ${where}` : ''}${options.orderBy ? ` ORDER BY ${options.orderBy}` : ''}${options.limit !== undefined ? ` LIMIT ${Math.floor(options.limit)}` : ''}`;
  let { records } = await client.query(soql, params, {}, ctx);
  if (sobject === 'Opportunity') records = await attachLineItems(client, records, ctx);
  return { records, canonical: records.flatMap((r) => fromSalesforce(sobject, r, options)) };
}

/** Reads one record by Id or external ID and maps it (several objects for a timecard). */
export async function getCanonical(client: SalesforceClient, sobject: string, by: { id: string } | { field: string; value: string }, options: CanonicalOptions = {}, ctx: CallContext = {}): Promise<{ record: SObjectRecord; canonical: unknown[] }> {
  const where = 'id' in by ? 'Id = :v' : `${by.field} = :v`;
  if (!('id' in by) && !/^[A-Za-z][A-Za-z0-9_]*$/.test(by.field)) throw new SalesforceError(`"${by.field}" is not a field name`, { class: 'data', code: 'INVALID_NAME', retryable: false, target: TARGET });
  const { records, canonical } = await queryCanonical(client, sobject, where, { v: 'id' in by ? by.id : by.value }, { ...options, limit: 2 }, ctx);
  const what = 'id' in by ? `Id ${by.id}` : `${by.field} = ${by.value}`;
  if (records.length === 0) throw new SalesforceError(`no ${sobject} with ${what}`, { class: 'data', code: 'NOT_FOUND', retryable: false, target: TARGET, status: 404 });
  if (records.length > 1) throw new SalesforceError(`several ${sobject} records have ${what}`, { class: 'conflict', code: 'MULTIPLE_CHOICES', retryable: false, target: TARGET, status: 300 });
  return { record: records[0], canonical };
}
