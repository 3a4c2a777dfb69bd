// What the `kantata` operation node does with one message, without Node-RED: check the operation against the
// object, map canonical input (parents from earlier steps' msg.sync.results), call the client, shape the result.
import { findMapping, isMappingError, type MappingCall } from '../../canonical/mappings/index.js';
import type { KantataMappingContext } from '../../canonical/mappings/kantata/index.js';
import type { CallContext } from '../../runtime-plugins/http/http-client.js';
import { SyncError } from '../../runtime-plugins/sync-error.js';
import { KANTATA_TARGET, type ExternalReferenceInput, type KantataClient, type KantataFields, type KantataRecord, type ListParams } from './client/index.js';

export const OPERATIONS = ['upsert', 'get', 'list', 'create', 'update', 'delete'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The objects the node offers, and what each allows. */
export const NODE_OBJECTS = {
  workspace: { operations: ['upsert', 'get', 'list', 'create', 'update'], canonical: true },
  story: { operations: ['upsert', 'get', 'list', 'create', 'update', 'delete'], canonical: true },
  time_entry: { operations: ['upsert', 'get', 'list', 'create', 'update', 'delete'], canonical: true },
  expense: { operations: ['upsert', 'get', 'list', 'create', 'update', 'delete'], canonical: true },
  invoice: { operations: ['get', 'list'], canonical: false },
  resource_request: { operations: ['get', 'list', 'create', 'update'], canonical: false },
} as const satisfies Record<string, { operations: readonly Operation[]; canonical: boolean }>;
export type NodeObject = keyof typeof NODE_OBJECTS;

export function isNodeObject(v: unknown): v is NodeObject {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(NODE_OBJECTS, v);
}
export function isOperation(v: unknown): v is Operation {
  return typeof v === 'string' && (OPERATIONS as readonly string[]).includes(v);
}

export interface OperationSettings {
  object: NodeObject;
  operation: Operation;
  input: 'canonical' | 'vendor';
  include: readonly string[];
  maxRecords?: number;
}

/** Checks a node's configuration once, at deploy. */
export function checkSettings(s: { object: unknown; operation: unknown; input: unknown }): void {
  if (!isNodeObject(s.object)) throw new Error(`object must be one of ${Object.keys(NODE_OBJECTS).join(', ')}, got "${String(s.object)}"`);
  if (!isOperation(s.operation)) throw new Error(`operation must be one of ${OPERATIONS.join(', ')}, got "${String(s.operation)}"`);
  const allowed: readonly Operation[] = NODE_OBJECTS[s.object].operations;
  if (!allowed.includes(s.operation)) throw new Error(`a Kantata ${s.object} allows ${allowed.join(', ')}, not ${s.operation}`);
  if (s.input === 'canonical' && !NODE_OBJECTS[s.object].canonical && (s.operation === 'create' || s.operation === 'update')) {
    throw new Error(`a Kantata ${s.object} has no canonical mapping: set the input to vendor`);
  }
}

export interface OperationInput {
  payload: unknown;
  /** msg.sync, read for `results` of earlier steps and the correlation id. */
  sync: Record<string, unknown> | undefined;
  /** The record id for get, update and delete (from the node's id property). */
  id: unknown;
  /** The business key for a vendor-shaped upsert (from the node's key property). */
  businessKey: unknown;
  /** Filters for list. */
  params: unknown;
}

export interface OperationOutcome {
  payload: unknown;
  /** `msg.sync.results["kantata.<object>"]`, for writes. */
  result?: { id: string; created: boolean; deleted?: boolean };
}

function dataError(message: string, code: string, fields?: string[]): SyncError {
  return new SyncError(message, { class: 'data', code, retryable: false, target: KANTATA_TARGET, ...(fields ? { fields } : {}) });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `ref.externalIds[system]` of a canonical reference, if it is a non-empty string. */
function externalIdOf(ref: unknown, system: 'kantata' | 'salesforce'): string | undefined {
  const ids = isRecord(ref) ? ref['externalIds'] : undefined;
  const id = isRecord(ids) ? ids[system] : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** Which canonical reference of an object an earlier step's result can fill, and from which result. */
const PARENT_RESULTS: Readonly<Record<NodeObject, ReadonlyArray<readonly [string, string]>>> = {
  workspace: [],
  story: [['project', 'kantata.workspace']],
  time_entry: [
    ['project', 'kantata.workspace'],
    ['workItem', 'kantata.story'],
  ],
  expense: [['project', 'kantata.workspace']],
  invoice: [],
  resource_request: [],
};

/** Parent ids from `msg.sync.results` of earlier steps, for references the payload holds without a Kantata id. */
export function parentsFromResults(object: NodeObject, payload: Record<string, unknown>, sync: Record<string, unknown> | undefined): Record<string, string> {
  const results = isRecord(sync?.['results']) ? sync['results'] : {};
  const parents: Record<string, string> = {};
  for (const [field, key] of PARENT_RESULTS[object]) {
    const ref = payload[field];
    if (!isRecord(ref) || externalIdOf(ref, 'kantata') !== undefined) continue;
    const result = results[key];
    const id = isRecord(result) ? result['id'] : undefined;
    if (typeof id === 'string' || typeof id === 'number') parents[field] = String(id);
  }
  return parents;
}

function idOf(v: unknown): string {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return String(v);
  if (typeof v === 'string' && /^[1-9]\d*$/.test(v.trim())) return v.trim();
  throw dataError(`the record id is ${v === undefined ? 'missing' : JSON.stringify(v)}: set the node's id property to a Kantata id (digits)`, 'INVALID_ID', ['id']);
}

/** Canonical payload → Kantata fields, with a mapping error turned into a data error naming the field. */
function mapCanonical(object: NodeObject, payload: unknown, ctx: KantataMappingContext, sync: Record<string, unknown> | undefined): KantataFields {
  const entry = findMapping('kantata', object);
  if (entry?.toVendor === undefined) throw dataError(`a Kantata ${object} has no canonical mapping: set the node's input to vendor`, 'NO_MAPPING');
  if (!isRecord(payload)) throw dataError(`msg.payload must be a canonical ${entry.schemaId} object, got ${Array.isArray(payload) ? 'an array' : typeof payload}`, 'INVALID_PAYLOAD', ['payload']);
  const call: MappingCall = { parents: parentsFromResults(object, payload, sync) };
  const correlationId = sync?.['correlationId'];
  if (typeof correlationId === 'string') call.correlationId = correlationId;
  try {
    return entry.toVendor(payload, ctx, call) as KantataFields;
  } catch (err) {
    if (isMappingError(err)) throw new SyncError(err.message, { class: 'data', code: err.code, retryable: false, target: KANTATA_TARGET, fields: [err.field] }, { cause: err });
    throw err;
  }
}

function vendorFields(payload: unknown): KantataFields {
  if (!isRecord(payload)) throw dataError(`msg.payload must be the Kantata record's fields (an object), got ${Array.isArray(payload) ? 'an array' : payload === null ? 'null' : typeof payload}`, 'INVALID_PAYLOAD', ['payload']);
  return payload;
}

/** References besides the syncwright key: a project's Salesforce opportunity. */
function furtherReferences(object: NodeObject, payload: unknown): ExternalReferenceInput[] {
  if (object !== 'workspace' || !isRecord(payload)) return [];
  const sfId = externalIdOf(payload['opportunity'], 'salesforce');
  return sfId !== undefined ? [{ service_name: 'salesforce', service_model: 'Opportunity', service_model_ref: sfId }] : [];
}

function listParams(v: unknown): ListParams {
  if (v === undefined || v === null || v === '') return {};
  if (!isRecord(v)) throw dataError(`the list filters must be an object such as {"workspace_id": "40001"}, got ${Array.isArray(v) ? 'an array' : typeof v}`, 'INVALID_FILTERS', ['params']);
  const out: Record<string, string | number | boolean> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'string' || typeof val === 'number' || typeof val === 'boolean') out[k] = val;
    else if (Array.isArray(val) && val.every((x) => typeof x === 'string' || typeof x === 'number')) out[k] = val.join(',');
    else if (val !== undefined && val !== null) throw dataError(`the list filter ${k} must be a string, number, boolean or list, got ${typeof val}`, 'INVALID_FILTERS', [`params.${k}`]);
  }
  return out;
}

export async function runOperation(client: KantataClient, mappingContext: () => Promise<KantataMappingContext>, s: OperationSettings, input: OperationInput, ctx: CallContext = {}): Promise<OperationOutcome> {
  const { object, operation } = s;
  const fields = async (): Promise<KantataFields> => (s.input === 'canonical' ? mapCanonical(object, input.payload, await mappingContext(), input.sync) : vendorFields(input.payload));
  switch (operation) {
    case 'upsert': {
      const f = await fields();
      const key = s.input === 'canonical' && isRecord(input.payload) ? input.payload['businessKey'] : input.businessKey;
      if (typeof key !== 'string' || key.trim() === '') {
        throw dataError(`the business key is ${key === undefined ? 'missing' : JSON.stringify(key)}: ${s.input === 'canonical' ? 'the canonical payload needs a businessKey' : "set the node's business key property (default msg.sync.businessKey)"}`, 'INVALID_BUSINESS_KEY', ['businessKey']);
      }
      const r = await client.upsert(object, { businessKey: key, fields: f, references: s.input === 'canonical' ? furtherReferences(object, input.payload) : [] }, ctx);
      return { payload: r.record, result: { id: r.id, created: r.created } };
    }
    case 'create': {
      const f = await fields();
      const record = object === 'workspace' ? await client.createWorkspace(f, ctx) : await client.create(object, f, ctx);
      return { payload: record, result: { id: record.id, created: true } };
    }
    case 'update': {
      const id = idOf(input.id);
      const record = await client.update(object, id, await fields(), ctx);
      return { payload: record, result: { id: record.id, created: false } };
    }
    case 'delete': {
      const id = idOf(input.id);
      await client.remove(object, id, ctx);
      return { payload: { id, deleted: true }, result: { id, created: false, deleted: true } };
    }
    case 'get': {
      const record: KantataRecord = await client.get(object, idOf(input.id), { include: s.include }, ctx);
      return { payload: record };
    }
    case 'list': {
      const opts: { include: readonly string[]; maxRecords?: number } = { include: s.include };
      if (s.maxRecords !== undefined) opts.maxRecords = s.maxRecords;
      return { payload: await client.list(object, listParams(input.params), opts, ctx) };
    }
  }
}
