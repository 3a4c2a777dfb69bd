// Salesforce Opportunity with its OpportunityLineItems ⇄ canonical Opportunity.
import { z } from 'zod';
import type { BillingFrequency } from '../../primitives.js';
import type { Opportunity } from '../../v1/index.js';
import * as v1 from '../../v1/index.js';
import { compact, EnumTable, opt, parseVendorRecord, type MappingCall } from '../common.js';
import { currencyDigits, decimalToNumber, hoursToScaledNumber, moneyToNumber, multiplyDecimals, numberToDecimal, numberToMoney, roundDecimal, subtractDecimals } from '../decimal.js';
import { Scope } from '../errors.js';
import {
  billingTypePicklist,
  legalEntityOf,
  lookup,
  paymentTermsOf,
  readLookup,
  recordCurrency,
  RelatedKey,
  SfDate,
  sfBase,
  SfId,
  type KeyReference,
  type SalesforceMappingContext,
} from './context.js';

type Frequency = z.infer<typeof BillingFrequency>;
type OpportunityInput = z.input<typeof v1.Opportunity>;
type SalesLine = Opportunity['lineItems'][number];
type SalesLineInput = NonNullable<OpportunityInput['lineItems']>[number];

/** Long text area limit of `Resource_Needs__c`. */
const LONG_TEXT_MAX = 131_072;

export interface SalesforceOpportunityRecord {
  Syncwright_Key__c: string;
  Name: string;
  AccountId?: string;
  Account?: KeyReference;
  StageName: string;
  CloseDate: string;
  Amount?: number;
  CurrencyIsoCode?: string;
  Probability?: number;
  Type?: string;
  Description?: string;
  Billing_Type__c?: string;
  Service_Line__c?: string;
  Legal_Entity__c?: string;
  Contract_Start_Date__c?: string;
  Contract_End_Date__c?: string;
  Payment_Terms__c?: string;
  Billing_Frequency__c?: string;
  PO_Number__c?: string;
  Project_Manager_Email__c?: string;
  Resource_Needs__c?: string;
  NetSuite_Customer_Id__c?: string;
  NetSuite_Sales_Order_Id__c?: string;
  Sync_Correlation_Id__c?: string;
}

export interface SalesforceOpportunityLineItemRecord {
  OpportunityId?: string;
  Opportunity?: KeyReference;
  PricebookEntryId?: string;
  Quantity: number;
  UnitPrice: number;
  Discount?: number;
  Description?: string;
  ServiceDate?: string;
  Line_Number__c: number;
  Billing_Type__c?: string;
  Service_Line__c?: string;
  Role__c?: string;
  Hours__c?: number;
  End_Date__c?: string;
}

/** An opportunity and its lines; the connector upserts the opportunity, then replaces its lines by Line_Number__c. */
export interface SalesforceOpportunityWrite {
  record: SalesforceOpportunityRecord;
  lineItems: SalesforceOpportunityLineItemRecord[];
}

/** `Billing_Frequency__c` picklist. */
export const billingFrequencyPicklist = new EnumTable<Frequency, string>('Billing_Frequency__c picklist value', [
  ['one-time', 'One-Time'],
  ['weekly', 'Weekly'],
  ['monthly', 'Monthly'],
  ['quarterly', 'Quarterly'],
  ['annually', 'Annually'],
  ['on-milestone', 'On Milestone'],
]);

function checkStage(opp: Opportunity, ctx: SalesforceMappingContext, s: Scope): void {
  const won = ctx.wonStages.includes(opp.stage);
  const lost = ctx.lostStages.includes(opp.stage);
  const implied = won ? 'won' : lost ? 'lost' : 'open';
  // Salesforce derives IsWon/IsClosed from StageName; a status the stage contradicts would be lost silently.
  if (implied !== opp.status) s.fail('status', `is "${opp.status}", but stage "${opp.stage}" means "${implied}" in Salesforce`);
}

