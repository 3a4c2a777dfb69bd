import assert from 'node:assert/strict';
import fc from 'fast-check';
import { netsuite as ns, toNetSuiteExternalId } from '../../../canonical/mappings/index.js';
import { accepted, assertMappingError, fixture, json, without } from './helpers.js';

const ctx = ns.defaultNetSuiteContext;
const links = (type: string, id: string) => [{ rel: 'self', href: `https://123456-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/${type}/${id}` }];
const refRead = (id: string, refName: string) => ({ links: [], id, refName });

describe('NetSuite mappings', () => {
  it('matches the NetSuite sandbox seed', () => {
    assert.deepEqual(
      ctx.subsidiaries.map((x) => [x.id, x.name, x.code]),
      [
        ['1', 'Syncwright Group', 'HQ'],
        ['2', 'Syncwright Consulting Inc.', 'US01'],
        ['3', 'Syncwright Consulting UK Ltd', 'UK01'],
      ],
    );
    assert.deepEqual(
      ctx.currencies.map((x) => [x.id, x.code]),
      [
        ['1', 'USD'],
        ['2', 'GBP'],
        ['3', 'CAD'],
        ['4', 'EUR'],
      ],
    );
    assert.deepEqual(
      ctx.terms.map((x) => [x.id, x.name, x.code]),
      [
        ['1', 'Net 15', 'NET15'],
        ['2', 'Net 30', 'NET30'],
        ['3', 'Net 60', 'NET60'],
        ['4', 'Due on receipt', 'DUE'],
      ],
    );
    assert.deepEqual(
      ctx.employees.map((x) => [x.id, x.name, x.email, x.resourceKey]),
      [
        ['5', 'Jane Doe', 'jane.doe@syncwright.example', 'res:jane.doe'],
        ['6', 'Sam Lee', 'sam.lee@syncwright.example', 'res:sam.lee'],
      ],
    );
    assert.deepEqual(
      ctx.items.map((x) => [x.id, x.name, x.billingType]),
      [
        ['100', 'Professional Services', 'time-and-materials'],
        ['101', 'Fixed Fee Services', 'fixed-fee'],
        ['102', 'Milestone Billing', 'milestone'],
      ],
    );
    assert.deepEqual(ctx.expenseCategories, [
      { id: '1', name: 'Travel' },
      { id: '2', name: 'Lodging' },
      { id: '3', name: 'Meals' },
    ]);
  });

  describe('customer', () => {
    it('round-trips every field NetSuite holds', () => {
      const account = fixture('syncwright/account@1');
      const written = ns.toNetSuiteCustomer(account, ctx, { parents: { parent: '900' } });
      assert.equal(written.externalId, 'acct_c_uacme');
      assert.deepEqual(written.subsidiary, { id: '3' });
      assert.deepEqual(written.currency, { id: '2' });
      assert.deepEqual(written.terms, { id: '2' });
      assert.deepEqual(written.parent, { id: '900' });
      assert.deepEqual(written.creditHoldOverride, { id: 'OFF' });
      assert.deepEqual(written.addressBook?.items[0]?.addressBookAddress, { addr1: '1 High Street', city: 'London', zip: 'EC1A 1AA', country: { id: 'GB' } });
      const back = accepted('syncwright/account@1', ns.fromNetSuiteCustomer({ id: '1001', ...json(written) }, ctx));
      const expected = { ...account, externalIds: { salesforce: '001000000000001AAA', netsuite: '1001' }, parent: { externalIds: { netsuite: '900' } } };
      assert.deepEqual(back, without(expected, ['legalName', 'tax.taxCode']));
    });

    it('reads a customer as the REST record API returns it', () => {
      const record = {
        links: links('customer', '1042'),
        id: '1042',
        externalId: 'acct_c_uglobex',
        entityId: 'CUST-1042',
        companyName: 'Globex Ltd',
        isPerson: false,
        isInactive: false,
        subsidiary: refRead('3', 'Syncwright Consulting UK Ltd'),
        currency: refRead('2', 'British pound'),
        terms: refRead('3', 'Net 60'),
        creditLimit: 50000.5,
        creditHoldOverride: { id: 'AUTO', refName: 'Auto' },
        email: 'ap@globex.example',
        custentity_sw_salesforce_id: '0015g00000XyZabAAB',
        addressBook: {
          links: [],
          items: [{ links: [], defaultBilling: true, defaultShipping: true, addressBookAddress: { links: [], addr1: '10 Downing Street', city: 'London', zip: 'SW1A 2AA', country: { id: 'GB', refName: 'United Kingdom' } } }],
          totalResults: 1,
        },
      };
      const account = accepted('syncwright/account@1', ns.fromNetSuiteCustomer(record, ctx));
      assert.equal(account.businessKey, 'acct:GLOBEX');
      assert.deepEqual(account.externalIds, { netsuite: '1042', salesforce: '0015g00000XyZabAAB' });
      assert.deepEqual(account.legalEntity, { code: 'UK01', name: 'Syncwright Consulting UK Ltd', country: 'GB' });
      assert.deepEqual(account.creditLimit, { amount: '50000.50', currency: 'GBP' });
      assert.equal(account.creditHold, undefined);
      assert.deepEqual(account.billingAddress, account.shippingAddress);
      assert.equal(account.billingEmail, 'ap@globex.example');
    });

    it('keys a customer created in NetSuite by its id, and one with a foreign external id by that id', () => {
      assert.equal(ns.fromNetSuiteCustomer({ id: '77', companyName: 'X' }, ctx).businessKey, 'acct:netsuite:77');
      assert.equal(ns.fromNetSuiteCustomer({ id: '77', externalId: 'LEGACY-77', companyName: 'X' }, ctx).businessKey, 'acct:netsuite-eid:LEGACY-77');
    });

    it('refuses an unknown legal entity, an unknown currency and unmappable values, naming the field', () => {
      const account = fixture('syncwright/account@1');
      const call = { parents: { parent: '900' } };
      assertMappingError(() => ns.toNetSuiteCustomer({ ...account, legalEntity: { code: 'FR01' } }, ctx, call), 'legalEntity.code', /"FR01": legal entity is not in the NetSuite mapping context/, 'to-vendor');
      assertMappingError(() => ns.toNetSuiteCustomer({ ...account, currency: 'CHF', creditLimit: undefined }, ctx, call), 'currency', /"CHF": currency/);
      assertMappingError(() => ns.toNetSuiteCustomer({ ...account, status: 'on-hold' }, ctx, call), 'status', /on-hold/);
      assertMappingError(() => ns.toNetSuiteCustomer({ ...account, type: 'prospect' }, ctx, call), 'type', /another record type/);
      assertMappingError(() => ns.toNetSuiteCustomer(account, ctx), 'parent', /no netsuite id.*call\.parents\.parent/);
      assertMappingError(() => ns.fromNetSuiteCustomer({ id: '1', companyName: 'X', currency: { id: '9' } }, ctx), 'currency.id', /9: currency/, 'from-vendor');
      assertMappingError(() => ns.fromNetSuiteCustomer({ id: '1', companyName: 'X', subsidiary: { id: '7' } }, ctx), 'subsidiary.id');
      assertMappingError(() => ns.fromNetSuiteCustomer({ id: '1' }, ctx), 'companyName', /required/);
      assertMappingError(() => ns.fromNetSuiteCustomer({ id: '1', companyName: 'X', creditLimit: '5' }, ctx), 'creditLimit');
    });
  });

  describe('contact', () => {
    it('round-trips every field NetSuite holds', () => {
      const contact = fixture('syncwright/contact@1');
      const written = ns.toNetSuiteContact(contact, ctx);
      assert.deepEqual(written.company, { id: '1001' });
      assert.equal(written.custentity_sw_roles, 'Billing;Primary');
      const back = accepted('syncwright/contact@1', ns.fromNetSuiteContact({ id: '2001', ...json(written) }, ctx));
      const expected = { ...contact, externalIds: { netsuite: '2001' }, account: { externalIds: { netsuite: '1001' } } };
      assert.deepEqual(back, expected);
    });

    it('refuses a contact without company', () => {
      assertMappingError(() => ns.fromNetSuiteContact({ id: '2001', lastName: 'Doe' }, ctx), 'company', /required/);
    });
  });

  describe('job', () => {
    it('round-trips every field NetSuite holds', () => {
      const project = fixture('syncwright/project@1', { externalIds: { kantata: '5001' } });
      const written = ns.toNetSuiteJob(project, ctx);
      assert.deepEqual(written.jobBillingType, { id: 'FBM' });
      assert.deepEqual(written.entityStatus, { id: '2' });
      assert.deepEqual(written.parent, { id: '1001' });
      assert.equal(written.custentity_sw_psa_project_id, '5001');
      const back = accepted('syncwright/project@1', ns.fromNetSuiteJob({ id: '3001', ...json(written) }, ctx));
      const expected = { ...project, externalIds: { kantata: '5001', netsuite: '3001' }, account: { externalIds: { netsuite: '1001' } } };
      // Budgets and project managers live in other NetSuite records; the opportunity is held by Salesforce id only.
      assert.deepEqual(back, without(expected, ['budget', 'projectManager', 'opportunity']));
    });

    it('maps every billing type, non-billable as no billing type', () => {
      for (const [billingType, id] of [
        ['time-and-materials', 'TM'],
        ['fixed-fee', 'FBI'],
        ['milestone', 'FBM'],
        ['retainer', 'CB'],
      ] as const) {
        const written = ns.toNetSuiteJob(fixture('syncwright/project@1', { billingType }), ctx);
        assert.deepEqual(written.jobBillingType, { id });
        assert.equal(ns.fromNetSuiteJob({ id: '1', ...json(written), jobBillingType: { id, refName: 'x' } }, ctx).billingType, billingType);
      }
      const none = ns.toNetSuiteJob(fixture('syncwright/project@1', { billingType: 'non-billable', billable: false }), ctx);
      assert.equal(none.jobBillingType, undefined);
      const back = ns.fromNetSuiteJob({ id: '1', ...json(none) }, ctx);
      assert.equal(back.billingType, 'non-billable');
      assert.equal(back.billable, false);
    });

    it('refuses an unknown billing type or status, and billability NetSuite cannot hold', () => {
      const read = { id: '1', ...json(ns.toNetSuiteJob(fixture('syncwright/project@1'), ctx)) };
      assertMappingError(() => ns.fromNetSuiteJob({ ...read, jobBillingType: 'FFX' }, ctx), 'jobBillingType', /FFX/);
      assertMappingError(() => ns.fromNetSuiteJob({ ...read, entityStatus: { id: '99' } }, ctx), 'entityStatus.id');
      assertMappingError(() => ns.fromNetSuiteJob({ ...read, companyName: undefined }, ctx), 'companyName', /required/);
      assertMappingError(() => ns.toNetSuiteJob(fixture('syncwright/project@1', { status: 'on-hold' }), ctx), 'status', /on-hold/);
      assertMappingError(() => ns.toNetSuiteJob(fixture('syncwright/project@1', { billable: false }), ctx), 'billable');
    });
  });

  describe('projectTask', () => {
    it('round-trips a billing milestone with its amount', () => {
      const milestone = fixture('syncwright/work-item@1');
      const call = { parents: { project: '3001' }, currency: 'USD' };
      const written = ns.toNetSuiteProjectTask(milestone, ctx, call);
      assert.equal(written.isMilestone, true);
      assert.equal(written.custevent_sw_milestone_amount, 40000);
      assert.deepEqual(written.status, { id: 'NOTSTART' });
      const back = accepted('syncwright/work-item@1', ns.fromNetSuiteProjectTask({ id: '4001', ...json(written), status: { id: 'NOTSTART', refName: 'Not Started' } }, ctx, call));
      assert.deepEqual(back, { ...milestone, externalIds: { netsuite: '4001' }, project: { externalIds: { netsuite: '3001' } } });
    });

    it('round-trips a task', () => {
      const task = fixture('syncwright/work-item@1', { businessKey: 'task:ACME-ERP:7', kind: 'task', amount: undefined, status: 'in-progress', plannedHours: 40, startDate: '2026-04-01', billingStatus: 'ready-to-bill', parent: { externalIds: { netsuite: '4001' } } });
      const written = ns.toNetSuiteProjectTask(task, ctx, { parents: { project: '3001' } });
      const back = accepted('syncwright/work-item@1', ns.fromNetSuiteProjectTask({ id: '4002', ...json(written) }, ctx));
      assert.deepEqual(back, json({ ...task, externalIds: { netsuite: '4002' }, project: { externalIds: { netsuite: '3001' } } }));
    });

    it('needs the project currency to read an amount, and refuses a cancelled task', () => {
      const written = ns.toNetSuiteProjectTask(fixture('syncwright/work-item@1'), ctx, { parents: { project: '3001' } });
      assertMappingError(() => ns.fromNetSuiteProjectTask({ id: '4001', ...json(written) }, ctx), 'custevent_sw_milestone_amount', /call\.currency/);
      assertMappingError(() => ns.toNetSuiteProjectTask(fixture('syncwright/work-item@1', { status: 'cancelled' }), ctx, { parents: { project: '3001' } }), 'status', /cancelled/);
      assertMappingError(() => ns.toNetSuiteProjectTask(fixture('syncwright/work-item@1'), ctx, { parents: { project: '3001' }, currency: 'GBP' }), 'amount.currency', /GBP/);
    });
  });

  describe('salesOrder', () => {
    it('turns a won opportunity into a sales order with item lines, and back', () => {
      const opp = fixture('syncwright/opportunity@1');
      const written = ns.toNetSuiteSalesOrder(opp, ctx, { correlationId: 'corr-9' });
      assert.equal(written.externalId, toNetSuiteExternalId('opp:006000000000001AAA'));
      assert.deepEqual(written.entity, { id: '1001' });
      assert.deepEqual(written.subsidiary, { id: '2' });
      assert.deepEqual(written.currency, { id: '1' });
      assert.deepEqual(written.terms, { id: '2' });
      assert.equal(written.custbody_sw_correlation_id, 'corr-9');
      assert.deepEqual(written.item.items, [
        { item: { id: '102' }, quantity: 1, rate: 100000, amount: 100000 },
        { item: { id: '100' }, quantity: 100, rate: 200, amount: 20000 },
      ]);
      const back = accepted('syncwright/opportunity@1', ns.fromNetSuiteSalesOrder({ id: '5001', tranId: 'SO-5001', ...json(written) }, ctx));
      const expected = {
        ...opp,
        externalIds: { salesforce: '006000000000001AAA', netsuite: '5001' },
        account: { externalIds: { netsuite: '1001' } },
        currency: 'USD',
        legalEntity: { code: 'US01', name: 'Syncwright Consulting Inc.', country: 'US' },
      };
      // A sales-order line holds an item (whose billing type comes back), not the product code, role or
      // hours; no sales-order field holds the opportunity's own billing type, frequency, needs or service line.
      assert.deepEqual(back, without(expected, ['lineItems[].productCode', 'lineItems[].role', 'lineItems[].hours', 'billingType', 'contractTerms.billingFrequency', 'resourceNeeds', 'serviceLine']));
    });

    it('picks items by product code before billing type', () => {
      const withCodes = { ...ctx, items: [...ctx.items, { id: '200', name: 'Implementation', productCode: 'IMPL' }] };
      const written = ns.toNetSuiteSalesOrder(fixture('syncwright/opportunity@1'), withCodes);
      assert.deepEqual(written.item.items[0]?.item, { id: '200' });
      const back = ns.fromNetSuiteSalesOrder({ id: '5001', ...json(written) }, withCodes);
      assert.equal(back.lineItems?.[0]?.productCode, 'IMPL');
    });

    it('refuses an open opportunity, a line without item and mixed currencies', () => {
      assertMappingError(() => ns.toNetSuiteSalesOrder(fixture('syncwright/opportunity@1', { status: 'open', stage: 'Proposal' }), ctx), 'status', /only a won opportunity/);
      const noItems = { ...ctx, items: [] };
      assertMappingError(() => ns.toNetSuiteSalesOrder(fixture('syncwright/opportunity@1'), noItems), 'lineItems[0]', /no NetSuite item/);
      const opp = fixture('syncwright/opportunity@1');
      opp.lineItems[1] = { ...opp.lineItems[1], total: { amount: '20000.00', currency: 'GBP' } };
      assertMappingError(() => ns.toNetSuiteSalesOrder(opp, ctx), 'lineItems[1].total.currency', /USD/);
    });
  });

  describe('invoice', () => {
    const invoice = {
      links: links('invoice', '9001'),
      id: '9001',
      tranId: 'INV-1001',
      entity: refRead('1001', 'ACME Corporation'),
      job: refRead('3001', 'ACME ERP rollout'),
      createdFrom: refRead('5001', 'Sales Order #SO-5001'),
      subsidiary: refRead('2', 'Syncwright Consulting Inc.'),
      currency: refRead('1', 'USA'),
      tranDate: '2026-05-16',
      dueDate: '2026-06-15',
      terms: refRead('2', 'Net 30'),
      otherRefNum: 'PO-778',
      status: { id: 'A', refName: 'Open' },
      subtotal: 40000,
      taxTotal: 0,
      total: 40000,
      amountPaid: 0,
      amountRemaining: 40000,
      custbody_sw_salesforce_opp_id: '006000000000001AAA',
      item: {
        links: [],
        items: [{ links: [], line: 1, item: refRead('102', 'Milestone Billing'), description: 'Milestone: design signed off', quantity: 1, rate: 40000, amount: 40000, tax1Amt: 0 }],
        totalResults: 1,
      },
    };

    it('reads an invoice with its lines', () => {
      const inv = accepted('syncwright/invoice@1', ns.fromNetSuiteInvoice(invoice, ctx));
      assert.equal(inv.businessKey, 'inv:INV-1001');
      assert.equal(inv.status, 'open');
      assert.deepEqual(inv.opportunity, { externalIds: { netsuite: '5001', salesforce: '006000000000001AAA' } });
      assert.deepEqual(inv.project, { externalIds: { netsuite: '3001' } });
      assert.deepEqual(inv.paymentTerms, { code: 'NET30', days: 30 });
      assert.deepEqual(inv.lines[0], {
        lineNumber: 1,
        description: 'Milestone: design signed off',
        itemCode: 'Milestone Billing',
        quantity: '1',
        unitPrice: { amount: '40000.00', currency: 'USD' },
        amount: { amount: '40000.00', currency: 'USD' },
        taxAmount: { amount: '0.00', currency: 'USD' },
      });
      assert.deepEqual(inv.amountDue, { amount: '40000.00', currency: 'USD' });
    });

    it('reads statuses by id or name, partially paid from the amount paid', () => {
      const read = (status: unknown, amountPaid = 0) => ns.fromNetSuiteInvoice({ ...invoice, status, amountPaid }, ctx).status;
      assert.equal(read({ id: 'B', refName: 'Paid In Full' }), 'paid');
      assert.equal(read('CustInvc:V'), 'void');
      assert.equal(read({ id: 'pendingApproval', refName: 'Pending Approval' }), 'draft');
      assert.equal(read({ id: 'A', refName: 'Open' }, 15000), 'partially-paid');
      assertMappingError(() => read({ id: 'Z', refName: 'Disputed' }), 'status', /Z/);
    });

    it('refuses an invoice without total', () => {
      assertMappingError(() => ns.fromNetSuiteInvoice({ ...invoice, total: undefined }, ctx), 'total', /required/);
    });
  });

  describe('customerPayment', () => {
    const payment = {
      links: links('customerPayment', '9101'),
      id: '9101',
      tranId: 'PMT-1',
      customer: refRead('1001', 'ACME Corporation'),
      payment: 40000,
      currency: refRead('1', 'USA'),
      tranDate: '2026-06-10',
      paymentMethod: refRead('7', 'Wire'),
      memo: 'Remittance 4471',
      status: { id: 'C', refName: 'Deposited' },
      apply: {
        links: [],
        items: [
          { links: [], apply: true, doc: refRead('9001', 'Invoice #INV-1001'), refNum: 'INV-1001', amount: 40000 },
          { links: [], apply: false, doc: refRead('9002', 'Invoice #INV-1002'), refNum: 'INV-1002', amount: 0 },
        ],
      },
    };

    it('reads a payment and the invoices it pays', () => {
      const p = accepted('syncwright/payment@1', ns.fromNetSuiteCustomerPayment(payment, ctx));
      assert.equal(p.businessKey, 'pay:PMT-1');
      assert.equal(p.method, 'wire');
      assert.equal(p.status, 'applied');
      assert.equal(p.reference, 'Remittance 4471');
      assert.deepEqual(p.applications, [{ invoice: { businessKey: 'inv:INV-1001', externalIds: { netsuite: '9001' } }, amountApplied: { amount: '40000.00', currency: 'USD' } }]);
    });

    it('reads unapplied and voided payments, and refuses an unknown payment method', () => {
      assert.equal(ns.fromNetSuiteCustomerPayment({ ...payment, apply: undefined }, ctx).status, 'received');
      assert.equal(ns.fromNetSuiteCustomerPayment({ ...payment, status: { id: 'V', refName: 'Voided' } }, ctx).status, 'reversed');
      assertMappingError(() => ns.fromNetSuiteCustomerPayment({ ...payment, paymentMethod: refRead('9', 'Bitcoin') }, ctx), 'paymentMethod', /Bitcoin/);
    });
  });

  describe('timeBill', () => {
    it('round-trips every field NetSuite holds', () => {
      const entry = fixture('syncwright/time-entry@1', { resource: { businessKey: 'res:jane.doe' }, notes: 'Workshop' });
      const call = { parents: { project: '3001' }, currency: 'USD' };
      const written = ns.toNetSuiteTimeBill(entry, ctx, call);
      assert.deepEqual(written.employee, { id: '5' });
      assert.equal(written.hours, '7:30');
      assert.deepEqual(written.item, { id: '100' });
      assert.deepEqual(written.approvalStatus, { id: '2' });
      const back = accepted('syncwright/time-entry@1', ns.fromNetSuiteTimeBill({ id: '6001', ...json(written) }, ctx, call));
      const expected = { ...entry, externalIds: { netsuite: '6001' }, resource: { businessKey: 'res:jane.doe', externalIds: { netsuite: '5' } }, project: { externalIds: { netsuite: '3001' } } };
      assert.deepEqual(back, expected);
    });

    it('reads a time bill as NetSuite returns it, the rate in the subsidiary currency', () => {
      const record = {
        links: links('timeBill', '6002'),
        id: '6002',
        employee: refRead('6', 'Sam Lee'),
        customer: refRead('3001', 'ACME : ACME ERP rollout'),
        subsidiary: refRead('3', 'Syncwright Consulting UK Ltd'),
        item: refRead('100', 'Professional Services'),
        tranDate: '2026-04-07',
        hours: '6:45',
        isBillable: true,
        rate: 150,
        supervisorApproval: true,
        custcol_sw_psa_id: '88001',
      };
      const entry = accepted('syncwright/time-entry@1', ns.fromNetSuiteTimeBill(record, ctx));
      assert.equal(entry.businessKey, 'te:netsuite:6002');
      assert.deepEqual(entry.resource, { businessKey: 'res:sam.lee', externalIds: { netsuite: '6' } });
      assert.equal(entry.hours, 6.75);
      assert.equal(entry.status, 'approved');
      assert.deepEqual(entry.billRate, { amount: '150.00', currency: 'GBP' });
      assert.deepEqual(entry.externalIds, { netsuite: '6002', kantata: '88001' });
    });

    it('refuses fractions of a minute, an unknown employee and a rate without currency', () => {
      const call = { parents: { project: '3001' } };
      assertMappingError(() => ns.toNetSuiteTimeBill(fixture('syncwright/time-entry@1', { hours: 7.3333 }), ctx, call), 'hours', /whole number of minutes/);
      assertMappingError(() => ns.toNetSuiteTimeBill(fixture('syncwright/time-entry@1', { resource: { businessKey: 'res:nobody' } }), ctx, call), 'resource', /no NetSuite employee/);
      const read = { id: '6003', employee: { id: '5' }, customer: { id: '3001' }, tranDate: '2026-04-07', hours: '1:00', rate: 100 };
      assertMappingError(() => ns.fromNetSuiteTimeBill(read, ctx), 'rate', /call\.currency/);
      assertMappingError(() => ns.fromNetSuiteTimeBill({ ...read, rate: undefined, hours: '1h' }, ctx), 'hours', /H:MM/);
    });

    it('writes any whole-minute duration NetSuite reads back the same', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 24 * 60 }), (minutes) => {
          const entry = fixture('syncwright/time-entry@1', { hours: minutes / 60, billRate: undefined });
          const written = ns.toNetSuiteTimeBill(entry, ctx, { parents: { project: '3001' } });
          assert.equal(ns.fromNetSuiteTimeBill({ id: '1', ...json(written) }, ctx).hours, minutes / 60);
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('expenseReport', () => {
    it('round-trips every field NetSuite holds', () => {
      const expense = fixture('syncwright/expense@1', { description: 'Flight to Leeds', taxAmount: { amount: '52.07', currency: 'USD' } });
      const written = ns.toNetSuiteExpenseReport(expense, ctx, { parents: { project: '3001' } });
      assert.deepEqual(written.entity, { id: '-5' });
      assert.equal(written.complete, true);
      assert.equal(written.accountingApproval, true);
      assert.deepEqual(written.expense.items[0], {
        category: { id: '1' },
        amount: 312.4,
        currency: { id: '1' },
        expenseDate: '2026-04-07',
        customer: { id: '3001' },
        isBillable: true,
        memo: 'Flight to Leeds',
        tax1Amt: 52.07,
      });
      const back = accepted('syncwright/expense@1', ns.fromNetSuiteExpenseReport({ id: '7001', ...json(written) }, ctx));
      const expected = { ...expense, externalIds: { netsuite: '7001' }, resource: { externalIds: { netsuite: '-5' } }, project: { externalIds: { netsuite: '3001' } } };
      assert.deepEqual(back, expected);
    });

    it('reads the report status by name', () => {
      const read = (refName: string) => ns.fromNetSuiteExpenseReport({ id: '7', entity: { id: '5' }, tranDate: '2026-04-07', status: { id: 'X', refName }, expense: { items: [{ category: { id: '2' }, amount: 90, currency: { id: '2' }, customer: { id: '3001' } }] } }, ctx);
      assert.equal(read('Paid In Full').status, 'reimbursed');
      assert.equal(read('Pending Accounting Approval').status, 'submitted');
      assert.equal(read('Rejected by Supervisor').status, 'rejected');
      assert.deepEqual(read('In Progress').amount, { amount: '90.00', currency: 'GBP' });
      assertMappingError(() => read('Escalated'), 'status', /Escalated/);
    });

    it('refuses statuses NetSuite sets itself, unknown categories and reports of several lines', () => {
      const call = { parents: { project: '3001' } };
      assertMappingError(() => ns.toNetSuiteExpenseReport(fixture('syncwright/expense@1', { status: 'reimbursed' }), ctx, call), 'status', /sets itself/);
      assertMappingError(() => ns.toNetSuiteExpenseReport(fixture('syncwright/expense@1', { category: 'Parking' }), ctx, call), 'category', /Parking/);
      const line = { category: { id: '1' }, amount: 1, currency: { id: '1' }, customer: { id: '3001' } };
      assertMappingError(() => ns.fromNetSuiteExpenseReport({ id: '7', entity: { id: '5' }, tranDate: '2026-04-07', expense: { items: [line, line] } }, ctx), 'expense.items', /2 lines/);
    });
  });
});
