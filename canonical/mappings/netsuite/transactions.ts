// NetSuite salesOrder ⇄ canonical Opportunity (a won opportunity becomes a sales order), invoice → Invoice,
// customerPayment → Payment.
import { z } from 'zod';
import type { Invoice, Opportunity } from '../../v1/index.js';
import type * as v1 from '../../v1/index.js';
import { compact, EnumTable, opt, parseVendorRecord, requireRefId, type MappingCall } from '../common.js';
import { addDecimals, currencyDigits, decimalToNumber, moneyToNumber, numberToDecimal, numberToMoney, roundDecimal } from '../decimal.js';
import { Scope } from '../errors.js';
import { toNetSuiteExternalId } from '../external-id.js';
import {
  currencyByCode,
  currencyById,
  itemFor,
  legalEntityOf,
  NsDate,
  NsEnumRead,
  nsBase,
  nsBusinessKey,
  NsRefRead,
  ref,
  subsidiaryByCode,
  subsidiaryById,
  sublist,
  termsByCode,
  termsById,
  type NetSuiteMappingContext,
  type NsRef,
} from './context.js';

type OpportunityInput = z.input<typeof v1.Opportunity>;
type InvoiceInput = z.input<typeof v1.Invoice>;
type PaymentInput = z.input<typeof v1.Payment>;

/** The opportunity stage a sales order stands for. */
export const SALES_ORDER_STAGE = 'Closed Won';

export interface NetSuiteSalesOrderLine {
  item: NsRef;
  quantity: number;
  rate: number;
  amount: number;
  description?: string;
}

export interface NetSuiteSalesOrderRecord {
  externalId: string;
  entity: NsRef;
  tranDate: string;
  currency: NsRef;
  subsidiary?: NsRef;
  terms?: NsRef;
  otherRefNum?: string;
  startDate?: string;
  endDate?: string;
  memo: string;
  item: { items: NetSuiteSalesOrderLine[] };
  custbody_sw_salesforce_opp_id?: string;
  custbody_sw_correlation_id?: string;
}

function sumAmounts(amounts: readonly string[]): string {
  return amounts.reduce((sum, a) => addDecimals(sum, a), '0');
}

export function toNetSuiteSalesOrder(opp: Opportunity, ctx: NetSuiteMappingContext, call?: MappingCall): NetSuiteSalesOrderRecord {
  const s = new Scope('netsuite', 'salesOrder', 'to-vendor');
  if (opp.status !== 'won') s.fail('status', `is "${opp.status}": only a won opportunity becomes a sales order`);
  const currency = opp.currency ?? opp.amount?.currency ?? opp.lineItems[0]?.unitPrice.currency;
  if (currency === undefined) return s.fail('currency', 'is required for a sales order (no currency, amount or line to take it from)');
  const moneys: Array<readonly [string, { currency: string } | undefined]> = [
    ['amount', opp.amount],
    ...opp.lineItems.flatMap((l, i) => [[`lineItems[${i}].unitPrice`, l.unitPrice] as const, [`lineItems[${i}].total`, l.total] as const]),
  ];
  for (const [field, money] of moneys) {
    if (money !== undefined && money.currency !== currency) s.fail(`${field}.currency`, `is ${money.currency}, but the sales order is in ${currency}`);
  }
  const terms = opp.contractTerms;
  return compact({
    externalId: toNetSuiteExternalId(opp.businessKey),
    entity: ref(requireRefId(opp.account, 'account', ['netsuite'], call, s)),
    tranDate: opp.closeDate,
    currency: currencyByCode(ctx, currency, opp.currency !== undefined ? 'currency' : 'amount.currency', s),
    subsidiary: opp.legalEntity === undefined ? undefined : ref(subsidiaryByCode(ctx, opp.legalEntity.code, 'legalEntity.code', s).id),
    terms: terms?.paymentTerms === undefined ? undefined : termsByCode(ctx, terms.paymentTerms.code, 'contractTerms.paymentTerms.code', s),
    otherRefNum: terms?.poNumber,
    startDate: terms?.startDate,
    endDate: terms?.endDate,
    memo: opp.name,
    item: {
      items: opp.lineItems.map((line, i) =>
        compact({
          item: itemFor(ctx, line.productCode, line.billingType ?? opp.billingType, `lineItems[${i}]`, s),
          quantity: decimalToNumber(line.quantity, `lineItems[${i}].quantity`, s),
          rate: moneyToNumber(line.unitPrice, `lineItems[${i}].unitPrice`, s),
          amount: moneyToNumber(line.total, `lineItems[${i}].total`, s),
          description: line.description,
        }),
      ),
    },
    custbody_sw_salesforce_opp_id: opp.externalIds.salesforce,
    custbody_sw_correlation_id: call?.correlationId,
  });
}

