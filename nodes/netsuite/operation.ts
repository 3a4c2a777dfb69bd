// What the `netsuite` node does with one message, apart from Node-RED: map canonical input with the NetSuite
// mappings (parent ids from earlier steps' msg.sync.results), call the client, and say what to put on the
// message. Plain TypeScript, so it reads top to bottom and tests can drive it.
import { createHash, randomUUID } from 'node:crypto';
import { findMapping, isMappingError, toNetSuiteExternalId, type MappingCall, type MappingEntry } from '../../canonical/mappings/index.js';
import type { NetSuiteMappingContext } from '../../canonical/mappings/netsuite/index.js';
import { SyncError } from '../../runtime-plugins/sync-error.js';
import type { AsyncOptions, NetSuiteClient, RecordKey, RecordRef } from './client/client.js';
import type { SuiteQLParams } from './client/suiteql.js';

export const OPERATIONS = ['upsert', 'create', 'get', 'update', 'delete', 'query', 'list'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Which result of an earlier step is the parent a canonical field refers to. */
const PARENT_RESULTS: ReadonlyArray<readonly [field: string, result: string]> = [
  ['account', 'netsuite.customer'],
  ['project', 'netsuite.job'],
  ['workItem', 'netsuite.projectTask'],
  ['resource', 'netsuite.employee'],
];

export interface OperationRequest {
  operation: Operation;
  recordType: string;
  input: 'canonical' | 'vendor';
  /** Vendor input: the upsert key is the record's `externalId`, or msg.sync.businessKey encoded. */
  externalIdFrom: 'record' | 'businessKey';
  payload: unknown;
  /** The record id from the node's property (msg.recordId by default), if any. */
  recordId?: unknown;
  sync: Record<string, unknown> | undefined;
  context: NetSuiteMappingContext;
  expandSubResources: boolean;
  async: boolean;
  /** SuiteQL: the query and its parameters; list: the record query `q`. */
  query?: string;
  params?: unknown;
  q?: string;
  permitHeld: boolean;
}

export interface OperationOutcome {
  payload: unknown;
  /** For msg.sync.results[`netsuite.<type>`]. */
  result?: { id: string; externalId?: string };
  /** Short text for the node status. */
  summary: string;
  /** Extra message properties (SuiteQL counts). */
  extra?: Record<string, unknown>;
}

function dataError(message: string, code: string, fields?: string[]): SyncError {
  return new SyncError(message, { class: 'data', code, retryable: false, target: 'netsuite', ...(fields ? { fields } : {}) });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A MappingError becomes a `data` SyncError naming the field; anything else passes through. */
export function asSyncError(err: unknown): unknown {
  if (isMappingError(err)) return new SyncError(err.message, { class: 'data', code: err.code, retryable: false, target: 'netsuite', fields: err.field === '' ? [] : [err.field] });
  return err;
}

function mappingOf(recordType: string): MappingEntry<'netsuite'> {
  const entry = findMapping('netsuite', recordType);
  if (!entry) throw dataError(`there is no canonical mapping for NetSuite ${recordType}: choose vendor-shaped input, or one of customer, contact, job, projectTask, salesOrder, invoice, customerPayment, timeBill, expenseReport`, 'NO_MAPPING');
  return entry;
}

/** Parent ids for the mapping: results of earlier steps of the same transaction. */
export function mappingCallOf(sync: Record<string, unknown> | undefined): MappingCall {
  const call: MappingCall = {};
  const results = isRecord(sync?.['results']) ? sync['results'] : {};
  const parents: Record<string, string> = {};
  for (const [field, key] of PARENT_RESULTS) {
    const r = results[key];
    if (isRecord(r) && (typeof r['id'] === 'string' || typeof r['id'] === 'number')) parents[field] = String(r['id']);
  }
  if (Object.keys(parents).length > 0) call.parents = parents;
  if (typeof sync?.['correlationId'] === 'string') call.correlationId = sync['correlationId'];
  return call;
}

/** A UUID for `X-NetSuite-Idempotency-Key`, the same for every retry of one step of one transaction. */
export function idempotencyKeyOf(sync: Record<string, unknown> | undefined, step: string): string {
  const businessKey = typeof sync?.['businessKey'] === 'string' ? sync['businessKey'] : '';
  const base = typeof sync?.['idempotencyKey'] === 'string' ? sync['idempotencyKey'] : typeof sync?.['correlationId'] === 'string' ? `${sync['correlationId']}|${businessKey}` : undefined;
  if (base === undefined) return randomUUID();
  const h = createHash('sha256').update(`${base}|${step}`).digest('hex');
  // Shaped as a version 5 style UUID (name-based), as NetSuite recommends UUIDs for the key.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function keyFrom(value: unknown): RecordKey | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return undefined;
}

/** The record to read, change or delete: the node's id property, else what the payload says. */
function recordKeyOf(req: OperationRequest, mapped?: Record<string, unknown>): RecordKey {
  const explicit = keyFrom(req.recordId);
  if (explicit !== undefined) return explicit;
  const p = isRecord(req.payload) ? req.payload : {};
  if (req.input === 'canonical') {
    const ids = isRecord(p['externalIds']) ? p['externalIds'] : {};
    const ns = keyFrom(ids['netsuite']);
    if (ns !== undefined) return ns;
    if (typeof p['businessKey'] === 'string') return { externalId: toNetSuiteExternalId(p['businessKey']) };
  } else {
    const id = keyFrom(p['id']);
    if (id !== undefined) return id;
    const ext = mapped?.['externalId'] ?? p['externalId'];
    if (typeof ext === 'string' && ext !== '') return { externalId: ext };
  }
  throw dataError(`${req.operation} needs the record: set msg.recordId (an internal id or eid:<external id>), or give ${req.input === 'canonical' ? 'payload.externalIds.netsuite or payload.businessKey' : 'payload.id or payload.externalId'}`, 'MISSING_RECORD_ID', ['recordId']);
}

function vendorRecord(payload: unknown): Record<string, unknown> {
  if (!isRecord(payload)) throw dataError(`msg.payload must be a NetSuite record (an object of fields), got ${payload === null ? 'null' : Array.isArray(payload) ? 'an array' : typeof payload}`, 'INVALID_PAYLOAD', ['payload']);
  return payload;
}

/** The record to write: canonical input mapped, vendor input as given. */
function recordToWrite(req: OperationRequest): Record<string, unknown> {
  if (req.input === 'vendor') return vendorRecord(req.payload);
  const entry = mappingOf(req.recordType);
  if (!entry.toVendor) throw dataError(`NetSuite ${req.recordType} is read only in Syncwright (there is no mapping to write it): use get, query or list, or vendor-shaped input`, 'READ_ONLY_MAPPING');
  return entry.toVendor(req.payload, req.context, mappingCallOf(req.sync)) as Record<string, unknown>;
}

function externalIdToUpsert(req: OperationRequest, record: Record<string, unknown>): string {
  if (req.input === 'vendor' && req.externalIdFrom === 'businessKey') {
    const key = req.sync?.['businessKey'];
    if (typeof key !== 'string' || key === '') throw dataError('upsert by business key needs msg.sync.businessKey (start the transaction with a canonical node)', 'MISSING_BUSINESS_KEY', ['sync.businessKey']);
    return toNetSuiteExternalId(key);
  }
  const ext = record['externalId'];
  if (typeof ext !== 'string' || ext === '') throw dataError('upsert needs the record\'s externalId (payload.externalId), or choose "business key" as the external id', 'MISSING_EXTERNAL_ID', ['externalId']);
  return ext;
}

function refResult(ref: RecordRef): { id: string; externalId?: string } {
  return ref.externalId === undefined ? { id: ref.id } : { id: ref.id, externalId: ref.externalId };
}

/** Runs one operation. Throws a SyncError (mapping errors as `data`). */
export async function runOperation(client: NetSuiteClient, req: OperationRequest): Promise<OperationOutcome> {
  try {
    return await run(client, req);
  } catch (err) {
    throw asSyncError(err);
  }
}

async function run(client: NetSuiteClient, req: OperationRequest): Promise<OperationOutcome> {
  const type = req.recordType;
  const ctx = { permitHeld: req.permitHeld };
  const async = (step: string): AsyncOptions | undefined => (req.async ? { idempotencyKey: idempotencyKeyOf(req.sync, step) } : undefined);
  switch (req.operation) {
    case 'upsert': {
      const record = recordToWrite(req);
      const externalId = externalIdToUpsert(req, record);
      const ref = await client.upsert(type, externalId, { ...record, externalId }, { ...ctx, async: async(`upsert:${type}:${externalId}`) });
      return { payload: { type, ...refResult(ref) }, result: refResult(ref), summary: `upserted ${type} ${ref.id}` };
    }
    case 'create': {
      const record = recordToWrite(req);
      const ref = await client.create(type, record, { ...ctx, async: async(`create:${type}`) });
      return { payload: { type, ...refResult(ref) }, result: refResult(ref), summary: `created ${type} ${ref.id}` };
    }
    case 'update': {
      const record = recordToWrite(req);
      const key = recordKeyOf(req, record);
      const { id: _id, ...fields } = record;
      await client.update(type, key, fields, { ...ctx, async: async(`update:${type}`) });
      const id = typeof key === 'object' ? undefined : String(key);
      const ext = typeof key === 'object' ? key.externalId : typeof record['externalId'] === 'string' ? record['externalId'] : undefined;
      // An update by external id learns no internal id; read it back only then.
      const internal = id ?? String((await client.get(type, key, { ...ctx, fields: ['externalId'] }))['id']);
      const result = ext === undefined ? { id: internal } : { id: internal, externalId: ext };
      return { payload: { type, ...result }, result, summary: `updated ${type} ${internal}` };
    }
    case 'delete': {
      const key = recordKeyOf(req);
      await client.delete(type, key, { ...ctx, async: async(`delete:${type}`) });
      const shown = typeof key === 'object' ? `eid:${key.externalId}` : String(key);
      return { payload: { type, deleted: shown }, summary: `deleted ${type} ${shown}` };
    }
    case 'get': {
      const key = recordKeyOf(req);
      const record = await client.get(type, key, { ...ctx, expandSubResources: req.expandSubResources, async: async(`get:${type}`) });
      const result = { id: String(record['id']), ...(typeof record['externalId'] === 'string' ? { externalId: record['externalId'] } : {}) };
      if (req.input === 'vendor') return { payload: record, result, summary: `read ${type} ${result.id}` };
      const canonical = mappingOf(type).fromVendor(record, req.context, mappingCallOf(req.sync));
      return { payload: canonical.length === 1 ? canonical[0] : canonical, result, summary: `read ${type} ${result.id}` };
    }
    case 'query': {
      const sql = (req.query ?? '').trim();
      if (sql === '') throw dataError('query needs a SuiteQL statement: in the node, or as a string in msg.query', 'MISSING_QUERY', ['query']);
      const params = req.params === undefined || req.params === null ? undefined : (req.params as SuiteQLParams);
      if (params !== undefined && typeof params !== 'object') throw dataError('msg.params must be an array (for ?) or an object (for :name)', 'INVALID_QUERY_PARAMETER', ['params']);
      const r = await client.query(sql, params, { ...ctx, async: async('query') });
      return { payload: r.items, summary: `${r.items.length} row${r.items.length === 1 ? '' : 's'}`, extra: { totalResults: r.totalResults, truncated: r.truncated } };
    }
    case 'list': {
      const page = await client.listAll(type, { ...ctx, ...(req.q ? { q: req.q } : {}) });
      return { payload: page.ids, summary: `${page.ids.length} ${type} id${page.ids.length === 1 ? '' : 's'}`, extra: { totalResults: page.totalResults } };
    }
  }
}
