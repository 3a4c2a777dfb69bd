// NetSuite timeBill and expenseReport ⇄ canonical TimeEntry and Expense.
import { z } from 'zod';
import type { Expense, TimeEntry } from '../../v1/index.js';
import type * as v1 from '../../v1/index.js';
import { compact, EnumTable, opt, parseVendorRecord, requireRefId, type MappingCall } from '../common.js';
import { durationToHours, hoursToDuration, moneyToNumber, numberToMoney } from '../decimal.js';
import { Scope } from '../errors.js';
import { toNetSuiteExternalId } from '../external-id.js';
import { currencyByCode, currencyById, employeeOf, NsDate, NsEnumRead, nsBase, nsBusinessKey, NsRefRead, ref, resourceOf, subsidiaryById, sublist, type NetSuiteMappingContext, type NsRef } from './context.js';

type TimeEntryInput = z.input<typeof v1.TimeEntry>;
type ExpenseInput = z.input<typeof v1.Expense>;

export interface NetSuiteTimeBillRecord {
  externalId: string;
  employee: NsRef;
  customer: NsRef;
  caseTaskEvent?: NsRef;
  item: NsRef;
  tranDate: string;
  /** Duration, "H:MM". */
  hours: string;
  isBillable: boolean;
  rate?: number;
  memo?: string;
  approvalStatus: NsRef;
  /** A transaction column field: NetSuite applies custom fields to time entries as column fields only. */
  custcol_sw_psa_id?: string;
}

export function toNetSuiteTimeBill(entry: TimeEntry, ctx: NetSuiteMappingContext, call?: MappingCall): NetSuiteTimeBillRecord {
  const s = new Scope('netsuite', 'timeBill', 'to-vendor');
  if (entry.billRate !== undefined && call?.currency !== undefined && entry.billRate.currency !== call.currency) {
    s.fail('billRate.currency', `is ${entry.billRate.currency}, but the project's currency is ${call.currency}`);
  }
  // Time on a customer or project needs a service item: the time-and-materials item of the context.
  const item = ctx.items.find((i) => i.billingType === 'time-and-materials');
  if (item === undefined) return s.fail('project', 'needs a service item for time, but the mapping context has no time-and-materials item');
  const approval = ctx.timeApprovalStatuses.find((a) => a.status === entry.status);
  if (approval === undefined) return s.fail('status', `is "${entry.status}", which has no NetSuite approval status in the mapping context`);
  return compact({
    externalId: toNetSuiteExternalId(entry.businessKey),
    employee: employeeOf(entry.resource, undefined, 'resource', ctx, call, s),
    customer: ref(requireRefId(entry.project, 'project', ['netsuite'], call, s)),
    caseTaskEvent: entry.workItem === undefined ? undefined : ref(requireRefId(entry.workItem, 'workItem', ['netsuite'], call, s)),
    item: ref(item.id),
    tranDate: entry.date,
    hours: hoursToDuration(entry.hours, 'hours', s),
    isBillable: entry.billable,
    rate: entry.billRate === undefined ? undefined : moneyToNumber(entry.billRate, 'billRate', s),
    memo: entry.notes,
    approvalStatus: ref(approval.id),
    custcol_sw_psa_id: entry.externalIds[ctx.psaSystem],
  });
}

export const NetSuiteTimeBillRead = z.object({
  ...nsBase,
  employee: NsRefRead,
  customer: NsRefRead,
  caseTaskEvent: opt(NsRefRead),
  subsidiary: opt(NsRefRead),
  tranDate: NsDate,
  hours: z.union([z.string(), z.number()]),
  isBillable: opt(z.boolean()),
  rate: opt(z.number()),
  memo: opt(z.string()),
  approvalStatus: opt(NsRefRead),
  supervisorApproval: opt(z.boolean()),
  custcol_sw_psa_id: opt(z.string()),
});