function toLineItem(line: SalesLine, index: number, opp: Opportunity, ctx: SalesforceMappingContext, call: MappingCall | undefined, s: Scope): SalesforceOpportunityLineItemRecord {
  const f = `lineItems[${index}]`;
  let pricebookEntryId: string | undefined;
  if (ctx.pricebookEntryIds !== undefined) {
    if (line.productCode === undefined) s.fail(`${f}.productCode`, 'is required: the org needs a PricebookEntry for every line');
    pricebookEntryId = ctx.pricebookEntryIds[line.productCode];
    if (pricebookEntryId === undefined) s.fail(`${f}.productCode`, `is "${line.productCode}", which has no PricebookEntry in the mapping context`);
  }
  return compact({
    ...lookup({ businessKey: opp.businessKey, externalIds: opp.externalIds }, 'opportunity', 'OpportunityId', 'Opportunity', ['salesforce'], call, s, true),
    PricebookEntryId: pricebookEntryId,
    Quantity: decimalToNumber(line.quantity, `${f}.quantity`, s),
    // Salesforce computes TotalPrice from UnitPrice, Quantity and Discount and refuses both prices at once.
    UnitPrice: moneyToNumber(line.unitPrice, `${f}.unitPrice`, s),
    Discount: line.discountPercent === undefined ? undefined : decimalToNumber(line.discountPercent, `${f}.discountPercent`, s, 2),
    Description: line.description,
    ServiceDate: line.startDate,
    Line_Number__c: line.lineNumber,
    Billing_Type__c: line.billingType === undefined ? undefined : billingTypePicklist.toVendor(line.billingType, `${f}.billingType`, s),
    Service_Line__c: line.serviceLine,
    Role__c: line.role,
    Hours__c: line.hours === undefined ? undefined : hoursToScaledNumber(line.hours, 2, `${f}.hours`, s),
    End_Date__c: line.endDate,
  });
}

export function toSalesforceOpportunity(opp: Opportunity, ctx: SalesforceMappingContext, call?: MappingCall): SalesforceOpportunityWrite {
  const s = new Scope('salesforce', 'Opportunity', 'to-vendor');
  checkStage(opp, ctx, s);
  const currency = recordCurrency(
    [['amount', opp.amount], ...opp.lineItems.flatMap((l, i) => [[`lineItems[${i}].unitPrice`, l.unitPrice] as const, [`lineItems[${i}].total`, l.total] as const])],
    ['currency', opp.currency],
    ctx,
    s,
  );
  const needs = opp.resourceNeeds === undefined ? undefined : JSON.stringify(opp.resourceNeeds);
  if (needs !== undefined && needs.length > LONG_TEXT_MAX) s.fail('resourceNeeds', `is ${needs.length} characters as JSON; Resource_Needs__c holds ${LONG_TEXT_MAX}`);
  const terms = opp.contractTerms;
  const record = compact({
    Syncwright_Key__c: opp.businessKey,
    Name: opp.name,
    ...lookup(opp.account, 'account', 'AccountId', 'Account', ['salesforce'], call, s, true),
    StageName: opp.stage,
    CloseDate: opp.closeDate,
    Amount: opp.amount === undefined ? undefined : moneyToNumber(opp.amount, 'amount', s),
    CurrencyIsoCode: currency,
    Probability: opp.probability,
    Type: opp.type,
    Description: opp.description,
    Billing_Type__c: opp.billingType === undefined ? undefined : billingTypePicklist.toVendor(opp.billingType, 'billingType', s),
    Service_Line__c: opp.serviceLine,
    Legal_Entity__c: opp.legalEntity?.code,
    Contract_Start_Date__c: terms?.startDate,
    Contract_End_Date__c: terms?.endDate,
    Payment_Terms__c: terms?.paymentTerms?.code,
    Billing_Frequency__c: terms?.billingFrequency === undefined ? undefined : billingFrequencyPicklist.toVendor(terms.billingFrequency, 'contractTerms.billingFrequency', s),
    PO_Number__c: terms?.poNumber,
    Project_Manager_Email__c: opp.projectManager?.email,
    Resource_Needs__c: needs,
    NetSuite_Customer_Id__c: opp.account.externalIds?.netsuite,
    NetSuite_Sales_Order_Id__c: opp.externalIds.netsuite,
    Sync_Correlation_Id__c: call?.correlationId,
  });
  return { record, lineItems: opp.lineItems.map((line, i) => toLineItem(line, i, opp, ctx, call, s)) };
}

