import assert from 'node:assert/strict';
import fc from 'fast-check';
import { salesforce as sf, type MappingCall } from '../../../canonical/mappings/index.js';
import { accepted, assertMappingError, fixture, json, without } from './helpers.js';

const ctx = sf.defaultSalesforceContext;
const attributes = (type: string, id: string) => ({ type, url: `/services/data/v62.0/sobjects/${type}/${id}` });

describe('Salesforce mappings', () => {
  describe('Account', () => {
    it('round-trips every field Salesforce holds', () => {
      const account = fixture('syncwright/account@1');
      const written = sf.toSalesforceAccount(account, ctx);
      assert.equal(written.Syncwright_Key__c, 'acct:ACME');
      assert.equal(written.Type, 'Customer - Direct');
      assert.deepEqual(written.Parent, { Syncwright_Key__c: 'acct:ACME-GROUP' });
      assert.equal(written.Credit_Limit__c, 250000);
      assert.equal(written.CurrencyIsoCode, 'GBP');
      const read = { attributes: attributes('Account', '001000000000001AAA'), Id: '001000000000001AAA', ...json(written) };
      const back = accepted('syncwright/account@1', sf.fromSalesforceAccount(read, ctx));
      // legalName and the tax code have no Salesforce field.
      assert.deepEqual(back, without({ ...account, externalIds: { salesforce: '001000000000001AAA' } }, ['legalName', 'tax.taxCode']));
    });

    it('reads an account as a SOQL query returns it, nulls and country names included', () => {
      const record = {
        attributes: attributes('Account', '0015g00000XyZabAAB'),
        Id: '0015g00000XyZabAAB',
        Name: 'Globex Ltd',
        Type: 'Customer - Channel',
        ParentId: null,
        Parent: null,
        BillingStreet: '10 Downing Street\nFloor 2',
        BillingCity: 'London',
        BillingState: null,
        BillingPostalCode: 'SW1A 2AA',
        BillingCountry: 'United Kingdom',
        ShippingStreet: null,
        ShippingCity: null,
        ShippingState: null,
        ShippingPostalCode: null,
        ShippingCountry: null,
        Website: 'https://globex.example',
        Industry: 'Manufacturing',
        CurrencyIsoCode: 'GBP',
        Syncwright_Key__c: null,
        NetSuite_Id__c: '1042',
        Legal_Entity__c: 'UK01',
        Tax_Id__c: 'GB999999973',
        Tax_Exempt__c: false,
        Payment_Terms__c: 'NET60',
        Credit_Hold__c: true,
        Credit_Limit__c: 50000.5,
        Domain__c: 'globex.example',
      };
      const account = accepted('syncwright/account@1', sf.fromSalesforceAccount(record, ctx));
      assert.equal(account.businessKey, 'acct:salesforce:0015g00000XyZabAAB');
      assert.deepEqual(account.externalIds, { salesforce: '0015g00000XyZabAAB', netsuite: '1042' });
      assert.equal(account.type, 'customer');
      assert.deepEqual(account.billingAddress, { line1: '10 Downing Street', line2: 'Floor 2', city: 'London', postalCode: 'SW1A 2AA', country: 'GB' });
      assert.deepEqual(account.creditLimit, { amount: '50000.50', currency: 'GBP' });
      assert.deepEqual(account.paymentTerms, { code: 'NET60', days: 60 });
      assert.deepEqual(account.legalEntity, { code: 'UK01', name: 'Syncwright Consulting UK Ltd', country: 'GB' });
      assert.equal(account.shippingAddress, undefined);
    });

    it('refuses what it cannot map, naming the field', () => {
      assertMappingError(() => sf.toSalesforceAccount(fixture('syncwright/account@1', { type: 'vendor' }), ctx), 'type', /no Account Type picklist value/, 'to-vendor');
      assertMappingError(() => sf.fromSalesforceAccount({ Id: '001000000000001AAA', Name: 'X', Type: 'Other' }, ctx), 'Type', /not a known/, 'from-vendor');
      assertMappingError(() => sf.fromSalesforceAccount({ Id: '001000000000001AAA' }, ctx), 'Name', /required/);
      assertMappingError(() => sf.fromSalesforceAccount({ Id: '001000000000001AAA', Name: 'X', BillingCountry: 'Atlantis' }, ctx), 'BillingCountry', /country/);
      assertMappingError(() => sf.fromSalesforceAccount({ Id: '001000000000001AAA', Name: 'X', BillingCity: 'Paris' }, ctx), 'BillingCountry', /required/);
      assertMappingError(() => sf.fromSalesforceAccount({ Name: 'X' }, ctx), 'Syncwright_Key__c');
      const mixed = fixture('syncwright/account@1', { currency: 'USD' });
      assertMappingError(() => sf.toSalesforceAccount(mixed, ctx), 'creditLimit.currency', /one currency/);
      const single = { ...ctx, multiCurrency: false };
      assertMappingError(() => sf.toSalesforceAccount(fixture('syncwright/account@1'), single), 'currency', /single-currency \(USD\)/);
      assert.equal(sf.toSalesforceAccount(fixture('syncwright/account@1', { currency: 'USD', creditLimit: { amount: '1.00', currency: 'USD' } }), single).CurrencyIsoCode, undefined);
    });
  });

  describe('Contact', () => {
    it('round-trips every field Salesforce holds', () => {
      const contact = fixture('syncwright/contact@1');
      const written = sf.toSalesforceContact(contact, ctx);
      assert.equal(written.AccountId, '001000000000001AAA');
      assert.equal(written.Contact_Roles__c, 'Billing;Primary');
      const read = { Id: '003000000000001AAA', ...json(written), Account: { attributes: attributes('Account', '001000000000001AAA'), Syncwright_Key__c: 'acct:ACME' } };
      const back = accepted('syncwright/contact@1', sf.fromSalesforceContact(read, ctx));
      const expected = { ...contact, externalIds: { salesforce: '003000000000001AAA' } };
      // The account's NetSuite id is not on the Contact.
      assert.deepEqual(back, without(expected, ['account.externalIds.netsuite']));
    });

    it('refers to an account by Syncwright key when its Salesforce id is unknown', () => {
      const contact = fixture('syncwright/contact@1', { account: { businessKey: 'acct:ACME' } });
      assert.deepEqual(sf.toSalesforceContact(contact, ctx).Account, { Syncwright_Key__c: 'acct:ACME' });
      assert.equal(sf.toSalesforceContact(contact, ctx, { parents: { account: '001000000000009AAA' } }).AccountId, '001000000000009AAA');
    });

    it('refuses an unknown role and a contact without account', () => {
      assertMappingError(() => sf.fromSalesforceContact({ Id: '003000000000001AAA', LastName: 'Doe', AccountId: '001000000000001AAA', Contact_Roles__c: 'Primary;Influencer' }, ctx), 'Contact_Roles__c', /Influencer/);
      assertMappingError(() => sf.fromSalesforceContact({ Id: '003000000000001AAA', LastName: 'Doe' }, ctx), 'AccountId', /required/);
    });
  });

  describe('Opportunity with line items', () => {
    it('round-trips every field Salesforce holds', () => {
      const opp = fixture('syncwright/opportunity@1');
      const { record, lineItems } = sf.toSalesforceOpportunity(opp, ctx, { correlationId: 'corr-1' });
      assert.equal(record.Billing_Type__c, 'Milestone');
      assert.equal(record.Amount, 120000);
      assert.equal(record.NetSuite_Customer_Id__c, '1001');
      assert.equal(record.Sync_Correlation_Id__c, 'corr-1');
      assert.equal(record.Billing_Frequency__c, 'On Milestone');
      assert.equal(lineItems.length, 2);
      assert.deepEqual(lineItems[1], {
        OpportunityId: '006000000000001AAA',
        Quantity: 100,
        UnitPrice: 200,
        Line_Number__c: 2,
        Billing_Type__c: 'Time and Materials',
        Role__c: 'Senior Consultant',
        Hours__c: 100,
      });
      // As SOQL returns it: read-only IsWon/IsClosed, the account's key, and the lines with their product codes.
      const read = {
        ...json(record),
        Id: '006000000000001AAA',
        IsWon: true,
        IsClosed: true,
        Account: { Syncwright_Key__c: 'acct:ACME' },
        OpportunityLineItems: { totalSize: 2, done: true, records: json(lineItems).map((l, i) => ({ ...l, ProductCode: i === 0 ? 'IMPL' : 'CONSULT' })) },
      };
      const back = accepted('syncwright/opportunity@1', sf.fromSalesforceOpportunity(read, ctx));
      const expected = { ...opp, currency: 'USD', legalEntity: { code: 'US01', name: 'Syncwright Consulting Inc.', country: 'US' } };
      assert.deepEqual(back, expected);
    });

    it('reads an opportunity with its line items sub-query, computing totals Salesforce did not return', () => {
      const record = {
        attributes: attributes('Opportunity', '0065g000003AbCdAAK'),
        Id: '0065g000003AbCdAAK',
        Name: 'Globex data platform',
        AccountId: '0015g00000XyZabAAB',
        StageName: 'Negotiation/Review',
        IsWon: false,
        IsClosed: false,
        CloseDate: '2026-06-30',
        Amount: 45450.5,
        CurrencyIsoCode: 'EUR',
        Probability: 60,
        Syncwright_Key__c: null,
        Billing_Type__c: 'Time and Materials',
        Contract_Start_Date__c: null,
        Resource_Needs__c: '[{"role":"Architect","hours":120,"skills":["AWS"]}]',
        OpportunityLineItems: {
          totalSize: 2,
          done: true,
          records: [
            { attributes: attributes('OpportunityLineItem', '00k5g000001AAAAAA2'), Id: '00k5g000001AAAAAA2', Quantity: 3, UnitPrice: 1000.5, Discount: 10, ProductCode: 'ARCH', Line_Number__c: null },
            { Id: '00k5g000001AAAAAA3', Quantity: 1, UnitPrice: 42750, TotalPrice: 42750, ProductCode: 'IMPL', Line_Number__c: 7 },
          ],
        },
      };
      const opp = accepted('syncwright/opportunity@1', sf.fromSalesforceOpportunity(record, ctx));
      assert.equal(opp.businessKey, 'opp:0065g000003AbCdAAK');
      assert.equal(opp.status, 'open');
      assert.deepEqual(opp.amount, { amount: '45450.50', currency: 'EUR' });
      assert.deepEqual(opp.lineItems[0]?.total, { amount: '2701.35', currency: 'EUR' }); // 3 × 1000.50 × 90 %
      assert.equal(opp.lineItems[0]?.lineNumber, 1);
      assert.equal(opp.lineItems[1]?.lineNumber, 7);
      assert.deepEqual(opp.resourceNeeds, [{ role: 'Architect', hours: 120, skills: ['AWS'] }]);
      assert.equal(opp.contractTerms, undefined);
    });

    it('derives won and lost from the stage when IsWon is not selected', () => {
      const base = { Id: '006000000000002AAA', Name: 'X', AccountId: '001000000000001AAA', CloseDate: '2026-01-31' };
      assert.equal(sf.fromSalesforceOpportunity({ ...base, StageName: 'Closed Won' }, ctx).status, 'won');
      assert.equal(sf.fromSalesforceOpportunity({ ...base, StageName: 'Closed Lost' }, ctx).status, 'lost');
      assert.equal(sf.fromSalesforceOpportunity({ ...base, StageName: 'Prospecting' }, ctx).status, 'open');
    });

    it('refuses unknown picklist values, contradictory status and malformed resource needs', () => {
      const base = { Id: '006000000000002AAA', Name: 'X', AccountId: '001000000000001AAA', StageName: 'Prospecting', CloseDate: '2026-01-31' };
      assertMappingError(() => sf.fromSalesforceOpportunity({ ...base, Billing_Type__c: 'Subscription' }, ctx), 'Billing_Type__c', /not a known Billing_Type__c/);
      assertMappingError(() => sf.fromSalesforceOpportunity({ ...base, Resource_Needs__c: '{oops' }, ctx), 'Resource_Needs__c', /not JSON/);
      assertMappingError(() => sf.fromSalesforceOpportunity({ ...base, Payment_Terms__c: 'NET30' }, ctx), 'Contract_Start_Date__c', /required/);
      assertMappingError(() => sf.fromSalesforceOpportunity({ ...base, StageName: undefined }, ctx), 'StageName', /required/);
      assertMappingError(() => sf.fromSalesforceOpportunity({ ...base, CloseDate: '31/01/2026' }, ctx), 'CloseDate', /YYYY-MM-DD/);
      assertMappingError(() => sf.toSalesforceOpportunity(fixture('syncwright/opportunity@1', { stage: 'Negotiation' }), ctx), 'status', /means "open"/);
      const eur = fixture('syncwright/opportunity@1');
      eur.lineItems[0] = { ...eur.lineItems[0], unitPrice: { amount: '1.00', currency: 'EUR' } };
      assertMappingError(() => sf.toSalesforceOpportunity(eur, ctx), 'lineItems[0].unitPrice.currency', /one currency/);
      const withBook = { ...ctx, pricebookEntryIds: { IMPL: '01u000000000001AAA' } };
      assertMappingError(() => sf.toSalesforceOpportunity(fixture('syncwright/opportunity@1'), withBook), 'lineItems[1].productCode', /CONSULT/);
    });
  });

  describe('Certinia pse__Proj__c', () => {
    it('round-trips every field Certinia holds', () => {
      const project = fixture('syncwright/project@1');
      const written = sf.toCertiniaProject(project, ctx);
      assert.equal(written.pse__Stage__c, 'In Progress');
      assert.equal(written.pse__Is_Active__c, true);
      assert.equal(written.pse__Billing_Type__c, 'Milestone');
      assert.deepEqual(written.pse__Opportunity__r, { Syncwright_Key__c: 'opp:006000000000001AAA' });
      const read = { Id: 'a0x000000000001AAA', ...json(written), pse__Account__r: { Syncwright_Key__c: 'acct:ACME' } };
      const back = accepted('syncwright/project@1', sf.fromCertiniaProject(read, ctx));
      const expected = { ...project, externalIds: { certinia: 'a0x000000000001AAA' } };
      // No Certinia field for the budget; the project manager is written only by Contact id.
      assert.deepEqual(back, without(expected, ['budget', 'projectManager', 'account.externalIds.netsuite']));
    });

    it('refuses an unknown stage', () => {
      const record = { Id: 'a0x000000000001AAA', Name: 'P', pse__Account__c: '001000000000001AAA', pse__Start_Date__c: '2026-01-05', pse__Stage__c: 'Tentative', pse__Billing_Type__c: 'Fixed Fee' };
      assertMappingError(() => sf.fromCertiniaProject(record, ctx), 'pse__Stage__c', /Tentative/);
    });
  });

  describe('Certinia pse__Milestone__c', () => {
    it('round-trips every field Certinia holds', () => {
      const milestone = fixture('syncwright/work-item@1');
      const written = sf.toCertiniaMilestone(milestone, ctx);
      assert.deepEqual(written, {
        Syncwright_Key__c: 'ms:ACME-ERP:1',
        Name: 'Design signed off',
        pse__Project__r: { Syncwright_Key__c: 'proj:ACME-ERP' },
        pse__Target_Date__c: '2026-05-15',
        pse__Milestone_Amount__c: 40000,
        pse__Status__c: 'Planned',
        CurrencyIsoCode: 'USD',
      });
      const back = accepted('syncwright/work-item@1', sf.fromCertiniaMilestone({ Id: 'a0y000000000001AAA', ...json(written) }, ctx));
      const expected = { ...milestone, externalIds: { certinia: 'a0y000000000001AAA' } };
      assert.deepEqual(back, without(expected, ['project.externalIds']));
    });

    it('refuses a task', () => {
      assertMappingError(() => sf.toCertiniaMilestone(fixture('syncwright/work-item@1', { kind: 'task' }), ctx), 'kind', /only milestones/);
    });
  });

  describe('Certinia pse__Timecard_Header__c', () => {
    it('maps a daily entry to its weekday on the timecard of its week, and back', () => {
      const entry = fixture('syncwright/time-entry@1'); // Monday 2026-04-06, 7.5 h
      const written = sf.toCertiniaTimecard(entry, ctx);
      assert.deepEqual(written, {
        Syncwright_Key__c: 'tc:2026-04-06:res%3Ajane.doe:proj%3AACME-ERP',
        pse__Resource__r: { Syncwright_Key__c: 'res:jane.doe' },
        pse__Project__r: { Syncwright_Key__c: 'proj:ACME-ERP' },
        pse__Start_Date__c: '2026-04-06',
        pse__Monday_Hours__c: 7.5,
        pse__Status__c: 'Approved',
        pse__Billable__c: true,
      });
      const back = sf.fromCertiniaTimecard({ Id: 'a0z000000000001AAA', ...json(written) }, ctx).map((e) => accepted('syncwright/time-entry@1', e));
      assert.equal(back.length, 1);
      const expected = { ...entry, externalIds: { certinia: 'a0z000000000001AAA' } };
      // A timecard holds no rate; the references come back by key.
      assert.deepEqual(back[0], without(expected, ['billRate', 'resource.externalIds', 'project.externalIds']));
    });

    it('puts a Thursday entry on the Thursday field of the week that starts on Monday (or Sunday)', () => {
      const entry = fixture('syncwright/time-entry@1', { date: '2026-04-09', businessKey: 'te:jane.doe:2026-04-09:ACME-ERP', hours: 3.25 });
      const monday = sf.toCertiniaTimecard(entry, ctx);
      assert.equal(monday.pse__Start_Date__c, '2026-04-06');
      assert.equal(monday.pse__Thursday_Hours__c, 3.25);
      const sunday = sf.toCertiniaTimecard(entry, { ...ctx, timecardWeekStart: 'sunday' });
      assert.equal(sunday.pse__Start_Date__c, '2026-04-05');
      assert.equal(sunday.pse__Thursday_Hours__c, 3.25);
    });

    it('reads a whole week as one entry per day with hours', () => {
      const record = {
        attributes: attributes('pse__Timecard_Header__c', 'a0z000000000002AAA'),
        Id: 'a0z000000000002AAA',
        Syncwright_Key__c: null,
        pse__Resource__c: '0035g00000Res01AAA',
        pse__Resource__r: { Syncwright_Key__c: 'res:sam.lee' },
        pse__Project__c: 'a0x000000000001AAA',
        pse__Project__r: { Syncwright_Key__c: 'proj:GLOBEX-DATA' },
        pse__Start_Date__c: '2026-03-30',
        pse__Monday_Hours__c: 8,
        pse__Tuesday_Hours__c: 0,
        pse__Wednesday_Hours__c: 6.5,
        pse__Thursday_Hours__c: null,
        pse__Friday_Hours__c: 4,
        pse__Saturday_Hours__c: 0,
        pse__Sunday_Hours__c: 0,
        pse__Status__c: 'Submitted',
        pse__Billable__c: false,
      };
      const entries = sf.fromCertiniaTimecard(record, ctx).map((e) => accepted('syncwright/time-entry@1', e));
      assert.deepEqual(
        entries.map((e) => [e.businessKey, e.date, e.hours, e.status, e.billable]),
        [
          ['te:sam.lee:2026-03-30:GLOBEX-DATA', '2026-03-30', 8, 'submitted', false],
          ['te:sam.lee:2026-04-01:GLOBEX-DATA', '2026-04-01', 6.5, 'submitted', false],
          ['te:sam.lee:2026-04-03:GLOBEX-DATA', '2026-04-03', 4, 'submitted', false],
        ],
      );
      assert.deepEqual(entries[0]?.resource, { businessKey: 'res:sam.lee', externalIds: { certinia: '0035g00000Res01AAA' } });
    });

    it('round-trips any day of any week', () => {
      const day = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
      const quarterHours = fc.integer({ min: 1, max: 96 }).map((q) => q / 4);
      fc.assert(
        fc.property(day, quarterHours, fc.constantFrom<'monday' | 'sunday'>('monday', 'sunday'), (date, hours, weekStart) => {
          const entry = fixture('syncwright/time-entry@1', { date, hours, businessKey: sf.timeEntryKey('res:jane.doe', 'proj:ACME-ERP', date) });
          const c = { ...ctx, timecardWeekStart: weekStart };
          const written = sf.toCertiniaTimecard(entry, c);
          assert.ok(written.pse__Start_Date__c <= date);
          assert.ok(Date.parse(date) - Date.parse(written.pse__Start_Date__c) < 7 * 86_400_000);
          const back = sf.fromCertiniaTimecard(json(written), c);
          assert.equal(back.length, 1);
          assert.equal(back[0]?.date, date);
          assert.equal(back[0]?.hours, hours);
          assert.equal(back[0]?.businessKey, entry.businessKey);
        }),
        { numRuns: 300 },
      );
    });

    it('refuses an entry whose key cannot come back from a timecard, and hours Certinia cannot hold', () => {
      assertMappingError(() => sf.toCertiniaTimecard(fixture('syncwright/time-entry@1', { businessKey: 'te:kantata:991' }), ctx), 'businessKey', /te:jane.doe:2026-04-06:ACME-ERP/);
      assertMappingError(() => sf.toCertiniaTimecard(fixture('syncwright/time-entry@1', { hours: 7.333 }), ctx), 'hours', /2 decimal places/);
      assertMappingError(() => sf.toCertiniaTimecard(fixture('syncwright/time-entry@1', { resource: { externalIds: { certinia: 'a' } } }), ctx), 'resource.businessKey');
      assertMappingError(() => sf.fromCertiniaTimecard({ Syncwright_Key__c: 'tc:x', pse__Start_Date__c: '2026-04-06', pse__Status__c: 'Saved' }, ctx), 'Syncwright_Key__c');
      assertMappingError(() => sf.fromCertiniaTimecard({ pse__Resource__c: '0035g00000Res01AAA', pse__Project__c: 'a0x000000000001AAA', pse__Start_Date__c: '2026-04-06', pse__Status__c: 'Open' }, ctx), 'pse__Status__c', /Open/);
    });
  });

  describe('Certinia pse__Resource_Request__c', () => {
    it('round-trips every field Certinia holds', () => {
      const request = fixture('syncwright/resource-request@1');
      const written = sf.toCertiniaResourceRequest(request, ctx);
      assert.equal(written.pse__Status__c, 'Ready to Staff');
      assert.equal(written.pse__SOW_Hours__c, 100);
      const back = accepted('syncwright/resource-request@1', sf.fromCertiniaResourceRequest({ Id: 'a0w000000000001AAA', ...json(written) }, ctx));
      assert.deepEqual(back, { ...request, externalIds: { certinia: 'a0w000000000001AAA' } });
    });

    it('refuses a request that belongs to nothing', () => {
      const record = { Id: 'a0w000000000001AAA', pse__Resource_Role__c: 'Architect', pse__Start_Date__c: '2026-04-01', pse__End_Date__c: '2026-04-30', pse__Status__c: 'Open', pse__SOW_Hours__c: 10 };
      assertMappingError(() => sf.fromCertiniaResourceRequest(record, ctx), 'pse__Project__c', /opportunity or a project/);
    });
  });

  it('takes an explicit parent id over the reference', () => {
    const call: MappingCall = { parents: { project: 'a0x000000000009AAA' } };
    assert.equal(sf.toCertiniaMilestone(fixture('syncwright/work-item@1'), ctx, call).pse__Project__c, 'a0x000000000009AAA');
  });
});
