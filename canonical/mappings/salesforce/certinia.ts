// Certinia PSA objects on Salesforce ⇄ canonical Project, WorkItem (milestone), TimeEntry, ResourceRequest.
import { z } from 'zod';
import type { Project, ResourceRequest, TimeEntry, WorkItem } from '../../v1/index.js';
import type * as v1 from '../../v1/index.js';
import { compact, EnumTable, foreignKey, opt, parseVendorRecord, type MappingCall } from '../common.js';
import { hoursToScaledNumber, moneyToNumber, numberToMoney } from '../decimal.js';
import { Scope } from '../errors.js';
import { sfBusinessKey } from './account.js';
import { lookup, readLookup, recordCurrency, RelatedKey, SfDate, sfBase, SfId, type KeyReference, type SalesforceMappingContext } from './context.js';

type ProjectInput = z.input<typeof v1.Project>;
type WorkItemInput = z.input<typeof v1.WorkItem>;
type TimeEntryInput = z.input<typeof v1.TimeEntry>;
type ResourceRequestInput = z.input<typeof v1.ResourceRequest>;

// ---------------------------------------------------------------------------------------------- project

export interface CertiniaProjectRecord {
  Syncwright_Key__c: string;
  Name: string;
  pse__Account__c?: string;
  pse__Account__r?: KeyReference;
  pse__Opportunity__c?: string;
  pse__Opportunity__r?: KeyReference;
  pse__Project_Manager__c?: string;
  pse__Start_Date__c: string;
  pse__End_Date__c?: string;
  pse__Is_Active__c: boolean;
  pse__Is_Billable__c: boolean;
  pse__Stage__c: string;
  pse__Billing_Type__c: string;
  CurrencyIsoCode?: string;
}

/**
 * `pse__Billing_Type__c` on pse__Proj__c: Certinia calls a fixed fee "Fixed Price"; the other values are the
 * Opportunity's. "Fixed Fee" (the Opportunity's word) reads as a fixed fee too.
 */
export const projectBillingTypePicklist = new EnumTable<Project['billingType'], string>(
  'pse__Billing_Type__c picklist value',
  [
    ['fixed-fee', 'Fixed Price'],
    ['time-and-materials', 'Time and Materials'],
    ['milestone', 'Milestone'],
    ['retainer', 'Retainer'],
    ['non-billable', 'Non-Billable'],
  ],
  [['Fixed Fee', 'fixed-fee']],
);

export const projectStagePicklist = new EnumTable<Project['status'], string>('pse__Stage__c picklist value', [
  ['planned', 'Planned'],
  ['active', 'In Progress'],
  ['on-hold', 'On Hold'],
  ['completed', 'Completed'],
  ['cancelled', 'Canceled'],
]);

export function toCertiniaProject(project: Project, ctx: SalesforceMappingContext, call?: MappingCall): CertiniaProjectRecord {
  const s = new Scope('salesforce', 'pse__Proj__c', 'to-vendor');
  const manager = project.projectManager?.externalIds?.certinia ?? project.projectManager?.externalIds?.salesforce;
  return compact({
    Syncwright_Key__c: project.businessKey,
    Name: project.name,
    ...lookup(project.account, 'account', 'pse__Account__c', 'pse__Account__r', ['salesforce'], call, s, true),
    ...lookup(project.opportunity, 'opportunity', 'pse__Opportunity__c', 'pse__Opportunity__r', ['salesforce'], call, s, false),
    pse__Project_Manager__c: manager,
    pse__Start_Date__c: project.startDate,
    pse__End_Date__c: project.endDate,
    pse__Is_Active__c: project.status === 'planned' || project.status === 'active' || project.status === 'on-hold',
    pse__Is_Billable__c: project.billable,
    pse__Stage__c: projectStagePicklist.toVendor(project.status, 'status', s),
    pse__Billing_Type__c: projectBillingTypePicklist.toVendor(project.billingType, 'billingType', s),
    CurrencyIsoCode: recordCurrency([], ['currency', project.currency], ctx, s),
  });
}

