// Kantata OX time_entry and expense ⇄ canonical TimeEntry and Expense, invoice → Invoice.
import { z } from 'zod';
import type { Expense, Invoice, TimeEntry } from '../../v1/index.js';
import type * as v1 from '../../v1/index.js';
import { compact, EnumTable, opt, parseVendorRecord, type MappingCall } from '../common.js';
import { hoursToMinutes, minorUnitsToMoney, moneyToMinorUnits } from '../decimal.js';
import { Scope } from '../errors.js';
import { KCents, KDate, kBase, KId, kantataBusinessKey, kantataId, requireCallRef, requireKantataId, resourceOf, userOf, type KantataMappingContext } from './context.js';

type TimeEntryInput = z.input<typeof v1.TimeEntry>;
type ExpenseInput = z.input<typeof v1.Expense>;
type InvoiceInput = z.input<typeof v1.Invoice>;

export interface KantataTimeEntryRecord {
  workspace_id: number;
  user_id: number;
  date_performed: string;
  time_in_minutes: number;
  billable: boolean;
  story_id?: number;
  notes?: string;
  rate_in_cents?: number;
}

export interface KantataExpenseRecord {
  workspace_id: number;
  user_id: number;
  date: string;
  category: string;
  expense_category_id?: number;
  amount_in_cents: number;
  billable: boolean;
  reimbursable: boolean;
  notes?: string;
}

function checkProjectCurrency(money: { currency: string } | undefined, field: string, call: MappingCall | undefined, s: Scope): void {
  if (money !== undefined && call?.currency !== undefined && money.currency !== call.currency) {
    s.fail(`${field}.currency`, `is ${money.currency}, but the workspace's currency is ${call.currency} (Kantata holds amounts in the workspace currency)`);
  }
}

/**
 * Approval lives on timesheet submissions, so the status is not written; it reads back as approved,
 * submitted (in an active submission) or draft.
 */
export function toKantataTimeEntry(entry: TimeEntry, ctx: KantataMappingContext, call?: MappingCall): KantataTimeEntryRecord {
  const s = new Scope('kantata', 'time_entry', 'to-vendor');
  checkProjectCurrency(entry.billRate, 'billRate', call, s);
  return compact({
    workspace_id: requireKantataId(entry.project, 'project', call, s),
    user_id: userOf(entry.resource, 'resource', ctx, call, s),
    date_performed: entry.date,
    time_in_minutes: hoursToMinutes(entry.hours, 'hours', s),
    billable: entry.billable,
    story_id: entry.workItem === undefined ? undefined : requireKantataId(entry.workItem, 'workItem', call, s),
    notes: entry.notes,
    rate_in_cents: entry.billRate === undefined ? undefined : moneyToMinorUnits(entry.billRate, 'billRate', s),
  });
}

export const KantataTimeEntryRead = z.object({
  ...kBase,
  workspace_id: KId,
  user_id: KId,
  story_id: opt(KId),
  date_performed: KDate,
  time_in_minutes: z.number().int().min(0).max(24 * 60),
  billable: opt(z.boolean()),
  notes: opt(z.string()),
  rate_in_cents: opt(KCents),
  cost_rate_in_cents: opt(KCents),
  currency: opt(z.string().length(3)),
  approved: opt(z.boolean()),
  active_submission_id: opt(KId),
});

export function fromKantataTimeEntry(record: unknown, ctx: KantataMappingContext, call?: MappingCall): TimeEntryInput {
  const s = new Scope('kantata', 'time_entry', 'from-vendor');
  const r = parseVendorRecord(KantataTimeEntryRead, record, s);
  const currency = r.currency ?? call?.currency;
  if ((r.rate_in_cents !== undefined || r.cost_rate_in_cents !== undefined) && currency === undefined) {
    return s.fail('currency', "is required to read the rates: the entry has none and call.currency is not set");
  }
  const money = (cents: number | undefined, field: string) => (cents === undefined || currency === undefined ? undefined : minorUnitsToMoney(cents, currency, field, s));
  return compact({
    businessKey: kantataBusinessKey(r.id, 'te', call, s),
    externalIds: compact({ kantata: r.id }),
    resource: resourceOf(r.user_id, ctx),
    project: { externalIds: { kantata: r.workspace_id } },
    workItem: r.story_id === undefined ? undefined : { externalIds: { kantata: r.story_id } },
    date: r.date_performed,
    hours: r.time_in_minutes / 60,
    billable: r.billable,
    status: r.approved === true ? 'approved' : r.active_submission_id !== undefined ? 'submitted' : 'draft',
    billRate: money(r.rate_in_cents, 'rate_in_cents'),
    costRate: money(r.cost_rate_in_cents, 'cost_rate_in_cents'),
    notes: r.notes,
  });
}