const SalesLineRead = z.object({
  line: opt(z.number().int().min(1)),
  item: NsRefRead,
  quantity: z.number().min(0),
  rate: z.number(),
  amount: z.number(),
  description: opt(z.string()),
});

export const NetSuiteSalesOrderRead = z.object({
  ...nsBase,
  tranId: opt(z.string()),
  entity: NsRefRead,
  tranDate: NsDate,
  currency: NsRefRead,
  subsidiary: opt(NsRefRead),
  terms: opt(NsRefRead),
  otherRefNum: opt(z.string()),
  startDate: opt(NsDate),
  endDate: opt(NsDate),
  memo: opt(z.string()),
  total: opt(z.number()),
  item: opt(sublist(SalesLineRead)),
  custbody_sw_salesforce_opp_id: opt(z.string()),
});

export function fromNetSuiteSalesOrder(record: unknown, ctx: NetSuiteMappingContext, call?: MappingCall): OpportunityInput {
  const s = new Scope('netsuite', 'salesOrder', 'from-vendor');
  const r = parseVendorRecord(NetSuiteSalesOrderRead, record, s);
  const currency = currencyById(ctx, r.currency.id, 'currency.id', s);
  const name = r.memo ?? r.tranId;
  if (name === undefined) return s.fail('memo', 'is required (it holds the opportunity name)');
  if ((r.terms !== undefined || r.otherRefNum !== undefined || r.endDate !== undefined) && r.startDate === undefined) {
    s.fail('startDate', 'is required when the sales order has terms, a PO number or an end date (canonical contract terms start on a date)');
  }
  const lines = (r.item?.items ?? []).map((line, i) => {
    const f = `item.items[${i}]`;
    const item = ctx.items.find((x) => x.id === line.item.id);
    return compact({
      lineNumber: line.line ?? i + 1,
      productCode: item?.productCode,
      billingType: item?.billingType,
      description: line.description,
      quantity: numberToDecimal(line.quantity, `${f}.quantity`, s),
      unitPrice: numberToMoney(line.rate, currency, `${f}.rate`, s),
      total: numberToMoney(line.amount, currency, `${f}.amount`, s),
    });
  });
  const amount =
    r.total !== undefined
      ? numberToMoney(r.total, currency, 'total', s)
      : lines.length > 0
        ? { amount: roundDecimal(sumAmounts(lines.map((l) => l.total.amount)), currencyDigits(currency)), currency }
        : undefined;
  return compact({
    businessKey: nsBusinessKey(r, 'opp', call, s),
    externalIds: compact({ netsuite: r.id, salesforce: r.custbody_sw_salesforce_opp_id }),
    name,
    account: { externalIds: { netsuite: r.entity.id } },
    stage: SALES_ORDER_STAGE,
    status: 'won',
    closeDate: r.tranDate,
    amount,
    currency,
    legalEntity: r.subsidiary === undefined ? undefined : legalEntityOf(subsidiaryById(ctx, r.subsidiary.id, 'subsidiary.id', s)),
    contractTerms:
      r.startDate === undefined
        ? undefined
        : compact({
            startDate: r.startDate,
            endDate: r.endDate,
            paymentTerms: r.terms === undefined ? undefined : termsById(ctx, r.terms.id, 'terms.id', s),
            poNumber: r.otherRefNum,
          }),
    lineItems: lines,
  });
}

