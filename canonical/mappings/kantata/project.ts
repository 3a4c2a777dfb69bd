// Kantata OX workspace and story ⇄ canonical Project and WorkItem.
import { z } from 'zod';
import type { BillingType } from '../../primitives.js';
import type { Project, WorkItem } from '../../v1/index.js';
import type * as v1 from '../../v1/index.js';
import { compact, EnumTable, opt, parseVendorRecord, type MappingCall } from '../common.js';
import { decimalTextToMoney, hoursToMinutes, minorUnitsToMoney, moneyToMinorUnits, moneyToWholeUnits, numberToMoney } from '../decimal.js';
import { Scope } from '../errors.js';
import { KCents, KDate, kBase, KId, kantataBusinessKey, requireCallRef, requireKantataId, type KantataMappingContext } from './context.js';

type ProjectInput = z.input<typeof v1.Project>;
type WorkItemInput = z.input<typeof v1.WorkItem>;

export interface KantataWorkspaceRecord {
  title: string;
  description?: string;
  start_date: string;
  due_date?: string;
  currency: string;
  budgeted: boolean;
  /** The budget in whole currency units, as the create and update endpoints take it. */
  price?: number;
  status_key: number;
  stories_are_fixed_fee_by_default: boolean;
  tasks_default_non_billable: boolean;
}

export interface KantataStoryRecord {
  title: string;
  story_type: string;
  workspace_id: number;
  parent_id?: number;
  start_date?: string;
  due_date?: string;
  time_estimate_in_minutes?: number;
  billable: boolean;
  budget_estimate_in_cents?: number;
  state: string;
  description?: string;
  position?: number;
}

/**
 * What a billing type sets on a workspace. Kantata knows only task defaults (fixed fee or time and
 * materials, billable or not), so milestone and retainer projects read back as fixed-fee and
 * time-and-materials.
 */
const workspaceBillingDefaults: Readonly<Record<BillingType, Pick<KantataWorkspaceRecord, 'stories_are_fixed_fee_by_default' | 'tasks_default_non_billable'>>> = {
  'fixed-fee': { stories_are_fixed_fee_by_default: true, tasks_default_non_billable: false },
  milestone: { stories_are_fixed_fee_by_default: true, tasks_default_non_billable: false },
  'time-and-materials': { stories_are_fixed_fee_by_default: false, tasks_default_non_billable: false },
  retainer: { stories_are_fixed_fee_by_default: false, tasks_default_non_billable: false },
  'non-billable': { stories_are_fixed_fee_by_default: false, tasks_default_non_billable: true },
};

export function toKantataWorkspace(project: Project, ctx: KantataMappingContext, _call?: MappingCall): KantataWorkspaceRecord {
  const s = new Scope('kantata', 'workspace', 'to-vendor');
  const status = ctx.projectStatuses.find((p) => p.status === project.status);
  if (status === undefined) return s.fail('status', `is "${project.status}", which has no Kantata project status in the mapping context`);
  if (project.budget !== undefined && project.budget.currency !== project.currency) {
    s.fail('budget.currency', `is ${project.budget.currency}, but the project's currency is ${project.currency}`);
  }
  return compact({
    title: project.name,
    description: project.description,
    start_date: project.startDate,
    due_date: project.endDate,
    currency: project.currency,
    budgeted: project.budget !== undefined,
    price: project.budget === undefined ? undefined : moneyToWholeUnits(project.budget, 'budget', s),
    status_key: status.key,
    ...workspaceBillingDefaults[project.billingType],
  });
}

export const KantataWorkspaceRead = z.object({
  ...kBase,
  title: z.string().min(1),
  description: opt(z.string()),
  start_date: KDate,
  due_date: opt(KDate),
  currency: z.string().length(3),
  budgeted: opt(z.boolean()),
  price_in_cents: opt(KCents),
  price: opt(z.union([z.string(), z.number()])),
  status: z.object({ key: z.union([z.string(), z.number()]), message: opt(z.string()), color: opt(z.string()) }),
  stories_are_fixed_fee_by_default: opt(z.boolean()),
  tasks_default_non_billable: opt(z.boolean()),
});

/** A workspace has no customer: pass the project's account in `call.refs.account`. */
export function fromKantataWorkspace(record: unknown, ctx: KantataMappingContext, call?: MappingCall): ProjectInput {
  const s = new Scope('kantata', 'workspace', 'from-vendor');
  const r = parseVendorRecord(KantataWorkspaceRead, record, s);
  const status = ctx.projectStatuses.find((p) => String(p.key) === String(r.status.key))?.status;
  if (status === undefined) return s.fail('status.key', `is ${String(r.status.key)}${r.status.message === undefined ? '' : ` (${r.status.message})`}, which is not a project status in the mapping context`);
  const billingType: BillingType = r.tasks_default_non_billable === true ? 'non-billable' : r.stories_are_fixed_fee_by_default === true ? 'fixed-fee' : 'time-and-materials';
  let budget: { amount: string; currency: string } | undefined;
  if (r.budgeted !== false) {
    if (r.price_in_cents !== undefined) budget = minorUnitsToMoney(r.price_in_cents, r.currency, 'price_in_cents', s);
    else if (typeof r.price === 'number') budget = numberToMoney(r.price, r.currency, 'price', s);
    else if (typeof r.price === 'string' && r.price.trim() !== '') budget = decimalTextToMoney(r.price, r.currency, 'price', s);
  }
  return compact({
    businessKey: kantataBusinessKey(r.id, 'proj', call, s),
    externalIds: compact({ kantata: r.id }),
    name: r.title,
    account: requireCallRef('account', call, s),
    opportunity: call?.refs?.['opportunity'],
    status,
    startDate: r.start_date,
    endDate: r.due_date,
    billingType,
    billable: billingType !== 'non-billable',
    budget,
    currency: r.currency,
    description: r.description,
  });
}

