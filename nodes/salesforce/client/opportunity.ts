// Opportunities with their line items. OpportunityLineItem has no Syncwright key, so lines are matched by
// Line_Number__c: after the opportunity is upserted, a line whose number exists is updated, a new number is
// created, and (when replacing) a line whose number is no longer given is deleted. Reads attach the lines as
// the relationship sub-query would (`OpportunityLineItems.records`), which the Opportunity mapping reads.
import type { CallContext } from '../../../runtime-plugins/http/http-client.js';
import { SalesforceError, TARGET } from './errors.js';
import { LINE_ITEM_FIELDS } from './objects.js';
import type { RecordOutcome, SalesforceClient, SObjectRecord, UpsertResult } from './client.js';

export interface LineItemChanges {
  created: number;
  updated: number;
  deleted: number;
}

export interface OpportunityUpsertResult extends UpsertResult {
  lineItems: LineItemChanges;
}

/** `replace`: the given lines are all the opportunity has; `upsert`: lines not given are kept. */
export type LineItemMode = 'replace' | 'upsert';

/** An opportunity and its lines as `toSalesforceOpportunity` writes them. */
export interface OpportunityWrite {
  record: SObjectRecord;
  lineItems: readonly SObjectRecord[];
}

/** Fields Salesforce sets once, on create: never in an update. */
const CREATE_ONLY = new Set(['opportunityid', 'opportunity', 'pricebookentryid', 'product2id']);

function lineNumberOf(line: SObjectRecord): number | undefined {
  const v = line['Line_Number__c'];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function firstFailure(outcomes: RecordOutcome[], what: string): SalesforceError | undefined {
  const failed = outcomes.filter((o): o is { ok: false; error: SalesforceError } => !o.ok);
  const first = failed[0];
  if (!first) return undefined;
  return new SalesforceError(`${what}: ${failed.length} of ${outcomes.length} failed; first: ${first.error.message}`, { ...first.error.syncwright }, first.error.errors);
}

/** Brings the line items of an opportunity to the given ones, matched by Line_Number__c. */
export async function replaceLineItems(client: SalesforceClient, opportunityId: string, lines: readonly SObjectRecord[], mode: LineItemMode = 'replace', ctx: CallContext = {}): Promise<LineItemChanges> {
  const numbers = new Set<number>();
  lines.forEach((line, i) => {
    const n = lineNumberOf(line);
    if (n === undefined) throw new SalesforceError(`line item ${i + 1} has no Line_Number__c, which matches lines to the opportunity's`, { class: 'data', code: 'MISSING_LINE_NUMBER', retryable: false, target: TARGET, fields: ['Line_Number__c'] });
    if (numbers.has(n)) throw new SalesforceError(`two line items have Line_Number__c ${n}`, { class: 'data', code: 'DUPLICATE_LINE_NUMBER', retryable: false, target: TARGET, fields: ['Line_Number__c'] });
    numbers.add(n);
  });
  const { records } = await client.query<{ Id: string; Line_Number__c: number | null }>('SELECT Id, Line_Number__c FROM OpportunityLineItem WHERE OpportunityId = :id ORDER BY Line_Number__c, Id', { id: opportunityId }, {}, ctx);
  const existing = new Map<number, string>();
  const strays: string[] = [];
  for (const r of records) {
    const n = r.Line_Number__c;
    // A second line with the same number, or one without a number, cannot be matched: it is replaced.
    if (typeof n === 'number' && !existing.has(n)) existing.set(n, r.Id);
    else strays.push(r.Id);
  }
  const updates: SObjectRecord[] = [];
  const creates: SObjectRecord[] = [];
  for (const line of lines) {
    const id = existing.get(lineNumberOf(line) as number);
    if (id !== undefined) {
      const fields: SObjectRecord = { Id: id };
      for (const [k, v] of Object.entries(line)) if (!CREATE_ONLY.has(k.toLowerCase()) && k !== 'attributes') fields[k] = v;
      updates.push(fields);
    } else {
      const fields: SObjectRecord = {};
      for (const [k, v] of Object.entries(line)) if (k !== 'Opportunity' && k !== 'attributes') fields[k] = v;
      fields['OpportunityId'] = opportunityId;
      creates.push(fields);
    }
  }
  const deletes = mode === 'replace' && lines.length > 0 ? [...[...existing].filter(([n]) => !numbers.has(n)).map(([, id]) => id), ...strays] : [];
  if (updates.length > 0) {
    const failure = firstFailure(await client.updateMany('OpportunityLineItem', updates, {}, ctx), `updating the line items of opportunity ${opportunityId}`);
    if (failure) throw failure;
  }
  if (creates.length > 0) {
    const failure = firstFailure(await client.createMany('OpportunityLineItem', creates, {}, ctx), `creating the line items of opportunity ${opportunityId}`);
    if (failure) throw failure;
  }
  if (deletes.length > 0) {
    const failure = firstFailure(await client.deleteMany(deletes, {}, ctx), `deleting replaced line items of opportunity ${opportunityId}`);
    if (failure) throw failure;
  }
  return { created: creates.length, updated: updates.length, deleted: deletes.length };
}

/**
 * Upserts an opportunity by external ID, then its lines. With no lines given the opportunity's lines are
 * left as they are (a header update), whatever the mode.
 */
export async function upsertOpportunity(client: SalesforceClient, write: OpportunityWrite, field = 'Syncwright_Key__c', mode: LineItemMode = 'replace', ctx: CallContext = {}): Promise<OpportunityUpsertResult> {
  const value = write.record[field];
  if (typeof value !== 'string' && typeof value !== 'number') throw new SalesforceError(`the opportunity has no value for its external ID field ${field}`, { class: 'data', code: 'MISSING_EXTERNAL_ID', retryable: false, target: TARGET, fields: [field] });
  const result = await client.upsert('Opportunity', field, value, write.record, ctx);
  const lineItems = write.lineItems.length > 0 ? await replaceLineItems(client, result.id, write.lineItems, mode, ctx) : { created: 0, updated: 0, deleted: 0 };
  return { ...result, lineItems };
}

/** Reads the line items of these opportunities and attaches them as `OpportunityLineItems.records`. */
export async function attachLineItems(client: SalesforceClient, opportunities: SObjectRecord[], ctx: CallContext = {}): Promise<SObjectRecord[]> {
  const ids = opportunities.map((o) => o['Id']).filter((id): id is string => typeof id === 'string');
  const byOpportunity = new Map<string, SObjectRecord[]>();
  // IN lists stay well under SOQL's 100,000-character limit in slices of 200 Ids.
  for (let start = 0; start < ids.length; start += 200) {
    const slice = ids.slice(start, start + 200);
    const { records } = await client.query(`SELECT ${LINE_ITEM_FIELDS.join(', ')} FROM OpportunityLineItem WHERE OpportunityId IN :ids ORDER BY OpportunityId, Line_Number__c, Id`, { ids: slice }, {}, ctx);
    for (const line of records) {
      const owner = String(line['OpportunityId']);
      const list = byOpportunity.get(owner) ?? [];
      list.push(line);
      byOpportunity.set(owner, list);
    }
  }
  return opportunities.map((o) => ({ ...o, OpportunityLineItems: { records: byOpportunity.get(String(o['Id'])) ?? [] } }));
}