// ------------------------------------------------------------------------------------------------ invoice

/** Invoice status by NetSuite status id (`CustInvc:A` in SuiteQL) or its name. */
export const invoiceStatusTable = new EnumTable<Invoice['status'], string>(
  'invoice status',
  [
    ['open', 'A'],
    ['paid', 'B'],
    ['draft', 'D'],
    ['void', 'V'],
  ],
  [
    ['E', 'void'],
    ['Open', 'open'],
    ['Paid In Full', 'paid'],
    ['Pending Approval', 'draft'],
    ['Rejected', 'void'],
    ['Voided', 'void'],
  ],
);

const InvoiceLineRead = z.object({
  line: opt(z.number().int().min(1)),
  item: opt(NsRefRead),
  description: opt(z.string()),
  quantity: opt(z.number().min(0)),
  rate: opt(z.number()),
  amount: z.number(),
  tax1Amt: opt(z.number()),
});

export const NetSuiteInvoiceRead = z.object({
  ...nsBase,
  tranId: z.string().min(1),
  entity: NsRefRead,
  job: opt(NsRefRead),
  createdFrom: opt(NsRefRead),
  subsidiary: opt(NsRefRead),
  currency: NsRefRead,
  tranDate: NsDate,
  dueDate: opt(NsDate),
  terms: opt(NsRefRead),
  otherRefNum: opt(z.string()),
  status: NsEnumRead,
  total: z.number(),
  subtotal: opt(z.number()),
  taxTotal: opt(z.number()),
  amountPaid: opt(z.number()),
  amountRemaining: opt(z.number()),
  item: opt(sublist(InvoiceLineRead)),
  custbody_sw_salesforce_opp_id: opt(z.string()),
});

function readInvoiceStatus(status: { id: string; refName?: string | undefined }, amountPaid: number | undefined, s: Scope): Invoice['status'] {
  const id = status.id.replace(/^CustInvc:/, '');
  const known = [id, status.refName].find((v): v is string => v !== undefined && invoiceStatusTable.has(v));
  const value = invoiceStatusTable.fromVendor(known ?? id, 'status', s);
  return value === 'open' && amountPaid !== undefined && amountPaid > 0 ? 'partially-paid' : value;
}

export function fromNetSuiteInvoice(record: unknown, ctx: NetSuiteMappingContext, call?: MappingCall): InvoiceInput {
  const s = new Scope('netsuite', 'invoice', 'from-vendor');
  const r = parseVendorRecord(NetSuiteInvoiceRead, record, s);
  const currency = currencyById(ctx, r.currency.id, 'currency.id', s);
  const money = (n: number | undefined, field: string) => (n === undefined ? undefined : numberToMoney(n, currency, field, s));
  const opportunity = compact({ netsuite: r.createdFrom?.id, salesforce: r.custbody_sw_salesforce_opp_id });
  return compact({
    // Invoices are born in NetSuite: keyed by their number unless Syncwright created them.
    businessKey: nsBusinessKey(r, 'inv', call, s, `inv:${r.tranId}`),
    externalIds: compact({ netsuite: r.id }),
    invoiceNumber: r.tranId,
    account: { externalIds: { netsuite: r.entity.id } },
    project: r.job === undefined ? undefined : { externalIds: { netsuite: r.job.id } },
    opportunity: Object.keys(opportunity).length === 0 ? undefined : { externalIds: opportunity },
    legalEntity: r.subsidiary === undefined ? undefined : legalEntityOf(subsidiaryById(ctx, r.subsidiary.id, 'subsidiary.id', s)),
    currency,
    invoiceDate: r.tranDate,
    dueDate: r.dueDate,
    status: readInvoiceStatus(r.status, r.amountPaid, s),
    paymentTerms: r.terms === undefined ? undefined : termsById(ctx, r.terms.id, 'terms.id', s),
    poNumber: r.otherRefNum,
    lines: (r.item?.items ?? []).map((line, i) => {
      const f = `item.items[${i}]`;
      const quantity = line.quantity ?? 1;
      return compact({
        lineNumber: line.line ?? i + 1,
        description: line.description,
        itemCode: line.item === undefined ? undefined : (line.item.refName ?? ctx.items.find((x) => x.id === line.item?.id)?.name),
        quantity: numberToDecimal(quantity, `${f}.quantity`, s),
        unitPrice: numberToMoney(line.rate ?? line.amount, currency, `${f}.rate`, s),
        amount: numberToMoney(line.amount, currency, `${f}.amount`, s),
        taxAmount: money(line.tax1Amt, `${f}.tax1Amt`),
      });
    }),
    subtotal: money(r.subtotal, 'subtotal'),
    taxTotal: money(r.taxTotal, 'taxTotal'),
    total: numberToMoney(r.total, currency, 'total', s),
    amountPaid: money(r.amountPaid, 'amountPaid'),
    amountDue: money(r.amountRemaining, 'amountRemaining'),
  });
}

