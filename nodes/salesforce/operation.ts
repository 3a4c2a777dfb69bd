// What the salesforce operation node does with one message, without Node-RED: validate its settings, map a
// canonical payload, call the client, and shape the outcome the node sends on.
import type { SalesforceMappingContext } from '../../canonical/mappings/salesforce/index.js';
import type { CallContext } from '../../runtime-plugins/http/http-client.js';
import { recordError, type RecordedError } from '../../runtime-plugins/red/outcome.js';
import { bulkUpsertCanonical, createCanonical, getCanonical, mappingOf, queryCanonical, toSalesforce, upsertCanonical, type CanonicalOptions } from './client/canonical.js';
import type { RecordOutcome, SalesforceClient, SObjectRecord } from './client/client.js';
import { SalesforceError, TARGET } from './client/errors.js';
import type { LineItemMode } from './client/opportunity.js';
import { parseSoqlParams } from './client/soql.js';

export const OPERATIONS = ['upsert', 'bulkUpsert', 'create', 'get', 'update', 'delete', 'query'] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface OperationSettings {
  operation: Operation;
  sobject: string;
  externalIdField: string;
  input: 'canonical' | 'vendor';
  lineItems: LineItemMode;
  /** get/update/delete: is the key a record Id or an external ID value? */
  lookup: 'id' | 'externalId';
  allOrNone: boolean;
  /** query: SOQL (vendor) or a WHERE condition (canonical), with :named parameters. */
  query: string;
}

export interface OperationRequest {
  payload: unknown;
  /** get/update/delete: the evaluated key property. */
  key?: unknown;
  /** msg.sync.schema (one message) or each batched message's. */
  schema?: string;
  batchSchemas?: Array<string | undefined>;
  correlationId?: string;
  params?: unknown;
  /** msg.query, used when the node has no query of its own. */
  query?: unknown;
}

export type BatchResult = { ok: true; id: string; created: boolean } | { ok: false; error: RecordedError };

export type OperationOutcome =
  | { kind: 'write'; payload: Record<string, unknown>; result: { id: string; created?: boolean; deleted?: boolean }; summary: string }
  | { kind: 'read'; payload: unknown; totalSize?: number; summary: string }
  | { kind: 'batch'; results: BatchResult[]; failures: SalesforceError[]; summary: string };

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

function settingError(message: string, field: string): SalesforceError {
  return new SalesforceError(message, { class: 'data', code: 'INVALID_NODE_SETTING', retryable: false, target: TARGET, fields: [field] });
}

/** Checks the node's settings once, at deploy; every problem names the setting. */
export function checkSettings(raw: Partial<Record<keyof OperationSettings, unknown>>): OperationSettings {
  const operation = raw.operation;
  if (typeof operation !== 'string' || !(OPERATIONS as readonly string[]).includes(operation)) throw settingError(`operation "${String(operation)}" must be one of ${OPERATIONS.join(', ')}`, 'operation');
  const sobject = typeof raw.sobject === 'string' ? raw.sobject.trim() : '';
  const query = typeof raw.query === 'string' ? raw.query.trim() : '';
  if (!NAME.test(sobject) && !(operation === 'query' && raw.input !== 'canonical')) throw settingError(`object type "${sobject}" is not a Salesforce object name (e.g. Account, pse__Proj__c)`, 'sobject');
  const externalIdField = typeof raw.externalIdField === 'string' && raw.externalIdField.trim() !== '' ? raw.externalIdField.trim() : 'Syncwright_Key__c';
  if (!NAME.test(externalIdField)) throw settingError(`external ID field "${externalIdField}" is not a field name`, 'externalIdField');
  const input = raw.input === 'vendor' ? 'vendor' : 'canonical';
  return {
    operation: operation as Operation,
    sobject,
    externalIdField,
    input,
    lineItems: raw.lineItems === 'upsert' ? 'upsert' : 'replace',
    lookup: raw.lookup === 'id' ? 'id' : 'externalId',
    allOrNone: raw.allOrNone === true || raw.allOrNone === 'true',
    query,
  };
}

