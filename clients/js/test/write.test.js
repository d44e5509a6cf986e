import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newIdempotencyKey, write } from '../client.js';
import { json } from './fakes.js';

const base = 'http://gw.test';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A fetch that answers from a script and records each request's method, URL, headers and body. */
function scripted(...answers) {
  const requests = [];
  const fetch = async (url, init) => {
    requests.push({ url: String(url), method: init.method, headers: new Headers(init.headers), body: init.body });
    const next = answers.shift();
    if (next instanceof Error) throw next;
    return typeof next === 'function' ? next() : next;
  };
  fetch.requests = requests;
  return fetch;
}

test('NewIdempotencyKey_IsARandomUuidV4_AlsoWithoutRandomUUID', () => {
  const a = newIdempotencyKey();
  assert.match(a, UUID);
  assert.notEqual(a, newIdempotencyKey());

  // Insecure contexts (plain-HTTP pages) have getRandomValues but no randomUUID.
  const real = globalThis.crypto;
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  Object.defineProperty(globalThis, 'crypto', { value: { getRandomValues: (b) => real.getRandomValues(b) }, configurable: true });
  try {
    assert.match(newIdempotencyKey(), UUID);
  } finally {
    Object.defineProperty(globalThis, 'crypto', saved);
  }
});

test('Write_Created_SendsOneRequestWithAGeneratedKeyAndJsonBody', async () => {
  const fetch = scripted(json({ id: 1 }, 201));
  const res = await write('/orders', { baseUrl: base, fetch, body: { item: 'book' }, accessToken: 't0k' });

  assert.equal(res.status, 201);
  assert.equal(fetch.requests.length, 1);
  const [r] = fetch.requests;
  assert.equal(r.method, 'POST');
  assert.equal(r.url, 'http://gw.test/orders');
  assert.match(r.headers.get('idempotency-key'), UUID);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal(r.headers.get('authorization'), 'Bearer t0k');
  assert.equal(r.body, '{"item":"book"}');
});

test('Write_InFlight409_WaitsRetryAfter_RetriesWithTheSameKeyAndBody_ReturnsTheReplay', async () => {
  const fetch = scripted(
    json({ error: 'idempotency_key_in_flight', message: 'wait' }, 409, { 'retry-after': '1' }),
    json({ id: 1 }, 201, { 'idempotent-replayed': 'true' }),
  );
  const retries = [];
  const started = Date.now();
  const res = await write('/orders', { baseUrl: base, fetch, method: 'PATCH', body: '{"qty":1}', headers: { 'content-type': 'application/json' }, onRetry: (r) => retries.push(r) });

  assert.equal(res.status, 201);
  assert.equal(res.headers.get('idempotent-replayed'), 'true');
  assert.ok(Date.now() - started >= 950, 'Retry-After was not honoured');
  assert.equal(fetch.requests.length, 2);
  assert.equal(fetch.requests[0].headers.get('idempotency-key'), fetch.requests[1].headers.get('idempotency-key'));
  assert.deepEqual(fetch.requests.map((r) => [r.method, r.body]), [['PATCH', '{"qty":1}'], ['PATCH', '{"qty":1}']]);
  assert.deepEqual(retries.map((r) => [r.attempt, r.status, r.delayMs]), [[1, 409, 1000]]);
});

test('Write_BackendsOwn409_IsFinal', async () => {
  const fetch = scripted(json({ error: 'conflict' }, 409));
  const res = await write('/orders', { baseUrl: base, fetch, body: {} });
  assert.equal(res.status, 409);
  assert.equal(fetch.requests.length, 1);
});

test('Write_NetworkErrorsAnd5xx_RetriedWithTheSameKey_FourHundredsAreFinal', async () => {
  const fetch = scripted(new TypeError('fetch failed'), json({ error: 'backend_failure' }, 503), json({ error: 'bad' }, 400));
  const retries = [];
  const res = await write('/orders', { baseUrl: base, fetch, body: {}, idempotencyKey: 'k-1', backoff: { baseMs: 1, maxMs: 5 }, onRetry: (r) => retries.push(r) });

  assert.equal(res.status, 400);
  assert.deepEqual(fetch.requests.map((r) => r.headers.get('idempotency-key')), ['k-1', 'k-1', 'k-1']);
  assert.equal(retries[0].error.message, 'fetch failed');
  assert.equal(retries[1].status, 503);
});

test('Write_EveryAttemptFailsOnTheNetwork_RejectsAfterMaxAttempts', async () => {
  const fetch = scripted(new TypeError('a'), new TypeError('b'), new TypeError('c'));
  await assert.rejects(write('/orders', { baseUrl: base, fetch, maxAttempts: 3, backoff: { baseMs: 1, maxMs: 2 } }), /c/);
  assert.equal(fetch.requests.length, 3);
});

test('Write_LastAttemptStill503_ReturnsIt', async () => {
  const fetch = scripted(json({}, 503), json({}, 503));
  const res = await write('/orders', { baseUrl: base, fetch, maxAttempts: 2, backoff: { baseMs: 1, maxMs: 2 } });
  assert.equal(res.status, 503);
  assert.equal(fetch.requests.length, 2);
});

test('Write_Aborted_WhileWaitingToRetry_RejectsWithAbortError', async () => {
  const ctrl = new AbortController();
  const fetch = scripted(json({ error: 'idempotency_key_in_flight' }, 409, { 'retry-after': '30' }));
  const pending = write('/orders', { baseUrl: base, fetch, signal: ctrl.signal });
  setTimeout(() => ctrl.abort(), 20);
  await assert.rejects(pending, { name: 'AbortError' });
  assert.equal(fetch.requests.length, 1);
});
