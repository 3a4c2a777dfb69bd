// NetSuite job and projectTask ⇄ canonical Project and WorkItem.
import { z } from 'zod';
import type { BillingType } from '../../primitives.js';
import type { Project, WorkItem } from '../../v1/index.js';
import type * as v1 from '../../v1/index.js';
import { compact, EnumTable, opt, parseVendorRecord, requireRefId, type MappingCall } from '../common.js';
import { moneyToNumber, numberToMoney } from '../decimal.js';
import { Scope } from '../errors.js';
import { toNetSuiteExternalId } from '../external-id.js';
import {
  currencyByCode,
  currencyById,
  legalEntityOf,
  NsDate,
  NsEnumRead,
  nsBase,
  nsBusinessKey,
  NsRefRead,
  ref,
  subsidiaryByCode,
  subsidiaryById,
  type NetSuiteMappingContext,
  type NsRef,
} from './context.js';

type ProjectInput = z.input<typeof v1.Project>;
type WorkItemInput = z.input<typeof v1.WorkItem>;

export interface NetSuiteJobRecord {
  externalId: string;
  companyName: string;
  entityId?: string;
  parent: NsRef;
  subsidiary?: NsRef;
  currency: NsRef;
  startDate: string;
  projectedEndDate?: string;
  jobBillingType?: NsRef;
  entityStatus: NsRef;
  comments?: string;
  custentity_sw_salesforce_opp_id?: string;
  custentity_sw_psa_project_id?: string;
  custentity_sw_service_line?: string;
}

export interface NetSuiteProjectTaskRecord {
  externalId: string;
  title: string;
  company: NsRef;
  parent?: NsRef;
  startDate?: string;
  finishByDate?: string;
  plannedWork?: number;
  status: NsRef;
  isMilestone: boolean;
  message?: string;
  custevent_sw_milestone_amount?: number;
  custevent_sw_billing_status?: string;
}

/**
 * `job.jobBillingType`: TM time and materials, FBI fixed bid (interval), FBM fixed bid (milestone),
 * CB charge-based. A non-billable project has no billing type.
 */
export const jobBillingTypeTable = new EnumTable<Exclude<BillingType, 'non-billable'>, string>('jobBillingType', [
  ['time-and-materials', 'TM'],
  ['fixed-fee', 'FBI'],
  ['milestone', 'FBM'],
  ['retainer', 'CB'],
]);

/** `projectTask.status`. */
export const taskStatusTable = new EnumTable<WorkItem['status'], string>('projectTask status', [
  ['not-started', 'NOTSTART'],
  ['in-progress', 'PROGRESS'],
  ['completed', 'COMPLETE'],
]);

/** `custevent_sw_billing_status`. */
export const billingStatusTable = new EnumTable<NonNullable<WorkItem['billingStatus']>, string>('custevent_sw_billing_status value', [
  ['not-billed', 'Not Billed'],
  ['ready-to-bill', 'Ready to Bill'],
  ['billed', 'Billed'],
]);

function projectStatusId(ctx: NetSuiteMappingContext, status: Project['status'], s: Scope): NsRef {
  const found = ctx.projectStatuses.find((p) => p.status === status);
  if (found === undefined) return s.fail('status', `is "${status}", which has no NetSuite project status in the mapping context (mapped: ${ctx.projectStatuses.map((p) => p.status).join(', ')})`);
  return ref(found.id);
}

export function toNetSuiteJob(project: Project, ctx: NetSuiteMappingContext, call?: MappingCall): NetSuiteJobRecord {
  const s = new Scope('netsuite', 'job', 'to-vendor');
  if (!project.billable && project.billingType !== 'non-billable') {
    s.fail('billable', `is false with billing type "${project.billingType}": NetSuite holds billability only as the billing type (use non-billable)`);
  }
  return compact({
    externalId: toNetSuiteExternalId(project.businessKey),
    companyName: project.name,
    entityId: project.projectCode,
    parent: ref(requireRefId(project.account, 'account', ['netsuite'], call, s)),
    subsidiary: project.legalEntity === undefined ? undefined : ref(subsidiaryByCode(ctx, project.legalEntity.code, 'legalEntity.code', s).id),
    currency: currencyByCode(ctx, project.currency, 'currency', s),
    startDate: project.startDate,
    projectedEndDate: project.endDate,
    jobBillingType: project.billingType === 'non-billable' ? undefined : ref(jobBillingTypeTable.toVendor(project.billingType, 'billingType', s)),
    entityStatus: projectStatusId(ctx, project.status, s),
    comments: project.description,
    custentity_sw_salesforce_opp_id: project.opportunity?.externalIds?.salesforce,
    custentity_sw_psa_project_id: project.externalIds[ctx.psaSystem],
    custentity_sw_service_line: project.serviceLine,
  });
}

export const NetSuiteJobRead = z.object({
  ...nsBase,
  companyName: z.string().min(1),
  entityId: opt(z.string()),
  parent: NsRefRead,
  subsidiary: opt(NsRefRead),
  currency: NsRefRead,
  startDate: NsDate,
  projectedEndDate: opt(NsDate),
  jobBillingType: opt(NsEnumRead),
  entityStatus: NsRefRead,
  comments: opt(z.string()),
  custentity_sw_salesforce_opp_id: opt(z.string()),
  custentity_sw_psa_project_id: opt(z.string()),
  custentity_sw_service_line: opt(z.string()),
});

