import assert from 'node:assert/strict';
import { createEnvelope, extendEnvelope, readEnvelope, SyncEnvelope } from '../../../canonical/index.js';

describe('msg.sync envelope', () => {
  it('creates a context with a new correlation ID and occurredAt', () => {
    const env = createEnvelope({ businessKey: 'opp:1', schema: 'syncwright/opportunity@1', source: { system: 'salesforce', id: '006' } }, () => new Date('2026-01-02T03:04:05Z'));
    assert.match(env.correlationId, /^[0-9a-f-]{36}$/);
    assert.equal(env.occurredAt, '2026-01-02T03:04:05.000Z');
    assert.equal(env.schema, 'syncwright/opportunity@1');
    assert.notEqual(createEnvelope({ businessKey: 'x' }).correlationId, createEnvelope({ businessKey: 'x' }).correlationId);
  });

  it('gives the same envelope as the schema would, and refuses or normalises what the schema would', () => {
    const now = () => new Date('2026-01-02T03:04:05Z');
    for (const init of [{ businessKey: 'k' }, { businessKey: 'acct:1', schema: 'syncwright/account@1', source: { system: 'crm' } }, { businessKey: 'acct:1', source: { system: 'crm', id: '001' } }]) {
      const env = createEnvelope(init, now);
      assert.deepEqual(env, SyncEnvelope.parse(env));
    }
    assert.throws(() => createEnvelope({ businessKey: 'k', schema: 'account' }), /syncwright\/<object>@<major>/);
    assert.throws(() => createEnvelope({ businessKey: 'k', source: { system: '' } }));
    assert.throws(() => createEnvelope({ businessKey: 'k', source: { system: 'x'.repeat(65) } }));
    assert.throws(() => createEnvelope({ businessKey: 'x'.repeat(256) }));
    assert.equal(createEnvelope({ businessKey: ' k ', source: { system: ' crm ' } }).source?.system, 'crm');
    assert.equal(createEnvelope({ businessKey: ' k ' }).businessKey, 'k');
  });

  it('extends without dropping fields other nodes set, and never replaces the correlation ID or business key', () => {
    const env = { ...createEnvelope({ businessKey: 'opp:1' }), sagaId: 's1', vendorTrace: 'abc' };
    const next = extendEnvelope(env, { idempotencyKey: 'k', attempt: 2, businessKey: 'other' });
    assert.equal(next.correlationId, env.correlationId);
    assert.equal(next.businessKey, 'opp:1');
    assert.equal(next['vendorTrace'], 'abc');
    assert.equal(next.sagaId, 's1');
    assert.equal(next.idempotencyKey, 'k');
    assert.equal(next.attempt, 2);
  });

  it('reads only a well-formed envelope', () => {
    assert.equal(readEnvelope({ businessKey: 'x' }), undefined);
    assert.equal(readEnvelope('nope'), undefined);
    const env = createEnvelope({ businessKey: 'x' });
    assert.deepEqual(readEnvelope(env), env);
  });
});
