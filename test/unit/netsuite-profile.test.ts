// NetSuiteProfile on answers the sandbox does not produce: a RESTlet's SSS_REQUEST_LIMIT_EXCEEDED, a body that
// is not JSON, NetSuite's documented shapes with codes in an unexpected status. The classification goes by the
// code first, then by the status.
import assert from 'node:assert/strict';
import type { HttpResponse } from '../../runtime-plugins/http/http-client.js';
import { IdempotencyConflict, NetSuiteProfile } from '../../nodes/netsuite/client/profile.js';

function answer(status: number, data: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers, data, request: { method: 'POST', url: 'https://1234567.restlets.api.netsuite.com/app/site/hosting/restlet.nl' } };
}

const details = (code: string, detail: string, path?: string) => ({ type: 'https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1', title: 'Bad Request', status: 400, 'o:errorDetails': [{ detail, 'o:errorCode': code, ...(path ? { 'o:errorPath': path } : {}) }] });

describe('NetSuite error classification', () => {
  const profile = new NetSuiteProfile({ concurrencyLimit: 15 });

  it('takes a RESTlet SSS_REQUEST_LIMIT_EXCEEDED for rate-limit, with the Retry-After when one is sent', () => {
    const e = profile.classify(answer(400, details('SSS_REQUEST_LIMIT_EXCEEDED', 'Request limit exceeded.'), { 'retry-after': '3' })).syncwright;
    assert.deepEqual([e.class, e.code, e.retryable, e.retryAfterMs, e.limit], ['rate-limit', 'SSS_REQUEST_LIMIT_EXCEEDED', true, 3000, { used: 15, max: 15, kind: 'concurrency' }]);
  });

  it('goes by the code before the status', () => {
    assert.equal(profile.classify(answer(503, details('CONCURRENCY_LIMIT_EXCEEDED', 'Concurrent request limit exceeded. Request blocked.'))).syncwright.class, 'rate-limit');
    assert.equal(profile.classify(answer(400, details('USER_ERROR', 'Permission Violation: You need the Lists > Customers permission.'))).syncwright.class, 'policy');
    assert.equal(profile.classify(answer(400, details('USER_ERROR', 'This entity already exists.'))).syncwright.class, 'conflict');
    assert.equal(profile.classify(answer(400, details('USER_ERROR', 'Please enter value(s) for: Company Name', 'companyName'))).syncwright.class, 'data');
  });

  it('carries the Location of the original job with an IDEMPOTENCY_ERROR', () => {
    const err = profile.classify(answer(400, details('IDEMPOTENCY_ERROR', 'Duplicate key.'), { location: '/services/rest/async/v1/job/7' }));
    assert.ok(err instanceof IdempotencyConflict);
    assert.equal(err.jobLocation, '/services/rest/async/v1/job/7');
    assert.equal(err.syncwright.class, 'conflict');
  });

  it('classifies an answer that is not JSON by its status, with its text', () => {
    const e = profile.classify(answer(502, '<html>Bad Gateway</html>'));
    assert.deepEqual([e.syncwright.class, e.syncwright.code, e.syncwright.retryable], ['transient', 'HTTP_502', true]);
    assert.match(e.message, /Bad Gateway/);
    assert.equal(profile.classify(answer(429, '')).syncwright.class, 'rate-limit');
  });
});