/** `story.story_type`. */
export const storyTypeTable = new EnumTable<WorkItem['kind'], string>(
  'story_type',
  [
    ['task', 'task'],
    ['milestone', 'milestone'],
  ],
  [
    ['deliverable', 'task'],
    ['issue', 'task'],
  ],
);

/** `story.state`, the status type (with task status sets, or the legacy states without them). */
export const storyStateTable = new EnumTable<WorkItem['status'], string>(
  'story state',
  [
    ['not-started', 'not started'],
    ['in-progress', 'started'],
    ['completed', 'completed'],
  ],
  [
    ['needs info', 'in-progress'],
    ['new', 'not-started'],
    ['reopened', 'in-progress'],
    ['in progress', 'in-progress'],
    ['blocked', 'in-progress'],
    ['fixed', 'completed'],
    ['resolved', 'completed'],
    ["won't fix", 'cancelled'],
    ['duplicate', 'cancelled'],
    ["can't reproduce", 'cancelled'],
  ],
);

export function toKantataStory(item: WorkItem, _ctx: KantataMappingContext, call?: MappingCall): KantataStoryRecord {
  const s = new Scope('kantata', 'story', 'to-vendor');
  if (item.amount !== undefined && call?.currency !== undefined && item.amount.currency !== call.currency) {
    s.fail('amount.currency', `is ${item.amount.currency}, but the project's currency is ${call.currency}`);
  }
  return compact({
    title: item.name,
    story_type: storyTypeTable.toVendor(item.kind, 'kind', s),
    workspace_id: requireKantataId(item.project, 'project', call, s),
    parent_id: item.parent === undefined ? undefined : requireKantataId(item.parent, 'parent', call, s),
    start_date: item.startDate,
    due_date: item.dueDate,
    time_estimate_in_minutes: item.plannedHours === undefined ? undefined : hoursToMinutes(item.plannedHours, 'plannedHours', s),
    billable: item.billable,
    budget_estimate_in_cents: item.amount === undefined ? undefined : moneyToMinorUnits(item.amount, 'amount', s),
    state: storyStateTable.toVendor(item.status, 'status', s),
    description: item.description,
    position: item.sequence,
  });
}

export const KantataStoryRead = z.object({
  ...kBase,
  title: z.string().min(1),
  story_type: z.string().transform((v) => v.trim()),
  workspace_id: KId,
  parent_id: opt(KId),
  start_date: opt(KDate),
  due_date: opt(KDate),
  time_estimate_in_minutes: opt(z.number().int().min(0)),
  billable: opt(z.boolean()),
  budget_estimate_in_cents: opt(KCents),
  state: z.string().min(1),
  description: opt(z.string()),
  position: opt(z.number().int().min(0)),
});

/** `call.currency` (the workspace's currency) is needed to read a story budget. */
export function fromKantataStory(record: unknown, _ctx: KantataMappingContext, call?: MappingCall): WorkItemInput {
  const s = new Scope('kantata', 'story', 'from-vendor');
  const r = parseVendorRecord(KantataStoryRead, record, s);
  const kind = storyTypeTable.fromVendor(r.story_type, 'story_type', s);
  let amount: { amount: string; currency: string } | undefined;
  if (r.budget_estimate_in_cents !== undefined) {
    if (call?.currency === undefined) return s.fail('budget_estimate_in_cents', "has no currency on a story: pass the workspace's currency in call.currency");
    amount = minorUnitsToMoney(r.budget_estimate_in_cents, call.currency, 'budget_estimate_in_cents', s);
  }
  return compact({
    businessKey: kantataBusinessKey(r.id, kind === 'milestone' ? 'ms' : 'task', call, s),
    externalIds: compact({ kantata: r.id }),
    project: { externalIds: { kantata: r.workspace_id } },
    kind,
    name: r.title,
    parent: r.parent_id === undefined ? undefined : { externalIds: { kantata: r.parent_id } },
    sequence: r.position,
    status: storyStateTable.fromVendor(r.state, 'state', s),
    startDate: r.start_date,
    dueDate: r.due_date,
    plannedHours: r.time_estimate_in_minutes === undefined ? undefined : r.time_estimate_in_minutes / 60,
    // A milestone is billed when it carries an amount (a billable milestone needs one).
    billable: kind === 'milestone' ? amount !== undefined : r.billable,
    amount,
    description: r.description,
  });
}
