// The demo account: reference data with fixed internal ids (the mappings use them as defaults) and a few
// customers with invoices and a payment, so change polling has something to find.
import type { Clock } from '../core/clock.js';
import { recordType, type RecordTypeDef } from './records.js';
import { isoDate, type FieldValue, type Line, type RecordStore } from './store.js';

function def(name: string): RecordTypeDef {
  const d = recordType(name);
  if (!d) throw new Error(`unknown record type ${name}`);
  return d;
}

const ref = (type: string, id: number): FieldValue => ({ type, id });

export function seedDemoData(store: RecordStore, clock: Clock): void {
  const now = clock.now();
  const day = 86_400_000;
  const at = (daysAgo: number): number => now - daysAgo * day;
  const put = (type: string, id: number, values: Record<string, FieldValue>, created = at(400), sublists: Record<string, Line[]> = {}): void => {
    if (store.get(type, id)) return;
    store.insertWithId(def(type), id, values, sublists, created);
  };

  put('currency', 1, { name: 'US Dollar', symbol: 'USD', displaySymbol: '$', isBaseCurrency: true, exchangeRate: 1, isInactive: false });
  put('currency', 2, { name: 'British Pound', symbol: 'GBP', displaySymbol: '£', isBaseCurrency: false, exchangeRate: 1.27, isInactive: false });
  put('currency', 3, { name: 'Canadian Dollar', symbol: 'CAD', displaySymbol: 'CA$', isBaseCurrency: false, exchangeRate: 0.73, isInactive: false });
  put('currency', 4, { name: 'Euro', symbol: 'EUR', displaySymbol: '€', isBaseCurrency: false, exchangeRate: 1.08, isInactive: false });

  put('subsidiary', 1, { name: 'Syncwright Group', legalName: 'Syncwright Group', externalId: 'HQ', country: 'US', currency: ref('currency', 1), isInactive: false });
  put('subsidiary', 2, { name: 'Syncwright Consulting Inc.', legalName: 'Syncwright Consulting Inc.', externalId: 'US01', country: 'US', currency: ref('currency', 1), parent: ref('subsidiary', 1), isInactive: false });
  put('subsidiary', 3, { name: 'Syncwright Consulting UK Ltd', legalName: 'Syncwright Consulting UK Ltd', externalId: 'UK01', country: 'GB', currency: ref('currency', 2), parent: ref('subsidiary', 1), isInactive: false });

  put('term', 1, { name: 'Net 15', daysUntilNetDue: 15, isInactive: false });
  put('term', 2, { name: 'Net 30', daysUntilNetDue: 30, isInactive: false });
  put('term', 3, { name: 'Net 60', daysUntilNetDue: 60, isInactive: false });
  put('term', 4, { name: 'Due on receipt', daysUntilNetDue: 0, isInactive: false });

  put('employee', 5, { entityId: 'Jane Doe', firstName: 'Jane', lastName: 'Doe', email: 'jane.doe@syncwright.example', title: 'Engagement Manager', subsidiary: ref('subsidiary', 2), isInactive: false });
  put('employee', 6, { entityId: 'Sam Lee', firstName: 'Sam', lastName: 'Lee', email: 'sam.lee@syncwright.example', title: 'Consultant', subsidiary: ref('subsidiary', 3), isInactive: false });

  put('serviceItem', 100, { itemId: 'Professional Services', displayName: 'Professional Services (T&M)', description: 'Time and materials consulting, billed by the hour', rate: 150, isInactive: false });
  put('serviceItem', 101, { itemId: 'Fixed Fee Services', displayName: 'Fixed Fee Services', description: 'Fixed fee engagement', isInactive: false });
  put('serviceItem', 102, { itemId: 'Milestone Billing', displayName: 'Milestone Billing', description: 'Billing on project milestones', isInactive: false });

  // Payment methods by name, as an account lists them; the mapping context reads them by name.
  ['Cash', 'Check', 'Discover', 'Master Card', 'VISA', 'American Express', 'ACH', 'Wire Transfer'].forEach((name, i) => put('paymentMethod', i + 1, { name, isInactive: false }));

  put('expenseCategory', 1, { name: 'Travel', isInactive: false });
  put('expenseCategory', 2, { name: 'Lodging', isInactive: false });
  put('expenseCategory', 3, { name: 'Meals', isInactive: false });

  put('customer', 200, {
    externalId: 'DEMO-ACME', entityId: 'Acme Analytics', companyName: 'Acme Analytics', email: 'ap@acme.example', subsidiary: ref('subsidiary', 2),
    currency: ref('currency', 1), terms: ref('term', 2), isInactive: false, custentity_sw_domain: 'acme.example', custentity_sw_service_line: 'Data',
  }, at(90));
  put('customer', 201, {
    externalId: 'DEMO-BRIGHTLY', entityId: 'Brightly Retail Ltd', companyName: 'Brightly Retail Ltd', email: 'accounts@brightly.example', subsidiary: ref('subsidiary', 3),
    currency: ref('currency', 2), terms: ref('term', 1), isInactive: false, custentity_sw_domain: 'brightly.example',
  }, at(60));

  const line = (item: number, quantity: number, rate: number, n: number, description?: string): Line => ({ line: n, item: ref('serviceItem', item), quantity, rate, amount: Math.round(quantity * rate * 100) / 100, ...(description ? { description } : {}) });
  put('invoice', 300, {
    externalId: 'DEMO-INV-1', tranId: 'INV0001', tranDate: isoDate(at(45)), dueDate: isoDate(at(15)), entity: ref('customer', 200), subsidiary: ref('subsidiary', 2),
    currency: ref('currency', 1), terms: ref('term', 2), memo: 'Discovery phase',
  }, at(45), { item: [line(100, 40, 150, 1, 'Discovery workshops')] });
  put('invoice', 301, {
    externalId: 'DEMO-INV-2', tranId: 'INV0002', tranDate: isoDate(at(10)), dueDate: isoDate(at(-20)), entity: ref('customer', 200), subsidiary: ref('subsidiary', 2),
    currency: ref('currency', 1), terms: ref('term', 2), memo: 'Implementation, first milestone',
  }, at(10), { item: [line(102, 1, 12_000, 1, 'Milestone 1: design signed off')] });
  put('invoice', 302, {
    externalId: 'DEMO-INV-3', tranId: 'INV0003', tranDate: isoDate(at(5)), dueDate: isoDate(at(-10)), entity: ref('customer', 201), subsidiary: ref('subsidiary', 3),
    currency: ref('currency', 2), terms: ref('term', 1),
  }, at(5), { item: [line(101, 1, 8_500, 1, 'Retail analytics assessment')] });
  put('customerPayment', 303, {
    externalId: 'DEMO-PYMT-1', tranId: 'PYMT0001', tranDate: isoDate(at(2)), customer: ref('customer', 200), subsidiary: ref('subsidiary', 2), currency: ref('currency', 1), payment: 6_000,
    paymentMethod: ref('paymentMethod', 7), checkNum: 'ACH-20931',
  }, at(2), { apply: [{ line: 1, doc: ref('invoice', 300), apply: true, amount: 6_000 }] });
}
