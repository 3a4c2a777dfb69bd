// The change feed of any sObject, without Node-RED: records matching a SOQL condition changed since the cursor,
// in (SystemModstamp, Id) order, as canonical objects (objects with a mapping) or as the records themselves. The
// cursor (stamp-cursor.ts) reads its second again, so records sharing a timestamp with the last one read, or
// written within its second after the poll, are neither skipped nor read twice; the durable poller stores it with
// the records found.
import { createEnvelope } from '../../canonical/index.js';
import type { SchemaId } from '../../canonical/registry.js';
import type { SalesforceMappingContext } from '../../canonical/mappings/salesforce/index.js';
import type { PollResult } from '../../runtime-plugins/engine/poller.js';
import { recordError } from '../../runtime-plugins/red/outcome.js';
import { fromSalesforce, mappingFailure } from './client/canonical.js';
import type { SalesforceClient, SObjectRecord } from './client/client.js';
import { isMappedObject, readFields, type MappedObject } from './client/objects.js';
import { checkWhereCondition, type SoqlParams } from './client/soql.js';
import { advanceStampCursor, fingerprintOf, stampCondition, stampCursorNow, stampLimit, stampOf, type StampCursor } from './client/stamp-cursor.js';

export type ChangeCursor =
  | StampCursor
  /** "Start from now", until the first poll asks Salesforce where now is (its clock, not ours). */
  | { from: 'now' };

export const START_FROM_NOW: ChangeCursor = { from: 'now' };

/** Canonical schema of each mapped object. */
const SCHEMAS: Record<MappedObject, SchemaId> = {
  Account: 'syncwright/account@1',
  Contact: 'syncwright/contact@1',
  Opportunity: 'syncwright/opportunity@1',
  pse__Proj__c: 'syncwright/project@1',
  pse__Milestone__c: 'syncwright/work-item@1',
  pse__Timecard_Header__c: 'syncwright/time-entry@1',
  pse__Resource_Request__c: 'syncwright/resource-request@1',
};

/** Business-key prefix of records read as they are (no canonical mapping, or output `record`). */
const KEY_PREFIX: Partial<Record<string, string>> = { Account: 'acct', Contact: 'contact', Opportunity: 'opp' };

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const PATH = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*){0,4}$/;

export interface ChangeFeedConfig {
  /** The sObject's API name. */
  object: string;
  /** A SOQL condition the records must meet (`Type = 'Customer - Direct'`), or '' for every record. */
  condition: string;
  /** `canonical`: mapped and validated (objects with a mapping only); `record`: the fields as Salesforce returns them. */
  output: 'canonical' | 'record';
  /** Fields to read for `record` output (Id, SystemModstamp and Syncwright_Key__c are always read). */
  fields: string[];
  /** A field or parent path (`Account.Legal_Entity__c`) whose value goes to `msg.sync.legalEntity`. */
  legalEntityField: string;
  /** Records per poll (LIMIT). */
  batchSize: number;
}

/** Checks the node's settings; a problem names the setting. */
export function changeFeedConfig(input: { object?: unknown; condition?: unknown; output?: unknown; fields?: unknown; legalEntityField?: unknown; batchSize: number }): ChangeFeedConfig {
  const object = typeof input.object === 'string' ? input.object.trim() : '';
  if (!NAME.test(object)) throw new Error(`object "${object}" is not an sObject API name (letters, digits and _, e.g. Account or Invoice__c)`);
  const output = input.output === 'record' ? 'record' : 'canonical';
  if (output === 'canonical' && !isMappedObject(object)) throw new Error(`${object} has no canonical mapping: choose the output "record" (mapped objects: Account, Contact, Opportunity and the Certinia PSA objects)`);
  const condition = typeof input.condition === 'string' ? input.condition.trim() : '';
  checkWhereCondition(condition);
  const fields = (typeof input.fields === 'string' ? input.fields : '').split(',').map((f) => f.trim()).filter((f) => f !== '');
  for (const f of fields) if (!PATH.test(f)) throw new Error(`field "${f}" is not a field name or parent path (Account.Name)`);
  const legalEntityField = typeof input.legalEntityField === 'string' ? input.legalEntityField.trim() : '';
  if (legalEntityField !== '' && !PATH.test(legalEntityField)) throw new Error(`legal entity field "${legalEntityField}" is not a field name or parent path (Account.Legal_Entity__c)`);
  return { object, condition, output, fields, legalEntityField, batchSize: input.batchSize };
}