// ------------------------------------------------------------------------------------------------ payment

const ApplyLineRead = z.object({
  apply: opt(z.boolean()),
  doc: NsRefRead,
  amount: z.number(),
  refNum: opt(z.string()),
});

export const NetSuiteCustomerPaymentRead = z.object({
  ...nsBase,
  tranId: opt(z.string()),
  customer: NsRefRead,
  payment: z.number(),
  currency: NsRefRead,
  tranDate: NsDate,
  paymentMethod: opt(NsRefRead),
  checkNum: opt(z.string()),
  memo: opt(z.string()),
  status: opt(NsEnumRead),
  apply: opt(sublist(ApplyLineRead)),
});

export function fromNetSuiteCustomerPayment(record: unknown, ctx: NetSuiteMappingContext, call?: MappingCall): PaymentInput {
  const s = new Scope('netsuite', 'customerPayment', 'from-vendor');
  const r = parseVendorRecord(NetSuiteCustomerPaymentRead, record, s);
  const currency = currencyById(ctx, r.currency.id, 'currency.id', s);
  let method: PaymentInput['method'];
  if (r.paymentMethod !== undefined) {
    const name = r.paymentMethod.refName;
    const found = name === undefined ? undefined : ctx.paymentMethods.find((m) => m.name === name);
    if (found === undefined) return s.fail('paymentMethod', `is ${name ?? r.paymentMethod.id}, which is not a payment method in the mapping context`);
    method = found.method;
  }
  const applied = (r.apply?.items ?? []).filter((l) => l.apply !== false && l.amount !== 0);
  const voided = r.status !== undefined && /^void/i.test(r.status.refName ?? r.status.id);
  return compact({
    // Payments are born in NetSuite: keyed by their number unless Syncwright created them.
    businessKey: nsBusinessKey(r, 'pay', call, s, r.tranId === undefined ? undefined : `pay:${r.tranId}`),
    externalIds: compact({ netsuite: r.id }),
    paymentNumber: r.tranId,
    account: { externalIds: { netsuite: r.customer.id } },
    amount: numberToMoney(r.payment, currency, 'payment', s),
    paymentDate: r.tranDate,
    method,
    status: voided ? 'reversed' : applied.length > 0 ? 'applied' : 'received',
    reference: r.checkNum ?? r.memo,
    applications: applied.map((l, i) => ({
      // An invoice read from NetSuite is keyed inv:<number> (see fromNetSuiteInvoice), so the reference matches it.
      invoice: compact({ businessKey: l.refNum === undefined ? undefined : `inv:${l.refNum}`, externalIds: { netsuite: l.doc.id } }),
      amountApplied: numberToMoney(l.amount, currency, `apply.items[${i}].amount`, s),
    })),
  });
}
