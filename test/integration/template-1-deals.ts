// Deals for the template 1 tests: an account and an opportunity created in the Salesforce sandbox and closed
// as won, as a sales person would.
import type { SalesforceClient } from '../../nodes/salesforce/client/client.js';

export async function waitFor<T>(what: string, get: () => T | undefined | false, ms = 60_000, detail: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} ${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Deal {
  key: string;
  entity?: 'US01' | 'UK01';
  billing?: string;
  serviceLine?: string;
  start?: string;
  end?: string;
  amount?: number;
  account?: Record<string, unknown>;
  lines?: Array<Record<string, unknown>>;
}

/** Creates an account and an opportunity in the Salesforce sandbox, closes it as won; answers the Opportunity Id. */
export async function closeDeal(sf: SalesforceClient, d: Deal): Promise<string> {
  const entity = d.entity ?? 'US01';
  const currency = entity === 'UK01' ? 'GBP' : 'USD';
  const account = await sf.upsert('Account', 'Syncwright_Key__c', `acct:${d.key}`, { Name: `${d.key} Ltd`, Legal_Entity__c: entity, CurrencyIsoCode: currency, BillingCity: entity === 'UK01' ? 'London' : 'Chicago', BillingCountry: entity === 'UK01' ? 'GB' : 'US', ...d.account });
  const opp = await sf.upsert('Opportunity', 'Syncwright_Key__c', `opp:${d.key}`, {
    Name: `${d.key} rollout`,
    AccountId: account.id,
    StageName: 'Negotiation/Review',
    CloseDate: '2026-03-31',
    CurrencyIsoCode: currency,
    ...(d.lines ? {} : { Amount: d.amount ?? 120000 }),
    Billing_Type__c: d.billing ?? 'Milestone',
    Service_Line__c: d.serviceLine ?? 'Implementation',
    Legal_Entity__c: entity,
    Contract_Start_Date__c: d.start ?? '2026-04-01',
    Contract_End_Date__c: d.end ?? '2026-09-30',
    Payment_Terms__c: 'NET30',
  });
  for (const line of d.lines ?? []) await sf.create('OpportunityLineItem', { OpportunityId: opp.id, ...line });
  await sf.update('Opportunity', opp.id, { StageName: 'Closed Won' });
  return opp.id;
}