function keyText(key: unknown, what: string): string {
  if (typeof key === 'string' && key.trim() !== '') return key.trim();
  if (typeof key === 'number' && Number.isFinite(key)) return String(key);
  throw new SalesforceError(`the ${what} is missing: the key property gave ${key === undefined ? 'nothing' : typeof key}`, { class: 'data', code: 'MISSING_KEY', retryable: false, target: TARGET, fields: ['key'] });
}

function vendorRecord(payload: unknown, what: string): SObjectRecord {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new SalesforceError(`${what} needs msg.payload to be a record (an object of Salesforce fields), got ${payload === null ? 'null' : Array.isArray(payload) ? 'an array' : typeof payload}`, { class: 'data', code: 'INVALID_PAYLOAD', retryable: false, target: TARGET, fields: ['payload'] });
  }
  return payload as SObjectRecord;
}

function fieldValue(record: SObjectRecord, field: string): unknown {
  const key = Object.keys(record).find((k) => k.toLowerCase() === field.toLowerCase());
  return key === undefined ? undefined : record[key];
}

function one(canonical: unknown[]): unknown {
  return canonical.length === 1 ? canonical[0] : canonical;
}

/** Runs one message's operation. Throws a SyncError when the whole operation fails. */
export async function runOperation(client: SalesforceClient, context: SalesforceMappingContext, s: OperationSettings, req: OperationRequest, ctx: CallContext = {}): Promise<OperationOutcome> {
  const canonical = s.input === 'canonical';
  const options: CanonicalOptions = { context, externalIdField: s.externalIdField, lineItems: s.lineItems, ...(req.schema !== undefined ? { schema: req.schema } : {}), ...(req.correlationId !== undefined ? { call: { correlationId: req.correlationId } } : {}) };
  const o = s.sobject;
  switch (s.operation) {
    case 'upsert': {
      if (canonical) {
        const r = await upsertCanonical(client, o, req.payload, options, ctx);
        return { kind: 'write', payload: { ...r }, result: { id: r.id, created: r.created }, summary: `${r.created ? 'created' : 'updated'} ${r.key}` };
      }
      const record = vendorRecord(req.payload, 'upsert');
      const value = fieldValue(record, s.externalIdField);
      const key = keyText(value, `${s.externalIdField} of the record`);
      const r = await client.upsert(o, s.externalIdField, key, record, ctx);
      return { kind: 'write', payload: { ...r, key }, result: r, summary: `${r.created ? 'created' : 'updated'} ${key}` };
    }
    case 'bulkUpsert': {
      const payloads = Array.isArray(req.payload) ? (req.payload as unknown[]) : [req.payload];
      // A payload refused before sending (wrong schema, not a record) fails alone; the others go in one call.
      const refused = new Map<number, SalesforceError>();
      const schemaId = canonical ? mappingOf(o).schemaId : undefined;
      payloads.forEach((p, i) => {
        const claimed = req.batchSchemas ? req.batchSchemas[i] : req.schema;
        if (canonical && claimed !== undefined && claimed !== schemaId) refused.set(i, new SalesforceError(`msg.sync.schema is ${claimed}, but ${o} maps ${String(schemaId)}`, { class: 'data', code: 'SCHEMA_MISMATCH', retryable: false, target: TARGET, fields: ['sync.schema'] }));
        else if (!canonical && (typeof p !== 'object' || p === null || Array.isArray(p))) refused.set(i, new SalesforceError(`record ${i + 1} of the batch is not an object of Salesforce fields`, { class: 'data', code: 'INVALID_PAYLOAD', retryable: false, target: TARGET, fields: ['payload'] }));
      });
      const sendable = payloads.map((_, i) => i).filter((i) => !refused.has(i));
      const { schema: _claimed, ...bulkOptions } = options;
      const sent =
        sendable.length === 0
          ? []
          : canonical
            ? await bulkUpsertCanonical(client, o, sendable.map((i) => payloads[i]), { ...bulkOptions, allOrNone: s.allOrNone }, ctx)
            : await client.bulkUpsert(o, s.externalIdField, sendable.map((i) => payloads[i] as SObjectRecord), { allOrNone: s.allOrNone }, ctx);
      const outcomes: RecordOutcome[] = payloads.map((_, i) => {
        const refusal = refused.get(i);
        return refusal ? { ok: false, error: refusal } : (sent[sendable.indexOf(i)]);
      });
      const failures = outcomes.filter((x): x is { ok: false; error: SalesforceError } => !x.ok).map((x) => x.error);
      const results: BatchResult[] = outcomes.map((x) => (x.ok ? { ok: true, id: x.id, created: x.created } : { ok: false, error: recordError(x.error) }));
      const created = outcomes.filter((x) => x.ok && x.created).length;
      const summary = `${outcomes.length - failures.length} of ${outcomes.length} upserted (${created} new)${failures.length > 0 ? `, ${failures.length} failed` : ''}`;
      return { kind: 'batch', results, failures, summary };
    }
    case 'create': {
      if (canonical) {
        const r = await createCanonical(client, o, req.payload, options, ctx);
        return { kind: 'write', payload: { ...r }, result: { id: r.id, created: true }, summary: `created ${r.id}` };
      }
      const { id } = await client.create(o, vendorRecord(req.payload, 'create'), ctx);
      return { kind: 'write', payload: { id, created: true }, result: { id, created: true }, summary: `created ${id}` };
    }
    case 'get': {
      const key = keyText(req.key, s.lookup === 'id' ? 'record Id' : `${s.externalIdField} value`);
      if (canonical) {
        const r = await getCanonical(client, o, s.lookup === 'id' ? { id: key } : { field: s.externalIdField, value: key }, options, ctx);
        return { kind: 'read', payload: one(r.canonical), summary: `read ${key}` };
      }
      const record = s.lookup === 'id' ? await client.get(o, key, undefined, ctx) : await client.getByExternalId(o, s.externalIdField, key, undefined, ctx);
      return { kind: 'read', payload: record, summary: `read ${key}` };
    }
    case 'update': {
      const record = canonical ? toSalesforce(o, req.payload, options).record : vendorRecord(req.payload, 'update');
      const given = req.key ?? (s.lookup === 'externalId' ? fieldValue(record, s.externalIdField) : fieldValue(record, 'Id'));
      const key = keyText(given, s.lookup === 'id' ? 'record Id' : `${s.externalIdField} value`);
      let id: string;
      if (s.lookup === 'id') {
        await client.update(o, key, record, ctx);
        id = key;
      } else {
        id = (await client.updateByExternalId(o, s.externalIdField, key, record, ctx)).id;
      }
      return { kind: 'write', payload: { id, created: false }, result: { id, created: false }, summary: `updated ${key}` };
    }
    case 'delete': {
      const key = keyText(req.key, s.lookup === 'id' ? 'record Id' : `${s.externalIdField} value`);
      let id = key;
      if (s.lookup === 'id') await client.delete(o, key, ctx);
      else {
        id = String((await client.getByExternalId(o, s.externalIdField, key, ['Id'], ctx))['Id']);
        await client.delete(o, id, ctx);
      }
      return { kind: 'write', payload: { id, deleted: true }, result: { id, deleted: true }, summary: `deleted ${key}` };
    }
    case 'query': {
      const text = s.query !== '' ? s.query : typeof req.query === 'string' ? req.query.trim() : '';
      const params = parseSoqlParams(req.params);
      if (canonical) {
        const r = await queryCanonical(client, o, text, params, options, ctx);
        return { kind: 'read', payload: r.canonical, totalSize: r.records.length, summary: `${r.canonical.length} read` };
      }
      if (text === '') throw settingError('the query is empty: set it on the node or send it as msg.query', 'query');
      const r = await client.query(text, params, {}, ctx);
      return { kind: 'read', payload: r.records, totalSize: r.totalSize, summary: `${r.records.length} read` };
    }
  }
}