/** The SELECT list of a poll. */
export function selectedFields(config: ChangeFeedConfig, multiCurrency: boolean): string[] {
  const base = config.output === 'canonical' && isMappedObject(config.object) ? readFields(config.object, multiCurrency) : ['Id', ...config.fields];
  const all = [...base, 'SystemModstamp', ...(config.output === 'record' && KEY_PREFIX[config.object] !== undefined ? ['Syncwright_Key__c'] : []), ...(config.legalEntityField !== '' ? [config.legalEntityField] : [])];
  const seen = new Set<string>();
  return all.filter((f) => {
    const k = f.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The SOQL of one poll and its parameters. */
export function changesQuery(config: ChangeFeedConfig, cursor: Exclude<ChangeCursor, { from: 'now' }> | undefined, multiCurrency: boolean): { soql: string; params: SoqlParams } {
  const params: Record<string, SoqlParams[string]> = { n: stampLimit(cursor, config.batchSize) };
  const where: string[] = [];
  if (config.condition !== '') where.push(`(${config.condition})`);
  const after = stampCondition(cursor, params);
  if (after !== undefined) where.push(after);
  const clause = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  return { soql: `SELECT ${selectedFields(config, multiCurrency).join(', ')} FROM ${config.object}${clause} ORDER BY SystemModstamp, Id LIMIT :n`, params };
}

/** A value at a field or parent path of a record (`Account.Legal_Entity__c`). */
function valueAt(record: SObjectRecord, path: string): unknown {
  let v: unknown = record;
  for (const part of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    const obj = v as Record<string, unknown>;
    const key = Object.keys(obj).find((k) => k.toLowerCase() === part.toLowerCase());
    v = key === undefined ? undefined : obj[key];
  }
  return v;
}

export const topicOf = (object: string): string => `salesforce.${object}`;

type FeedItem = PollResult<ChangeCursor>['items'][number];

/** A poller's `poll`: reads the next page of changed records after the cursor. */
export function changesPoll(client: SalesforceClient, context: SalesforceMappingContext, config: ChangeFeedConfig): (cursor: ChangeCursor | undefined) => Promise<PollResult<ChangeCursor>> {
  return async (stored) => {
    if (stored !== undefined && 'from' in stored) {
      // "Now" is after the latest change Salesforce has. The condition is left out: a record that does not meet it
      // yet will, after a change that moves its stamp past this one.
      return { items: [], cursor: await stampCursorNow(client, config.object, selectedFields(config, context.multiCurrency)) };
    }
    const { soql, params } = changesQuery(config, stored, context.multiCurrency);
    const { records, serverTime } = await client.query(soql, params);
    const { fresh, next, more, rewritten } = advanceStampCursor(stored, records, config.batchSize, serverTime);
    return { items: fresh.flatMap((r) => toItems(r, context, config, rewritten.has(String(r['Id'])))), cursor: next, more };
  };
}

/**
 * The messages of one changed record: the record itself, or its canonical objects — one, or one per day of a
 * Certinia timecard (each with its own business and idempotency key).
 */
function toItems(record: SObjectRecord, context: SalesforceMappingContext, config: ChangeFeedConfig, rewritten = false): FeedItem[] {
  const id = String(record['Id']);
  const occurredAt = stampOf(record);
  const salesforce = { object: config.object, id, systemModstamp: occurredAt ?? '' };
  // A record written again within the second it was taken in has the same SystemModstamp: its content tells the versions apart.
  const idempotencyKey = `salesforce:${config.object}:${id}:${occurredAt ?? ''}${rewritten ? `:${fingerprintOf(record)}` : ''}`;
  const entity = config.legalEntityField === '' ? undefined : valueAt(record, config.legalEntityField);
  const legalEntity = typeof entity === 'string' && entity.trim() !== '' ? { legalEntity: entity.trim() } : {};
  const ownKey = typeof record['Syncwright_Key__c'] === 'string' && record['Syncwright_Key__c'] !== '' ? record['Syncwright_Key__c'] : undefined;
  const fallbackKey = ownKey ?? `${KEY_PREFIX[config.object] ?? config.object}:salesforce:${id}`;
  const source = { system: 'salesforce', id };
  if (config.output === 'record' || !isMappedObject(config.object)) {
    const { attributes: _attributes, ...fields } = record;
    const sync = { ...createEnvelope({ businessKey: fallbackKey, source, idempotencyKey, ...(occurredAt ? { occurredAt } : {}) }), ...legalEntity };
    return [{ msg: { topic: topicOf(config.object), payload: fields, sync, salesforce }, key: fallbackKey, correlationId: sync.correlationId, businessKey: fallbackKey }];
  }
  const schema = SCHEMAS[config.object];
  try {
    const objects = fromSalesforce(config.object, record, { context }) as Array<Record<string, unknown>>;
    if (objects.length === 0) throw new Error(`the ${config.object} record ${id} holds no canonical object (e.g. a timecard with no hours)`);
    return objects.map((canonical) => {
      const payload: Record<string, unknown> = { ...canonical };
      // When the record last changed, for rules that prefer the most recent system (survivorship).
      if (payload['updatedAt'] === undefined && occurredAt !== undefined) payload['updatedAt'] = occurredAt;
      const businessKey = String(payload['businessKey']);
      const ownIdempotencyKey = objects.length === 1 ? idempotencyKey : `${idempotencyKey}:${businessKey}`;
      const sync = { ...createEnvelope({ businessKey, schema, source, idempotencyKey: ownIdempotencyKey, ...(occurredAt ? { occurredAt } : {}) }), ...legalEntity };
      return { msg: { topic: topicOf(config.object), payload, sync, salesforce }, key: businessKey, correlationId: sync.correlationId, businessKey };
    });
  } catch (err) {
    // Not emitted as a canonical object, never silently dropped: the second output, with the record and the reason.
    const sync = { ...createEnvelope({ businessKey: fallbackKey, schema, source, idempotencyKey, ...(occurredAt ? { occurredAt } : {}) }), ...legalEntity, error: recordError(mappingFailure(err)) };
    return [{ msg: { topic: topicOf(config.object), payload: record, sync, salesforce }, key: fallbackKey, correlationId: sync.correlationId, businessKey: fallbackKey }];
  }
}