export const CertiniaProjectRead = z.object({
  ...sfBase,
  Name: z.string().min(1),
  pse__Account__c: opt(SfId),
  pse__Account__r: RelatedKey,
  pse__Opportunity__c: opt(SfId),
  pse__Opportunity__r: RelatedKey,
  pse__Project_Manager__c: opt(SfId),
  pse__Start_Date__c: SfDate,
  pse__End_Date__c: opt(SfDate),
  pse__Is_Active__c: opt(z.boolean()),
  pse__Is_Billable__c: opt(z.boolean()),
  pse__Stage__c: z.string().min(1),
  pse__Billing_Type__c: z.string().min(1),
});

export function fromCertiniaProject(record: unknown, ctx: SalesforceMappingContext, call?: MappingCall): ProjectInput {
  const s = new Scope('salesforce', 'pse__Proj__c', 'from-vendor');
  const r = parseVendorRecord(CertiniaProjectRead, record, s);
  const account = readLookup('salesforce', r.pse__Account__c, r.pse__Account__r);
  if (account === undefined) return s.fail('pse__Account__c', 'is required (a canonical project belongs to an account)');
  return compact({
    businessKey: sfBusinessKey(r, 'proj', call, s),
    externalIds: compact({ certinia: r.Id }),
    name: r.Name,
    account,
    opportunity: readLookup('salesforce', r.pse__Opportunity__c, r.pse__Opportunity__r),
    status: projectStagePicklist.fromVendor(r.pse__Stage__c, 'pse__Stage__c', s),
    startDate: r.pse__Start_Date__c,
    endDate: r.pse__End_Date__c,
    billingType: projectBillingTypePicklist.fromVendor(r.pse__Billing_Type__c, 'pse__Billing_Type__c', s),
    billable: r.pse__Is_Billable__c,
    currency: r.CurrencyIsoCode ?? ctx.corporateCurrency,
    projectManager: r.pse__Project_Manager__c === undefined ? undefined : { externalIds: { certinia: r.pse__Project_Manager__c } },
  });
}

// -------------------------------------------------------------------------------------------- milestone

export interface CertiniaMilestoneRecord {
  Syncwright_Key__c: string;
  Name: string;
  pse__Project__c?: string;
  pse__Project__r?: KeyReference;
  pse__Target_Date__c?: string;
  pse__Milestone_Amount__c?: number;
  pse__Status__c: string;
  CurrencyIsoCode?: string;
}

export const milestoneStatusPicklist = new EnumTable<WorkItem['status'], string>('pse__Milestone__c pse__Status__c value', [
  ['not-started', 'Planned'],
  ['in-progress', 'Open'],
  ['completed', 'Approved'],
  ['cancelled', 'Canceled'],
]);

export function toCertiniaMilestone(item: WorkItem, ctx: SalesforceMappingContext, call?: MappingCall): CertiniaMilestoneRecord {
  const s = new Scope('salesforce', 'pse__Milestone__c', 'to-vendor');
  if (item.kind !== 'milestone') s.fail('kind', `is "${item.kind}": only milestones map to pse__Milestone__c`);
  return compact({
    Syncwright_Key__c: item.businessKey,
    Name: item.name,
    ...lookup(item.project, 'project', 'pse__Project__c', 'pse__Project__r', ['certinia', 'salesforce'], call, s, true),
    pse__Target_Date__c: item.dueDate,
    pse__Milestone_Amount__c: item.amount === undefined ? undefined : moneyToNumber(item.amount, 'amount', s),
    pse__Status__c: milestoneStatusPicklist.toVendor(item.status, 'status', s),
    CurrencyIsoCode: recordCurrency([['amount', item.amount]], ['amount.currency', undefined], ctx, s),
  });
}

export const CertiniaMilestoneRead = z.object({
  ...sfBase,
  Name: z.string().min(1),
  pse__Project__c: opt(SfId),
  pse__Project__r: RelatedKey,
  pse__Target_Date__c: opt(SfDate),
  pse__Milestone_Amount__c: opt(z.number()),
  pse__Status__c: z.string().min(1),
});

