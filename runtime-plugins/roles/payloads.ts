// What a role node takes in msg.payload, validated at the edge: canonical objects against their schema, and the
// layer's own request shapes (an opportunity status, delivery metrics, a record to read, a time query). Every
// problem becomes a `data` SyncError naming the field (`payload.lineItems[0].unitPrice.amount`).
import { z } from 'zod';
import { isSchemaId, type CanonicalOf } from '../../canonical/registry.js';
import { formatPath, validateCanonical, type FieldError } from '../../canonical/validate.js';
import { BusinessKey, CurrencyCode, Decimal, IsoDate, IsoDateTime, Money } from '../../canonical/primitives.js';
import { SyncError } from '../sync-error.js';
import type { Capability } from './capabilities.js';

export function payloadError(path: string, message: string, code = 'INVALID_PAYLOAD', target = 'roles'): SyncError {
  const where = path === '' ? 'payload' : path.startsWith('[') ? `payload${path}` : `payload.${path}`;
  return new SyncError(`${where} ${message}`, { class: 'data', code, retryable: false, target, fields: [where] });
}

function fromFieldErrors(errors: readonly FieldError[], prefix = ''): SyncError {
  const first = errors[0];
  const path = [prefix, first?.path ?? ''].filter((p) => p !== '').join(prefix !== '' && first?.path.startsWith('[') ? '' : '.');
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
  return payloadError(path, `${first?.message ?? 'is not valid'}${more}`);
}

function fromZod(error: z.ZodError, prefix = ''): SyncError {
  return fromFieldErrors(
    error.issues.map((i) => ({ path: formatPath(i.path), code: i.code, message: i.code === 'invalid_type' && i.input === undefined ? 'is required' : i.message })),
    prefix,
  );
}

// ------------------------------------------------------------------------------------------ request shapes

/** A reference to a record: a canonical object or reference (business key, external ids), or a record id. */
const ExternalIdText = z.string().trim().min(1).max(255);
export const RecordRefInput = z.looseObject({
  businessKey: BusinessKey.optional(),
  externalIds: z.looseObject({ salesforce: ExternalIdText.optional(), netsuite: ExternalIdText.optional(), kantata: ExternalIdText.optional(), certinia: ExternalIdText.optional() }).optional(),
  /** The record's id in the system that serves the role. */
  id: z.union([ExternalIdText, z.number().int().positive()]).transform(String).optional(),
  /** NetSuite invoice or payment number (`tranId`). */
  invoiceNumber: ExternalIdText.optional(),
  paymentNumber: ExternalIdText.optional(),
  legalEntity: z.union([z.string().trim().min(1), z.looseObject({ code: z.string().trim().min(1) })]).optional(),
});
export type RecordRef = z.output<typeof RecordRefInput>;

/** A string payload is a business key, or a record id when it looks like one (digits, a Salesforce Id). */
function recordRefOf(value: unknown): RecordRef {
  if (typeof value === 'string' || typeof value === 'number') {
    const text = String(value).trim();
    const looksLikeId = /^\d+$/.test(text) || (/^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/.test(text) && /\d/.test(text));
    return recordRefOf(looksLikeId ? { id: text } : { businessKey: text });
  }
  const parsed = RecordRefInput.safeParse(value);
  if (!parsed.success) throw fromZod(parsed.error);
  const r = parsed.data;
  if (r.businessKey === undefined && r.id === undefined && r.invoiceNumber === undefined && r.paymentNumber === undefined && Object.values(r.externalIds ?? {}).every((v) => v === undefined)) {
    throw payloadError('', 'names no record: give a businessKey, externalIds, id, invoiceNumber or paymentNumber');
  }
  return r;
}