/** The rate's currency: `call.currency` (the project's), else the subsidiary's base currency. */
export function fromNetSuiteTimeBill(record: unknown, ctx: NetSuiteMappingContext, call?: MappingCall): TimeEntryInput {
  const s = new Scope('netsuite', 'timeBill', 'from-vendor');
  const r = parseVendorRecord(NetSuiteTimeBillRead, record, s);
  let status: TimeEntry['status'];
  if (r.approvalStatus !== undefined) {
    const found = ctx.timeApprovalStatuses.find((a) => a.id === r.approvalStatus?.id);
    if (found === undefined) return s.fail('approvalStatus.id', `is ${r.approvalStatus.id}, which is not an approval status in the mapping context`);
    status = found.status;
  } else {
    // Without Advanced Approvals NetSuite has only the supervisor's checkbox.
    status = r.supervisorApproval === true ? 'approved' : 'submitted';
  }
  let billRate: { amount: string; currency: string } | undefined;
  if (r.rate !== undefined) {
    const currency = call?.currency ?? (r.subsidiary === undefined ? undefined : subsidiaryById(ctx, r.subsidiary.id, 'subsidiary.id', s).currency);
    if (currency === undefined) return s.fail('rate', "has no currency: pass the project's currency in call.currency (a time bill carries none)");
    billRate = numberToMoney(r.rate, currency, 'rate', s);
  }
  const hours = durationToHours(r.hours, 'hours', s);
  if (hours > 24) s.fail('hours', `is ${hours} h: a canonical time entry is one day (at most 24 h)`);
  return compact({
    businessKey: nsBusinessKey(r, 'te', call, s),
    externalIds: compact({ netsuite: r.id, [ctx.psaSystem]: r.custcol_sw_psa_id }),
    resource: resourceOf(r.employee.id, ctx),
    project: { externalIds: { netsuite: r.customer.id } },
    workItem: r.caseTaskEvent === undefined ? undefined : { externalIds: { netsuite: r.caseTaskEvent.id } },
    date: r.tranDate,
    hours,
    billable: r.isBillable,
    status,
    billRate,
    notes: r.memo,
  });
}

// ------------------------------------------------------------------------------------------ expense report

export interface NetSuiteExpenseLine {
  category: NsRef;
  amount: number;
  currency: NsRef;
  expenseDate: string;
  customer: NsRef;
  isBillable: boolean;
  memo?: string;
  tax1Amt?: number;
}

export interface NetSuiteExpenseReportRecord {
  externalId: string;
  entity: NsRef;
  tranDate: string;
  memo?: string;
  complete: boolean;
  supervisorApproval?: boolean;
  accountingApproval?: boolean;
  expense: { items: [NetSuiteExpenseLine] };
  custbody_sw_psa_id?: string;
}

/** What an expense status writes: the report's completion and approval checkboxes. */
const writableExpenseStatus: Readonly<Partial<Record<Expense['status'], Pick<NetSuiteExpenseReportRecord, 'complete' | 'supervisorApproval' | 'accountingApproval'>>>> = {
  draft: { complete: false },
  submitted: { complete: true },
  approved: { complete: true, supervisorApproval: true, accountingApproval: true },
};

/** `expenseReport.status` by name. */
export const expenseReportStatusTable = new EnumTable<Expense['status'], string>(
  'expense report status',
  [
    ['draft', 'In Progress'],
    ['submitted', 'Pending Supervisor Approval'],
    ['approved', 'Approved by Accounting'],
    ['rejected', 'Rejected by Supervisor'],
    ['reimbursed', 'Paid In Full'],
  ],
  [
    ['Pending Accounting Approval', 'submitted'],
    ['Approved (Overridden) by Accounting', 'approved'],
    ['Rejected by Accounting', 'rejected'],
    ['Rejected (Overridden) by Accounting', 'rejected'],
  ],
);