export function fromCertiniaMilestone(record: unknown, ctx: SalesforceMappingContext, call?: MappingCall): WorkItemInput {
  const s = new Scope('salesforce', 'pse__Milestone__c', 'from-vendor');
  const r = parseVendorRecord(CertiniaMilestoneRead, record, s);
  const project = readLookup('certinia', r.pse__Project__c, r.pse__Project__r);
  if (project === undefined) return s.fail('pse__Project__c', 'is required (a milestone belongs to a project)');
  const amount = r.pse__Milestone_Amount__c === undefined ? undefined : numberToMoney(r.pse__Milestone_Amount__c, r.CurrencyIsoCode ?? ctx.corporateCurrency, 'pse__Milestone_Amount__c', s);
  return compact({
    businessKey: sfBusinessKey(r, 'ms', call, s),
    externalIds: compact({ certinia: r.Id }),
    project,
    kind: 'milestone',
    name: r.Name,
    status: milestoneStatusPicklist.fromVendor(r.pse__Status__c, 'pse__Status__c', s),
    dueDate: r.pse__Target_Date__c,
    // A milestone with an amount is billed; one without is not (a billable milestone needs an amount).
    billable: amount !== undefined,
    amount,
  });
}

// --------------------------------------------------------------------------------------------- timecard
//
// A Certinia timecard holds one week of one resource on one project, hours per weekday. A canonical
// TimeEntry is one day, so it maps to the timecard of the week containing its date, setting only that
// weekday's hours field; upserting by the timecard key leaves the other days as they are. Status and
// billable belong to the whole timecard. Back, every day with hours > 0 becomes one TimeEntry.

const DAY_FIELDS = ['pse__Monday_Hours__c', 'pse__Tuesday_Hours__c', 'pse__Wednesday_Hours__c', 'pse__Thursday_Hours__c', 'pse__Friday_Hours__c', 'pse__Saturday_Hours__c', 'pse__Sunday_Hours__c'] as const;
type DayField = (typeof DAY_FIELDS)[number];

export type CertiniaTimecardRecord = {
  Syncwright_Key__c: string;
  pse__Resource__c?: string;
  pse__Resource__r?: KeyReference;
  pse__Project__c?: string;
  pse__Project__r?: KeyReference;
  pse__Start_Date__c: string;
  pse__Status__c: string;
  pse__Billable__c: boolean;
} & Partial<Record<DayField, number>>;

export const timecardStatusPicklist = new EnumTable<TimeEntry['status'], string>('pse__Timecard_Header__c pse__Status__c value', [
  ['draft', 'Saved'],
  ['submitted', 'Submitted'],
  ['approved', 'Approved'],
  ['rejected', 'Rejected'],
]);

const DAY_MS = 86_400_000;