const LineItemRead = z.object({
  Id: opt(SfId),
  Quantity: z.number(),
  UnitPrice: z.number(),
  TotalPrice: opt(z.number()),
  Discount: opt(z.number()),
  Description: opt(z.string()),
  ServiceDate: opt(SfDate),
  ProductCode: opt(z.string()),
  Name: opt(z.string()),
  Line_Number__c: opt(z.number().int().min(1)),
  Billing_Type__c: opt(z.string()),
  Service_Line__c: opt(z.string()),
  Role__c: opt(z.string()),
  Hours__c: opt(z.number().min(0)),
  End_Date__c: opt(SfDate),
});

export const SalesforceOpportunityRead = z.object({
  ...sfBase,
  Name: z.string().min(1),
  AccountId: opt(SfId),
  Account: RelatedKey,
  StageName: z.string().min(1),
  CloseDate: SfDate,
  IsWon: opt(z.boolean()),
  IsClosed: opt(z.boolean()),
  Amount: opt(z.number()),
  Probability: opt(z.number().min(0).max(100)),
  Type: opt(z.string()),
  Description: opt(z.string()),
  Billing_Type__c: opt(z.string()),
  Service_Line__c: opt(z.string()),
  Legal_Entity__c: opt(z.string()),
  Contract_Start_Date__c: opt(SfDate),
  Contract_End_Date__c: opt(SfDate),
  Payment_Terms__c: opt(z.string()),
  Billing_Frequency__c: opt(z.string()),
  PO_Number__c: opt(z.string()),
  Project_Manager_Email__c: opt(z.string()),
  Resource_Needs__c: opt(z.string()),
  NetSuite_Customer_Id__c: opt(z.string()),
  NetSuite_Sales_Order_Id__c: opt(z.string()),
  /** A relationship sub-query (`SELECT …, (SELECT … FROM OpportunityLineItems) FROM Opportunity`). */
  OpportunityLineItems: opt(z.object({ records: z.array(LineItemRead) })),
});

function readStatus(r: z.output<typeof SalesforceOpportunityRead>, ctx: SalesforceMappingContext): Opportunity['status'] {
  if (r.IsWon !== undefined && r.IsClosed !== undefined) return r.IsWon ? 'won' : r.IsClosed ? 'lost' : 'open';
  return ctx.wonStages.includes(r.StageName) ? 'won' : ctx.lostStages.includes(r.StageName) ? 'lost' : 'open';
}

function readResourceNeeds(text: string | undefined, s: Scope): Array<z.output<typeof v1.ResourceNeed>> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return s.fail('Resource_Needs__c', 'is not JSON (it holds the resource needs as a JSON array)');
  }
  const needs = z.array(v1.ResourceNeed).safeParse(parsed);
  if (!needs.success) return s.fail('Resource_Needs__c', `is not a JSON array of resource needs: ${needs.error.issues[0]?.message ?? ''}`);
  return needs.data;
}

