import assert from 'node:assert/strict';
import { guardPayload, schemaIds, validateCanonical, type FieldError } from '../../../canonical/index.js';
import { example, validExamples } from '../../fixtures/canonical.js';

function errorsOf(schema: string, payload: unknown): FieldError[] {
  const r = validateCanonical(schema, payload);
  assert.equal(r.ok, false, `expected ${schema} to reject the payload`);
  return r.ok ? [] : r.errors;
}

function hasError(errors: FieldError[], path: string, pattern?: RegExp): void {
  const hit = errors.find((e) => e.path === path && (pattern === undefined || pattern.test(e.message)));
  assert.ok(hit, `expected an error at "${path}"${pattern ? ` matching ${pattern}` : ''}, got ${JSON.stringify(errors)}`);
}

describe('canonical model v1', () => {
  it('has a valid example for each of the fourteen objects', () => {
    assert.equal(schemaIds.length, 14);
    for (const id of schemaIds) {
      const r = validateCanonical(id, validExamples[id]);
      assert.ok(r.ok, `${id}: ${r.ok ? '' : JSON.stringify(r.errors)}`);
    }
  });

  it('normalises: trims strings, upper-cases currencies and countries, lower-cases e-mail, fills defaults', () => {
    const opp = example('syncwright/opportunity@1');
    opp['name'] = '  ACME ERP rollout  ';
    opp['amount'] = { amount: '120000.00', currency: ' usd ' };
    opp['legalEntity'] = { code: 'US01', country: 'us' };
    const r = validateCanonical('syncwright/opportunity@1', opp);
    assert.ok(r.ok);
    assert.equal(r.value.name, 'ACME ERP rollout');
    assert.deepEqual(r.value.amount, { amount: '120000.00', currency: 'USD' });
    assert.equal(r.value.legalEntity?.country, 'US');
    const contact = validateCanonical('syncwright/contact@1', example('syncwright/contact@1'));
    assert.ok(contact.ok);
    assert.equal(contact.value.email, 'jo@acme.example');
    assert.equal(contact.value.status, 'active');
  });

  it('converts date-times with an offset to UTC', () => {
    const acct = example('syncwright/account@1');
    acct['updatedAt'] = '2026-03-01T10:00:00+02:00';
    const r = validateCanonical('syncwright/account@1', acct);
    assert.ok(r.ok);
    assert.equal(r.value.updatedAt, '2026-03-01T08:00:00.000Z');
  });

  it('rejects money written as a number, naming the field', () => {
    const opp = example('syncwright/opportunity@1');
    opp['amount'] = { amount: 1200.5, currency: 'USD' };
    hasError(errorsOf('syncwright/opportunity@1', opp), 'amount.amount');
  });

  it('rejects an unknown currency and an unknown country', () => {
    const acct = example('syncwright/account@1');
    acct['currency'] = 'XXY';
    acct['billingAddress'] = { country: 'QQ' };
    const errors = errorsOf('syncwright/account@1', acct);
    hasError(errors, 'currency', /ISO 4217/);
    hasError(errors, 'billingAddress.country', /ISO 3166/);
  });

  it('rejects impossible dates and end dates before start dates', () => {
    const c = example('syncwright/contract@1');
    c['startDate'] = '2026-02-30';
    hasError(errorsOf('syncwright/contract@1', c), 'startDate', /YYYY-MM-DD/);
    const p = example('syncwright/project@1');
    p['endDate'] = '2026-01-01';
    hasError(errorsOf('syncwright/project@1', p), 'endDate', /before the start/);
  });

  it('rejects negative hours and more than 24 hours in one time entry', () => {
    const t = example('syncwright/time-entry@1');
    t['hours'] = -1;
    hasError(errorsOf('syncwright/time-entry@1', t), 'hours', /negative/);
    t['hours'] = 25;
    hasError(errorsOf('syncwright/time-entry@1', t), 'hours', /24/);
  });

  it('reports every bad field at once, with paths into arrays', () => {
    const opp = example('syncwright/opportunity@1');
    opp['name'] = '';
    opp['lineItems'] = [{ lineNumber: 1, quantity: '-2', unitPrice: { amount: '1', currency: 'usd' }, total: { amount: 'x', currency: 'USD' } }];
    delete opp['closeDate'];
    const errors = errorsOf('syncwright/opportunity@1', opp);
    hasError(errors, 'name');
    hasError(errors, 'lineItems[0].quantity', /negative/);
    hasError(errors, 'lineItems[0].total.amount', /decimal/);
    hasError(errors, 'closeDate', /required/);
  });

  it('rejects unknown fields by name', () => {
    const acct = example('syncwright/account@1');
    acct['nmae'] = 'typo';
    hasError(errorsOf('syncwright/account@1', acct), '', /unknown field "nmae"/);
  });

  it('rejects a reference with neither a business key nor an external id', () => {
    const c = example('syncwright/contact@1');
    c['account'] = {};
    hasError(errorsOf('syncwright/contact@1', c), 'account', /businessKey/);
  });

  it('requires an amount on a billable milestone', () => {
    const m = example('syncwright/work-item@1');
    delete m['amount'];
    hasError(errorsOf('syncwright/work-item@1', m), 'amount', /milestone/);
  });

  it('rejects hostile input with a reason instead of throwing', () => {
    hasError(errorsOf('syncwright/account@1', 'a string'), '', /must be an object/);
    hasError(errorsOf('syncwright/account@1', null), '', /null/);
    hasError(errorsOf('syncwright/account@1', [1, 2]), '', /array/);
    const huge = example('syncwright/account@1');
    huge['name'] = 'x'.repeat(5_000_000);
    hasError(errorsOf('syncwright/account@1', huge), '', /larger than/);
    const long = example('syncwright/account@1');
    long['name'] = 'x'.repeat(300);
    hasError(errorsOf('syncwright/account@1', long), 'name', /255/);
    const polluted = JSON.parse('{"businessKey":"a","name":"n","__proto__":{"isAdmin":true}}') as unknown;
    hasError(errorsOf('syncwright/account@1', polluted), '__proto__', /prototype pollution/);
    const ctor = example('syncwright/account@1');
    ctor['tax'] = JSON.parse('{"constructor":{"prototype":{"x":1}}}');
    hasError(errorsOf('syncwright/account@1', ctor), 'tax.constructor', /not allowed/);
    assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined);
    let deep: Record<string, unknown> = {};
    const top = deep;
    for (let i = 0; i < 100; i++) deep = (deep['custom'] = {});
    assert.ok(errorsOf('syncwright/account@1', top).some((e) => e.code === 'too_deep'));
    const circular: Record<string, unknown> = { businessKey: 'a', name: 'b' };
    circular['self'] = circular;
    hasError(errorsOf('syncwright/account@1', circular), 'self', /circular/);
  });

  it('names every value that is not JSON data, and accepts an object referenced twice (not a cycle)', () => {
    const odd = example('syncwright/account@1');
    odd['custom'] = { f: () => 1, m: new Map(), n: 10n, s: Symbol('x'), list: [1, { g: () => 2 }] };
    const codes = guardPayload(odd).map((e) => `${e.path}:${e.code}`);
    assert.deepEqual(codes.sort(), ['custom.f:not_json', 'custom.list[1].g:not_json', 'custom.m:not_plain_object', 'custom.n:not_json', 'custom.s:not_json']);
    const shared = { note: 'same object twice' };
    const twice = { ...example('syncwright/account@1'), custom: { a: shared, b: shared, c: [shared, shared] } };
    assert.deepEqual(guardPayload(twice), []);
    const withDate = { ...example('syncwright/account@1'), custom: { at: new Date(0) } };
    assert.deepEqual(guardPayload(withDate), []);
    // Shared references nested 30 deep (2^30 paths): each object is walked once.
    let nested: unknown = { leaf: 1 };
    for (let i = 0; i < 30; i++) nested = [nested, nested];
    assert.deepEqual(guardPayload({ ...example('syncwright/account@1'), custom: { nested } }, { maxSize: 1_000_000, maxDepth: 40 }), []);
    const loop: unknown[] = [];
    loop.push({ back: loop });
    assert.deepEqual(guardPayload({ list: loop }).map((e) => `${e.path}:${e.code}`), ['list[0].back:circular']);
  });

  it('answers an unknown schema with the list of known ones', () => {
    const errors = errorsOf('syncwright/widget@1', {});
    assert.equal(errors[0]?.code, 'unknown_schema');
    assert.match(errors[0]?.message ?? '', /syncwright\/account@1/);
  });
});

describe('canonical validation of objects from another realm', () => {
  it('accepts a valid object built in a vm context, as a function node builds it', async () => {
    const { runInNewContext } = await import('node:vm');
    const { example } = await import('../../fixtures/canonical.js');
    const foreign = runInNewContext(`(${JSON.stringify(example('syncwright/account@1'))})`) as unknown;
    const r = validateCanonical('syncwright/account@1', foreign);
    assert.ok(r.ok, JSON.stringify(r.ok ? '' : r.errors));
  });
});