function dayIndex(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

function dateOf(index: number): string {
  return new Date(index * DAY_MS).toISOString().slice(0, 10);
}

/** First day of the timecard week containing `date`. */
export function timecardWeekStart(date: string, weekStart: 'monday' | 'sunday'): string {
  const index = dayIndex(date);
  const weekday = (new Date(index * DAY_MS).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const back = weekStart === 'monday' ? weekday : (weekday + 1) % 7;
  return dateOf(index - back);
}

function stripPrefix(key: string, prefix: string): string {
  return key.startsWith(prefix) ? key.slice(prefix.length) : key;
}

/** The business key of the canonical TimeEntry of one resource, project and day: `te:jane.doe:2026-04-06:ACME-ERP`. */
export function timeEntryKey(resourceKey: string, projectKey: string, date: string): string {
  return `te:${stripPrefix(resourceKey, 'res:')}:${date}:${stripPrefix(projectKey, 'proj:')}`;
}

/** The Syncwright key of a timecard: `tc:<week start>:<resource key>:<project key>`, the keys URI-encoded so it splits back. */
export function timecardKey(resourceKey: string, projectKey: string, weekStart: string): string {
  return `tc:${weekStart}:${encodeURIComponent(resourceKey)}:${encodeURIComponent(projectKey)}`;
}

export function parseTimecardKey(key: string): { weekStart: string; resourceKey: string; projectKey: string } | undefined {
  const m = /^tc:(\d{4}-\d{2}-\d{2}):([^:]+):([^:]+)$/.exec(key);
  if (m === null) return undefined;
  try {
    return { weekStart: m[1], resourceKey: decodeURIComponent(m[2]), projectKey: decodeURIComponent(m[3]) };
  } catch {
    return undefined;
  }
}

/** The hours field of the weekday of `date`. */
function dayField(date: string): DayField {
  return DAY_FIELDS[(new Date(dayIndex(date) * DAY_MS).getUTCDay() + 6) % 7];
}

export function toCertiniaTimecard(entry: TimeEntry, ctx: SalesforceMappingContext, call?: MappingCall): CertiniaTimecardRecord {
  const s = new Scope('salesforce', 'pse__Timecard_Header__c', 'to-vendor');
  const resourceKey = entry.resource.businessKey ?? s.fail('resource.businessKey', 'is required: a timecard is keyed by resource, project and week');
  const projectKey = entry.project.businessKey ?? s.fail('project.businessKey', 'is required: a timecard is keyed by resource, project and week');
  const expected = timeEntryKey(resourceKey, projectKey, entry.date);
  if (entry.businessKey !== expected) {
    // A timecard has no room for per-day keys, so the day's key must be derivable to come back unchanged.
    s.fail('businessKey', `is "${entry.businessKey}", but a time entry on a Certinia timecard must be keyed "${expected}" (resource, date, project)`);
  }
  const weekStart = timecardWeekStart(entry.date, ctx.timecardWeekStart);
  return compact({
    Syncwright_Key__c: timecardKey(resourceKey, projectKey, weekStart),
    ...lookup(entry.resource, 'resource', 'pse__Resource__c', 'pse__Resource__r', ['certinia', 'salesforce'], call, s, true),
    ...lookup(entry.project, 'project', 'pse__Project__c', 'pse__Project__r', ['certinia', 'salesforce'], call, s, true),
    pse__Start_Date__c: weekStart,
    [dayField(entry.date)]: hoursToScaledNumber(entry.hours, 2, 'hours', s),
    pse__Status__c: timecardStatusPicklist.toVendor(entry.status, 'status', s),
    pse__Billable__c: entry.billable,
  });
}

export const CertiniaTimecardRead = z.object({
  ...sfBase,
  pse__Resource__c: opt(SfId),
  pse__Resource__r: RelatedKey,
  pse__Project__c: opt(SfId),
  pse__Project__r: RelatedKey,
  pse__Start_Date__c: SfDate,
  pse__Status__c: z.string().min(1),
  pse__Billable__c: opt(z.boolean()),
  ...(Object.fromEntries(DAY_FIELDS.map((f) => [f, opt(z.number().min(0).max(24))])) as Record<DayField, ReturnType<typeof opt<z.ZodNumber>>>),
});

/** The canonical time entries a timecard holds: one per day with hours. */
export function fromCertiniaTimecard(record: unknown, _ctx: SalesforceMappingContext, _call?: MappingCall): TimeEntryInput[] {
  const s = new Scope('salesforce', 'pse__Timecard_Header__c', 'from-vendor');
  const r = parseVendorRecord(CertiniaTimecardRead, record, s);
  const key = r.Syncwright_Key__c === undefined ? undefined : parseTimecardKey(r.Syncwright_Key__c);
  if (r.Syncwright_Key__c !== undefined && key === undefined) s.fail('Syncwright_Key__c', `is "${r.Syncwright_Key__c}", not a timecard key tc:<week start>:<resource>:<project>`);
  if (r.pse__Resource__c === undefined && key === undefined && r.pse__Resource__r?.Syncwright_Key__c === undefined) s.fail('pse__Resource__c', 'is required');
  if (r.pse__Project__c === undefined && key === undefined && r.pse__Project__r?.Syncwright_Key__c === undefined) s.fail('pse__Project__c', 'is required');
  const resourceKey = key?.resourceKey ?? r.pse__Resource__r?.Syncwright_Key__c ?? foreignKey('res', 'certinia', r.pse__Resource__c as string);
  const projectKey = key?.projectKey ?? r.pse__Project__r?.Syncwright_Key__c ?? foreignKey('proj', 'certinia', r.pse__Project__c as string);
  const status = timecardStatusPicklist.fromVendor(r.pse__Status__c, 'pse__Status__c', s);
  const start = dayIndex(r.pse__Start_Date__c);
  const entries: TimeEntryInput[] = [];
  for (let offset = 0; offset < 7; offset++) {
    const date = dateOf(start + offset);
    const field = dayField(date);
    const hours = r[field];
    if (hours === undefined || hours === 0) continue;
    entries.push(
      compact({
        businessKey: timeEntryKey(resourceKey, projectKey, date),
        // Every day of the week lives on this timecard.
        externalIds: compact({ certinia: r.Id }),
        resource: compact({ businessKey: resourceKey, externalIds: r.pse__Resource__c === undefined ? undefined : { certinia: r.pse__Resource__c } }),
        project: compact({ businessKey: projectKey, externalIds: r.pse__Project__c === undefined ? undefined : { certinia: r.pse__Project__c } }),
        date,
        hours,
        billable: r.pse__Billable__c,
        status,
      }),
    );
  }
  return entries;
}

// ------------------------------------------------------------------------------------- resource request

export interface CertiniaResourceRequestRecord {
  Syncwright_Key__c: string;
  pse__Opportunity__c?: string;
  pse__Opportunity__r?: KeyReference;
  pse__Project__c?: string;
  pse__Project__r?: KeyReference;
  pse__Resource_Role__c: string;
  pse__Start_Date__c: string;
  pse__End_Date__c: string;
  pse__Status__c: string;
  pse__SOW_Hours__c: number;
}

/** Certinia's request statuses: an open request is "Ready to Staff"; a tentative booking reads as held. */
export const resourceRequestStatusPicklist = new EnumTable<ResourceRequest['status'], string>(
  'pse__Resource_Request__c pse__Status__c value',
  [
    ['draft', 'Draft'],
    ['open', 'Ready to Staff'],
    ['held', 'Hold'],
    ['assigned', 'Assigned'],
    ['cancelled', 'Cancelled'],
  ],
  [
    ['Open', 'open'],
    ['Tentative', 'held'],
  ],
);

export function toCertiniaResourceRequest(request: ResourceRequest, _ctx: SalesforceMappingContext, call?: MappingCall): CertiniaResourceRequestRecord {
  const s = new Scope('salesforce', 'pse__Resource_Request__c', 'to-vendor');
  return compact({
    Syncwright_Key__c: request.businessKey,
    ...lookup(request.opportunity, 'opportunity', 'pse__Opportunity__c', 'pse__Opportunity__r', ['salesforce'], call, s, false),
    ...lookup(request.project, 'project', 'pse__Project__c', 'pse__Project__r', ['certinia', 'salesforce'], call, s, false),
    pse__Resource_Role__c: request.role,
    pse__Start_Date__c: request.startDate,
    pse__End_Date__c: request.endDate,
    pse__Status__c: resourceRequestStatusPicklist.toVendor(request.status, 'status', s),
    pse__SOW_Hours__c: hoursToScaledNumber(request.hours, 2, 'hours', s),
  });
}

export const CertiniaResourceRequestRead = z.object({
  ...sfBase,
  pse__Opportunity__c: opt(SfId),
  pse__Opportunity__r: RelatedKey,
  pse__Project__c: opt(SfId),
  pse__Project__r: RelatedKey,
  pse__Resource_Role__c: z.string().min(1),
  pse__Start_Date__c: SfDate,
  pse__End_Date__c: SfDate,
  pse__Status__c: z.string().min(1),
  pse__SOW_Hours__c: z.number().min(0),
});

export function fromCertiniaResourceRequest(record: unknown, _ctx: SalesforceMappingContext, call?: MappingCall): ResourceRequestInput {
  const s = new Scope('salesforce', 'pse__Resource_Request__c', 'from-vendor');
  const r = parseVendorRecord(CertiniaResourceRequestRead, record, s);
  const opportunity = readLookup('salesforce', r.pse__Opportunity__c, r.pse__Opportunity__r);
  const project = readLookup('certinia', r.pse__Project__c, r.pse__Project__r);
  if (opportunity === undefined && project === undefined) s.fail('pse__Project__c', 'is required when pse__Opportunity__c is empty (a request belongs to an opportunity or a project)');
  return compact({
    businessKey: sfBusinessKey(r, 'rr', call, s),
    externalIds: compact({ certinia: r.Id }),
    opportunity,
    project,
    role: r.pse__Resource_Role__c,
    hours: r.pse__SOW_Hours__c,
    startDate: r.pse__Start_Date__c,
    endDate: r.pse__End_Date__c,
    status: resourceRequestStatusPicklist.fromVendor(r.pse__Status__c, 'pse__Status__c', s),
  });
}