export function fromSalesforceOpportunity(record: unknown, ctx: SalesforceMappingContext, call?: MappingCall): OpportunityInput {
  const s = new Scope('salesforce', 'Opportunity', 'from-vendor');
  const r = parseVendorRecord(SalesforceOpportunityRead, record, s);
  const currency = r.CurrencyIsoCode ?? ctx.corporateCurrency;
  const account = readLookup('salesforce', r.AccountId, r.Account);
  if (account === undefined) return s.fail('AccountId', 'is required (a canonical opportunity belongs to an account)');
  if (r.NetSuite_Customer_Id__c !== undefined) account.externalIds = { ...account.externalIds, netsuite: r.NetSuite_Customer_Id__c };
  const hasTerms = [r.Contract_End_Date__c, r.Payment_Terms__c, r.Billing_Frequency__c, r.PO_Number__c].some((v) => v !== undefined);
  if (hasTerms && r.Contract_Start_Date__c === undefined) s.fail('Contract_Start_Date__c', 'is required when the opportunity has contract terms');
  const lines = r.OpportunityLineItems?.records ?? [];
  return compact({
    // Opportunities are keyed by their Salesforce id (`opp:006…`) when Syncwright did not create them.
    businessKey: r.Syncwright_Key__c ?? call?.businessKey ?? (r.Id !== undefined ? `opp:${r.Id}` : s.fail('Syncwright_Key__c', 'is required when the record has no Id')),
    externalIds: compact({ salesforce: r.Id, netsuite: r.NetSuite_Sales_Order_Id__c }),
    name: r.Name,
    account,
    stage: r.StageName,
    status: readStatus(r, ctx),
    closeDate: r.CloseDate,
    amount: r.Amount === undefined ? undefined : numberToMoney(r.Amount, currency, 'Amount', s),
    currency: r.CurrencyIsoCode,
    probability: r.Probability,
    legalEntity: legalEntityOf(r.Legal_Entity__c, ctx),
    serviceLine: r.Service_Line__c,
    billingType: r.Billing_Type__c === undefined ? undefined : billingTypePicklist.fromVendor(r.Billing_Type__c, 'Billing_Type__c', s),
    contractTerms:
      r.Contract_Start_Date__c === undefined
        ? undefined
        : compact({
            startDate: r.Contract_Start_Date__c,
            endDate: r.Contract_End_Date__c,
            paymentTerms: paymentTermsOf(r.Payment_Terms__c, ctx),
            billingFrequency: r.Billing_Frequency__c === undefined ? undefined : billingFrequencyPicklist.fromVendor(r.Billing_Frequency__c, 'Billing_Frequency__c', s),
            poNumber: r.PO_Number__c,
          }),
    lineItems: lines.map((line, i) => readLineItem(line, i, currency, s)),
    resourceNeeds: readResourceNeeds(r.Resource_Needs__c, s),
    projectManager: r.Project_Manager_Email__c === undefined ? undefined : { email: r.Project_Manager_Email__c },
    description: r.Description,
    type: r.Type,
  });
}

function readLineItem(line: z.output<typeof LineItemRead>, index: number, currency: string, s: Scope): SalesLineInput {
  const f = `OpportunityLineItems.records[${index}]`;
  const quantity = numberToDecimal(line.Quantity, `${f}.Quantity`, s);
  const unitPrice = numberToMoney(line.UnitPrice, currency, `${f}.UnitPrice`, s);
  const discount = line.Discount === undefined ? undefined : numberToDecimal(line.Discount, `${f}.Discount`, s);
  // TotalPrice is what Salesforce computed; when a caller did not select it, compute it the same way.
  const gross = multiplyDecimals(quantity, unitPrice.amount);
  const net = discount === undefined ? gross : multiplyDecimals(gross, multiplyDecimals(subtractDecimals('100', discount), '0.01'));
  const total =
    line.TotalPrice !== undefined ? numberToMoney(line.TotalPrice, currency, `${f}.TotalPrice`, s) : { amount: roundDecimal(net, currencyDigits(currency)), currency };
  return compact<SalesLineInput>({
    lineNumber: line.Line_Number__c ?? index + 1,
    productCode: line.ProductCode,
    description: line.Description,
    quantity,
    unitPrice,
    discountPercent: discount,
    total,
    serviceLine: line.Service_Line__c,
    billingType: line.Billing_Type__c === undefined ? undefined : billingTypePicklist.fromVendor(line.Billing_Type__c, `${f}.Billing_Type__c`, s),
    role: line.Role__c,
    hours: line.Hours__c,
    startDate: line.ServiceDate,
    endDate: line.End_Date__c,
    name: line.Name,
  });
}