/** Expense approval lives on expense report submissions: the status is not written (see toKantataTimeEntry). */
export function toKantataExpense(expense: Expense, ctx: KantataMappingContext, call?: MappingCall): KantataExpenseRecord {
  const s = new Scope('kantata', 'expense', 'to-vendor');
  checkProjectCurrency(expense.amount, 'amount', call, s);
  const category = ctx.expenseCategories.find((c) => c.name === expense.category);
  return compact({
    workspace_id: requireKantataId(expense.project, 'project', call, s),
    user_id: userOf(expense.resource, 'resource', ctx, call, s),
    date: expense.date,
    category: expense.category,
    expense_category_id: category === undefined ? undefined : kantataId(category.id, 'category', s),
    amount_in_cents: moneyToMinorUnits(expense.amount, 'amount', s),
    billable: expense.billable,
    reimbursable: expense.reimbursable,
    notes: expense.description,
  });
}

export const KantataExpenseRead = z.object({
  ...kBase,
  workspace_id: KId,
  user_id: KId,
  date: KDate,
  category: z.string().min(1),
  amount_in_cents: KCents.min(0),
  currency: z.string().length(3),
  is_billable: opt(z.boolean()),
  /** The write name, accepted too. */
  billable: opt(z.boolean()),
  reimbursable: opt(z.boolean()),
  notes: opt(z.string()),
  active_submission_id: opt(KId),
});

export function fromKantataExpense(record: unknown, ctx: KantataMappingContext, call?: MappingCall): ExpenseInput {
  const s = new Scope('kantata', 'expense', 'from-vendor');
  const r = parseVendorRecord(KantataExpenseRead, record, s);
  const status: Expense['status'] = r.active_submission_id !== undefined ? 'submitted' : 'draft';
  return compact({
    businessKey: kantataBusinessKey(r.id, 'exp', call, s),
    externalIds: compact({ kantata: r.id }),
    resource: resourceOf(r.user_id, ctx),
    project: { externalIds: { kantata: r.workspace_id } },
    date: r.date,
    category: r.category,
    amount: minorUnitsToMoney(r.amount_in_cents, r.currency, 'amount_in_cents', s),
    billable: r.is_billable ?? r.billable,
    reimbursable: r.reimbursable,
    status,
    description: r.notes,
  });
}

// ------------------------------------------------------------------------------------------------ invoice

/** `invoice.status`; a `new` invoice that is still a draft reads as draft. */
export const kantataInvoiceStatusTable = new EnumTable<Invoice['status'], string>('invoice status', [
  ['open', 'new'],
  ['void', 'cancelled'],
  ['paid', 'accepted payment'],
]);

export const KantataInvoiceRead = z.object({
  ...kBase,
  user_invoice_number: z.union([z.number().int(), z.string().min(1)]),
  invoice_date: KDate,
  due_date: opt(KDate),
  currency: z.string().length(3),
  status: z.string().min(1),
  draft: opt(z.boolean()),
  balance_in_cents: KCents,
  total_in_cents: opt(KCents),
  payment_schedule: opt(z.number().int().min(0).max(365)),
  purchase_order: opt(z.string()),
  workspace_ids: opt(z.array(KId)),
});

/** An invoice has no customer field: pass the account in `call.refs.account`. */
export function fromKantataInvoice(record: unknown, _ctx: KantataMappingContext, call?: MappingCall): InvoiceInput {
  const s = new Scope('kantata', 'invoice', 'from-vendor');
  const r = parseVendorRecord(KantataInvoiceRead, record, s);
  let status = kantataInvoiceStatusTable.fromVendor(r.status, 'status', s);
  if (status === 'open' && r.draft === true) status = 'draft';
  const balance = minorUnitsToMoney(r.balance_in_cents, r.currency, 'balance_in_cents', s);
  // The total is documented only through the balance; until something is paid the two are equal.
  let total = r.total_in_cents === undefined ? undefined : minorUnitsToMoney(r.total_in_cents, r.currency, 'total_in_cents', s);
  if (total === undefined) {
    if (status === 'paid') return s.fail('total_in_cents', 'is required for a paid invoice (the balance no longer equals the total)');
    total = balance;
  }
  const workspaces = r.workspace_ids ?? [];
  const invoiceNumber = String(r.user_invoice_number);
  return compact({
    businessKey: call?.businessKey ?? `inv:kantata:${invoiceNumber}`,
    externalIds: compact({ kantata: r.id }),
    invoiceNumber,
    account: requireCallRef('account', call, s),
    project: workspaces.length === 1 ? { externalIds: { kantata: workspaces[0] } } : undefined,
    currency: r.currency,
    invoiceDate: r.invoice_date,
    dueDate: r.due_date,
    status,
    // Kantata keeps payment terms as a number of days (`payment_schedule`, 30 for Net 30).
    paymentTerms: r.payment_schedule === undefined ? undefined : { code: r.payment_schedule === 0 ? 'DUE' : `NET${r.payment_schedule}`, days: r.payment_schedule },
    poNumber: r.purchase_order,
    total,
    amountDue: balance,
  });
}