export function toNetSuiteExpenseReport(expense: Expense, ctx: NetSuiteMappingContext, call?: MappingCall): NetSuiteExpenseReportRecord {
  const s = new Scope('netsuite', 'expenseReport', 'to-vendor');
  const flags = writableExpenseStatus[expense.status];
  if (flags === undefined) return s.fail('status', `is "${expense.status}", which NetSuite sets itself (writable: ${Object.keys(writableExpenseStatus).join(', ')})`);
  const category = ctx.expenseCategories.find((c) => c.name === expense.category);
  if (category === undefined) return s.fail('category', `is "${expense.category}", which is not an expense category in the mapping context`);
  if (expense.taxAmount !== undefined && expense.taxAmount.currency !== expense.amount.currency) {
    s.fail('taxAmount.currency', `is ${expense.taxAmount.currency}, but the amount is in ${expense.amount.currency}`);
  }
  return compact({
    externalId: toNetSuiteExternalId(expense.businessKey),
    entity: employeeOf(expense.resource, undefined, 'resource', ctx, call, s),
    tranDate: expense.date,
    memo: expense.description,
    ...flags,
    expense: {
      items: [
        compact<NetSuiteExpenseLine>({
          category: ref(category.id),
          amount: moneyToNumber(expense.amount, 'amount', s),
          currency: currencyByCode(ctx, expense.amount.currency, 'amount.currency', s),
          expenseDate: expense.date,
          customer: ref(requireRefId(expense.project, 'project', ['netsuite'], call, s)),
          isBillable: expense.billable,
          memo: expense.description,
          tax1Amt: expense.taxAmount === undefined ? undefined : moneyToNumber(expense.taxAmount, 'taxAmount', s),
        }),
      ] as [NetSuiteExpenseLine],
    },
    custbody_sw_psa_id: expense.externalIds[ctx.psaSystem],
  });
}

const ExpenseLineRead = z.object({
  category: NsRefRead,
  amount: z.number(),
  currency: NsRefRead,
  expenseDate: opt(NsDate),
  customer: NsRefRead,
  isBillable: opt(z.boolean()),
  memo: opt(z.string()),
  tax1Amt: opt(z.number()),
});

export const NetSuiteExpenseReportRead = z.object({
  ...nsBase,
  entity: NsRefRead,
  tranDate: NsDate,
  memo: opt(z.string()),
  status: opt(NsEnumRead),
  complete: opt(z.boolean()),
  supervisorApproval: opt(z.boolean()),
  accountingApproval: opt(z.boolean()),
  expense: sublist(ExpenseLineRead),
  custbody_sw_psa_id: opt(z.string()),
});

export function fromNetSuiteExpenseReport(record: unknown, ctx: NetSuiteMappingContext, call?: MappingCall): ExpenseInput {
  const s = new Scope('netsuite', 'expenseReport', 'from-vendor');
  const r = parseVendorRecord(NetSuiteExpenseReportRead, record, s);
  const line = r.expense.items[0];
  if (line === undefined || r.expense.items.length > 1) return s.fail('expense.items', `holds ${r.expense.items.length} lines; a canonical expense is one line`);
  const category = ctx.expenseCategories.find((c) => c.id === line.category.id);
  if (category === undefined) return s.fail('expense.items[0].category.id', `is ${line.category.id}, which is not an expense category in the mapping context`);
  const currency = currencyById(ctx, line.currency.id, 'expense.items[0].currency.id', s);
  let status: Expense['status'];
  if (r.status !== undefined) {
    const name = [r.status.refName, r.status.id].find((v): v is string => v !== undefined && expenseReportStatusTable.has(v)) ?? r.status.refName ?? r.status.id;
    status = expenseReportStatusTable.fromVendor(name, 'status', s);
  } else {
    status = r.accountingApproval === true && r.supervisorApproval === true ? 'approved' : r.complete === true ? 'submitted' : 'draft';
  }
  return compact({
    businessKey: nsBusinessKey(r, 'exp', call, s),
    externalIds: compact({ netsuite: r.id, [ctx.psaSystem]: r.custbody_sw_psa_id }),
    resource: resourceOf(r.entity.id, ctx),
    project: { externalIds: { netsuite: line.customer.id } },
    date: line.expenseDate ?? r.tranDate,
    category: category.name,
    amount: numberToMoney(line.amount, currency, 'expense.items[0].amount', s),
    taxAmount: line.tax1Amt === undefined ? undefined : numberToMoney(line.tax1Amt, currency, 'expense.items[0].tax1Amt', s),
    billable: line.isBillable,
    status,
    description: line.memo ?? r.memo,
  });
}
