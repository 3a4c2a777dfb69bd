// The Salesforce change polls against the sandbox with its clock held in one second (Salesforce stamps to the
// second): a record written again within it comes again under its own idempotency key, and once the sandbox's
// clock (its Date header) is past that second the cursor no longer holds its records.
import assert from 'node:assert/strict';
import { defaultSalesforceContext } from '../../canonical/mappings/salesforce/context.js';
import { changeFeedConfig, changesPoll } from '../../nodes/salesforce/changes.js';
import { SalesforceClient } from '../../nodes/salesforce/client/client.js';
import { ManualClock } from '../../sandbox/core/clock.js';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandbox/salesforce/index.js';

describe('Salesforce change poll within one second', function () {
  this.timeout(20_000);
  let sb: SalesforceSandbox;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000 + 100);
    sb = await startSalesforceSandbox({ seedData: true, clock });
  });
  afterEach(() => sb.close());

  it('sends a record written again within the second under a new idempotency key, and lets the second go once it is over', async () => {
    const client = new SalesforceClient({ loginUrl: sb.url, auth: { type: 'client-credentials', clientId: sb.demo.clientId, clientSecret: sb.demo.clientSecret } });
    const poll = changesPoll(client, { ...defaultSalesforceContext, corporateCurrency: 'USD', multiCurrency: true }, changeFeedConfig({ object: 'Account', condition: "Name LIKE 'Same%'", output: 'record', fields: 'Name, Phone', batchSize: 50 }));
    const acct = await client.upsert('Account', 'Syncwright_Key__c', 'acct:SAME-1', { Name: 'Same one', Phone: 'v1' });
    const first = await poll(undefined);
    assert.deepEqual(first.items.map((i) => i.msg['payload'] && (i.msg['payload'] as { Phone?: string }).Phone), ['v1']);
    const firstKey = (first.items[0]?.msg['sync'] as { idempotencyKey: string }).idempotencyKey;
    assert.ok(first.cursor !== undefined && 'seen' in first.cursor, 'the second is still open');
    // Written again in the same second: the same SystemModstamp, another version.
    await client.update('Account', acct.id, { Phone: 'v2' });
    clock.advance(500);
    const second = await poll(first.cursor);
    assert.deepEqual(second.items.map((i) => (i.msg['payload'] as { Phone?: string }).Phone), ['v2']);
    const secondKey = (second.items[0]?.msg['sync'] as { idempotencyKey: string }).idempotencyKey;
    assert.notEqual(secondKey, firstKey);
    assert.ok(secondKey.startsWith(firstKey), `${secondKey} names the stamp, then the version`);
    // Read again unchanged: nothing. Two seconds on, the cursor drops the second's records.
    assert.deepEqual((await poll(second.cursor)).items, []);
    clock.advance(2000);
    const later = await poll(second.cursor);
    assert.deepEqual(later.items, []);
    assert.deepEqual(Object.keys(later.cursor ?? {}).sort(), ['id', 'ts']);
  });
});