/** The Sync_Status__c picklist of Opportunity, and the lower-case names flows may use. */
export const SYNC_STATUSES = ['Pending', 'In Progress', 'Completed', 'Failed', 'Compensated', 'Needs Remediation'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

export function syncStatusOf(value: string): SyncStatus | undefined {
  const norm = value.trim().toLowerCase().replace(/[\s_]+/g, '-');
  return SYNC_STATUSES.find((s) => s.toLowerCase().replace(/\s+/g, '-') === norm);
}

const SyncStatusInput = z.string().transform((v, ctx) => {
  const s = syncStatusOf(v);
  if (s === undefined) {
    ctx.addIssue({ code: 'custom', message: `is "${v}", not one of ${SYNC_STATUSES.join(', ')}` });
    return z.NEVER;
  }
  return s;
});

const LooseRef = z.looseObject({
  businessKey: BusinessKey.optional(),
  externalIds: z.looseObject({ salesforce: ExternalIdText.optional(), certinia: ExternalIdText.optional(), netsuite: ExternalIdText.optional(), kantata: ExternalIdText.optional() }).optional(),
  legalEntity: z.looseObject({ code: z.string().trim().min(1) }).optional(),
});

const EntityInput = z.union([z.string().trim().min(1), z.looseObject({ code: z.string().trim().min(1) })]).optional();

/** update-opportunity-status: what to write on the Opportunity (see docs/roles.md). */
export const OpportunityStatusInput = z.looseObject({
  opportunity: LooseRef.optional(),
  status: SyncStatusInput.optional(),
  error: z.string().max(32_000).nullable().optional(),
  correlationId: z.string().trim().min(1).max(255).optional(),
  netsuiteCustomerId: ExternalIdText.optional(),
  netsuiteSalesOrderId: ExternalIdText.optional(),
  psaProjectId: ExternalIdText.optional(),
  legalEntity: EntityInput,
});
export type OpportunityStatusRequest = z.output<typeof OpportunityStatusInput>;

/** A decimal string or canonical Money. */
const Amount = z.union([Money, Decimal.transform((amount) => ({ amount, currency: undefined as string | undefined }))]);

/** write-delivery-metrics: one project's rollup for its opportunity (or for the opportunity holding the PSA project's id). */
export const DeliveryMetricsInput = z
  .looseObject({
    opportunity: LooseRef.optional(),
    project: LooseRef.optional(),
    actualHours: z.number().finite().min(0, 'must not be negative'),
    actualCost: Amount,
    marginPercent: z.number().finite().min(-1000, 'must be at least -1000').max(100, 'must be at most 100'),
    currency: CurrencyCode.optional(),
    legalEntity: EntityInput,
  })
  .superRefine((m, ctx) => {
    const ids = m.project?.externalIds;
    if (m.opportunity === undefined && ids?.kantata === undefined && ids?.certinia === undefined) {
      ctx.addIssue({ code: 'custom', path: ['opportunity'], message: 'is required, unless project.externalIds names the PSA project (kantata or certinia), whose Opportunity holds its id in PSA_Project_Id__c' });
    }
  });
export type DeliveryMetrics = z.output<typeof DeliveryMetricsInput>;

/** read-approved-time: a project's approved time, and/or everything performed or changed since a point. */
export const ApprovedTimeQueryInput = z
  .looseObject({
    project: LooseRef.optional(),
    from: IsoDate.optional(),
    to: IsoDate.optional(),
    modifiedSince: IsoDateTime.optional(),
    legalEntity: EntityInput,
  })
  .superRefine((q, ctx) => {
    if (q.project === undefined && q.from === undefined && q.modifiedSince === undefined) ctx.addIssue({ code: 'custom', path: ['project'], message: 'is required unless from or modifiedSince is given' });
    if (q.from !== undefined && q.to !== undefined && q.to < q.from) ctx.addIssue({ code: 'custom', path: ['to'], message: `must not be before from (${q.from})` });
  });
export type ApprovedTimeQuery = z.output<typeof ApprovedTimeQueryInput>;

/** read-resource-requests: the requests the PSA holds for a project and/or an opportunity. */
export const ResourceRequestQueryInput = z
  .looseObject({
    project: LooseRef.optional(),
    opportunity: LooseRef.optional(),
    legalEntity: EntityInput,
  })
  .superRefine((q, ctx) => {
    if (q.project === undefined && q.opportunity === undefined) ctx.addIssue({ code: 'custom', path: ['project'], message: 'is required unless opportunity is given' });
  });
export type ResourceRequestQuery = z.output<typeof ResourceRequestQueryInput>;

/** A compensation takes whatever the step left on the message; it reads ids from the step's result first. */
export const CompensationInput = z.unknown();

// ------------------------------------------------------------------------------------------------ parsing

export type BillingRecord = { schema: 'syncwright/invoice@1'; value: CanonicalOf<'syncwright/invoice@1'> } | { schema: 'syncwright/payment@1'; value: CanonicalOf<'syncwright/payment@1'> };

/** The parsed input of one unit of work, by capability input. */
export type ParsedInput =
  | { input: 'canonical'; schema: string; value: unknown }
  | { input: 'canonical-list'; schema: string; values: unknown[]; single: boolean; project?: CanonicalOf<'syncwright/project@1'> }
  | { input: 'billing-status'; record: BillingRecord }
  | { input: 'opportunity-status'; value: OpportunityStatusRequest }
  | { input: 'delivery-metrics'; value: DeliveryMetrics }
  | { input: 'record-ref'; value: RecordRef }
  | { input: 'approved-time-query'; value: ApprovedTimeQuery }
  | { input: 'resource-request-query'; value: ResourceRequestQuery }
  | { input: 'compensation'; value: unknown };

/** The canonical schema a billing record claims, else the one its fields show. */
function billingSchemaOf(value: unknown, claimed: string | undefined): 'syncwright/invoice@1' | 'syncwright/payment@1' | undefined {
  if (typeof value === 'object' && value !== null) {
    if ('invoiceNumber' in value) return 'syncwright/invoice@1';
    if ('paymentDate' in value) return 'syncwright/payment@1';
  }
  return claimed === 'syncwright/invoice@1' || claimed === 'syncwright/payment@1' ? claimed : undefined;
}

/**
 * Validates one unit of a capability's input. msg.sync.schema is not checked against the capability: in a
 * process flow it names the object the transaction started with, while each step sends its own object.
 * `claimedSchema` only tells an invoice from a payment when the fields do not.
 */
export function parseInput(cap: Capability, payload: unknown, claimedSchema?: string): ParsedInput {
  const input = cap.input;
  if (isSchemaId(input)) {
    if (cap.shape === 'list') {
      // create-billing-milestones also takes a billing plan: the ERP project and its milestones, written in that order.
      if (cap.name === 'create-billing-milestones' && typeof payload === 'object' && payload !== null && !Array.isArray(payload) && 'milestones' in payload) {
        const plan = payload as { project?: unknown; milestones?: unknown };
        if (!Array.isArray(plan.milestones)) throw payloadError('milestones', 'must be a list of canonical milestones (syncwright/work-item@1)');
        const project = plan.project === undefined ? undefined : validateCanonical('syncwright/project@1', plan.project);
        if (project !== undefined && !project.ok) throw fromFieldErrors(project.errors, 'project');
        const values = (plan.milestones as unknown[]).map((item, i) => {
          const r = validateCanonical(input, item);
          if (!r.ok) throw fromFieldErrors(r.errors, `milestones[${i}]`);
          return r.value;
        });
        if (values.length === 0 && project === undefined) throw payloadError('milestones', 'is an empty list: nothing to do');
        return { input: 'canonical-list', schema: input, values, single: false, ...(project !== undefined ? { project: project.value } : {}) };
      }
      const items = Array.isArray(payload) ? (payload as unknown[]) : [payload];
      if (items.length === 0) throw payloadError('', 'is an empty list: nothing to do');
      const values = items.map((item, i) => {
        const r = validateCanonical(input, item);
        if (!r.ok) throw fromFieldErrors(r.errors, Array.isArray(payload) ? `[${i}]` : '');
        return r.value;
      });
      return { input: 'canonical-list', schema: input, values, single: !Array.isArray(payload) };
    }
    const r = validateCanonical(input, payload);
    if (!r.ok) throw fromFieldErrors(r.errors);
    return { input: 'canonical', schema: input, value: r.value };
  }
  switch (input) {
    case 'billing-status': {
      const schema = billingSchemaOf(payload, claimedSchema);
      if (schema === undefined) throw payloadError('', 'must be a canonical invoice (syncwright/invoice@1) or payment (syncwright/payment@1)', 'SCHEMA_MISMATCH');
      const r = validateCanonical(schema, payload);
      if (!r.ok) throw fromFieldErrors(r.errors);
      return { input, record: schema === 'syncwright/invoice@1' ? { schema, value: r.value as CanonicalOf<'syncwright/invoice@1'> } : { schema, value: r.value as CanonicalOf<'syncwright/payment@1'> } };
    }
    case 'opportunity-status': {
      const r = OpportunityStatusInput.safeParse(payload ?? {});
      if (!r.success) throw fromZod(r.error);
      return { input, value: r.data };
    }
    case 'delivery-metrics': {
      const r = DeliveryMetricsInput.safeParse(payload);
      if (!r.success) throw fromZod(r.error);
      return { input, value: r.data };
    }
    case 'record-ref':
      return { input, value: recordRefOf(payload) };
    case 'approved-time-query': {
      const r = ApprovedTimeQueryInput.safeParse(typeof payload === 'string' ? { project: { businessKey: payload } } : payload);
      if (!r.success) throw fromZod(r.error);
      return { input, value: r.data };
    }
    case 'resource-request-query': {
      const r = ResourceRequestQueryInput.safeParse(typeof payload === 'string' ? { project: { businessKey: payload } } : payload);
      if (!r.success) throw fromZod(r.error);
      return { input, value: r.data };
    }
    case 'compensation':
      return { input, value: payload };
  }
}