export function fromNetSuiteJob(record: unknown, ctx: NetSuiteMappingContext, call?: MappingCall): ProjectInput {
  const s = new Scope('netsuite', 'job', 'from-vendor');
  const r = parseVendorRecord(NetSuiteJobRead, record, s);
  const status = ctx.projectStatuses.find((p) => p.id === r.entityStatus.id)?.status;
  if (status === undefined) return s.fail('entityStatus.id', `is ${r.entityStatus.id}, which is not a project status in the mapping context`);
  const billingType: BillingType = r.jobBillingType === undefined || r.jobBillingType.id === '' ? 'non-billable' : jobBillingTypeTable.fromVendor(r.jobBillingType.id, 'jobBillingType', s);
  return compact({
    businessKey: nsBusinessKey(r, 'proj', call, s),
    externalIds: compact({ netsuite: r.id, [ctx.psaSystem]: r.custentity_sw_psa_project_id }),
    name: r.companyName,
    projectCode: r.entityId,
    account: { externalIds: { netsuite: r.parent.id } },
    opportunity: r.custentity_sw_salesforce_opp_id === undefined ? undefined : { externalIds: { salesforce: r.custentity_sw_salesforce_opp_id } },
    status,
    startDate: r.startDate,
    endDate: r.projectedEndDate,
    billingType,
    billable: billingType !== 'non-billable',
    currency: currencyById(ctx, r.currency.id, 'currency.id', s),
    legalEntity: r.subsidiary === undefined ? undefined : legalEntityOf(subsidiaryById(ctx, r.subsidiary.id, 'subsidiary.id', s)),
    serviceLine: r.custentity_sw_service_line,
    description: r.comments,
  });
}

export function toNetSuiteProjectTask(item: WorkItem, _ctx: NetSuiteMappingContext, call?: MappingCall): NetSuiteProjectTaskRecord {
  const s = new Scope('netsuite', 'projectTask', 'to-vendor');
  if (item.amount !== undefined && call?.currency !== undefined && item.amount.currency !== call.currency) {
    s.fail('amount.currency', `is ${item.amount.currency}, but the project's currency is ${call.currency}`);
  }
  return compact({
    externalId: toNetSuiteExternalId(item.businessKey),
    title: item.name,
    company: ref(requireRefId(item.project, 'project', ['netsuite'], call, s)),
    parent: item.parent === undefined ? undefined : ref(requireRefId(item.parent, 'parent', ['netsuite'], call, s)),
    startDate: item.startDate,
    finishByDate: item.dueDate,
    plannedWork: item.plannedHours,
    status: ref(taskStatusTable.toVendor(item.status, 'status', s)),
    isMilestone: item.kind === 'milestone',
    message: item.description,
    custevent_sw_milestone_amount: item.amount === undefined ? undefined : moneyToNumber(item.amount, 'amount', s),
    custevent_sw_billing_status: item.billingStatus === undefined ? undefined : billingStatusTable.toVendor(item.billingStatus, 'billingStatus', s),
  });
}

export const NetSuiteProjectTaskRead = z.object({
  ...nsBase,
  title: z.string().min(1),
  company: NsRefRead,
  parent: opt(NsRefRead),
  startDate: opt(NsDate),
  finishByDate: opt(NsDate),
  plannedWork: opt(z.number().min(0)),
  status: NsEnumRead,
  isMilestone: opt(z.boolean()),
  message: opt(z.string()),
  custevent_sw_milestone_amount: opt(z.number()),
  custevent_sw_billing_status: opt(z.string()),
});

/** `call.currency` (the project's currency) is needed to read a milestone amount: a project task carries none. */
export function fromNetSuiteProjectTask(record: unknown, _ctx: NetSuiteMappingContext, call?: MappingCall): WorkItemInput {
  const s = new Scope('netsuite', 'projectTask', 'from-vendor');
  const r = parseVendorRecord(NetSuiteProjectTaskRead, record, s);
  const kind = r.isMilestone === true ? 'milestone' : 'task';
  let amount: { amount: string; currency: string } | undefined;
  if (r.custevent_sw_milestone_amount !== undefined) {
    if (call?.currency === undefined) return s.fail('custevent_sw_milestone_amount', "has no currency on a project task: pass the project's currency in call.currency");
    amount = numberToMoney(r.custevent_sw_milestone_amount, call.currency, 'custevent_sw_milestone_amount', s);
  }
  return compact({
    businessKey: nsBusinessKey(r, kind === 'milestone' ? 'ms' : 'task', call, s),
    externalIds: compact({ netsuite: r.id }),
    project: { externalIds: { netsuite: r.company.id } },
    kind,
    name: r.title,
    parent: r.parent === undefined ? undefined : { externalIds: { netsuite: r.parent.id } },
    status: taskStatusTable.fromVendor(r.status.id, 'status', s),
    startDate: r.startDate,
    dueDate: r.finishByDate,
    plannedHours: r.plannedWork,
    // A milestone is billed when it carries an amount; tasks keep the canonical default.
    billable: kind === 'milestone' ? amount !== undefined : undefined,
    amount,
    billingStatus: r.custevent_sw_billing_status === undefined ? undefined : billingStatusTable.fromVendor(r.custevent_sw_billing_status, 'custevent_sw_billing_status', s),
    description: r.message,
  });
}
