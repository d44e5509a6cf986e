import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect, multiplexedStreams, sha256Hex } from '../client.js';
import { fakeFetch, fakeWebSocketClass, json, sseStream, waitFor } from './fakes.js';

const baseUrl = 'http://gw.test';

function muxNegotiate(req, extra = {}) {
  const asked = JSON.parse(req.init.body).subscriptions;
  return json({
    version: 1,
    subscriptions: asked.map((s) => (s.path.includes('denied')
      ? { path: s.path, result: 'error', error: 'forbidden', status: 403 }
      : { path: s.path, result: 'ok', cursor: s.cursor ?? 'e1-10' })),
    transports: ['websocket', 'sse', 'longpolling', 'polling'],
    heartbeatMs: 15000,
    reconnect: { baseMs: 10, maxMs: 20 },
    ...extra,
  });
}

test('Sha256Hex_MatchesNodeCrypto', () => {
  for (const text of ['', 'abc', '/orders/42/events', 'é'.repeat(100)]) {
    assert.equal(sha256Hex(new TextEncoder().encode(text)), createHash('sha256').update(text).digest('hex'));
  }
});

test('Mux_TwoConnectsInOneTask_OneNegotiateOneSocket_SubscribeFramesWithCursors', async () => {
  const WebSocket = fakeWebSocketClass();
  const fetch = fakeFetch((req) => muxNegotiate(req));
  const got = { a: [], b: [] };
  const a = connect('/a/1/events', { baseUrl, fetch, WebSocket, onEvent: (e) => got.a.push(e.data) });
  const b = connect('/b/1/events', { baseUrl, fetch, WebSocket, cursor: 'e1-3', onEvent: (e) => got.b.push(e.data) });
  await waitFor(() => WebSocket.instances.length === 1, 2000, 'one socket');
  assert.equal(fetch.requests.length, 1);
  assert.equal(fetch.requests[0].path, '/_gateway/stream/negotiate');
  const ws = WebSocket.instances[0];
  assert.equal(ws.url.pathname, '/_gateway/stream');
  ws.serverOpen();
  assert.deepEqual(ws.sent, [
    { type: 'subscribe', path: '/a/1/events', cursor: 'e1-10' },
    { type: 'subscribe', path: '/b/1/events', cursor: 'e1-3' },
  ]);
  ws.serverSend({ type: 'subscribed', path: '/a/1/events', cursor: 'e1-10' });
  ws.serverSend({ type: 'event', path: '/a/1/events', id: 'e1-11', data: 1 });
  ws.serverSend({ type: 'event', path: '/b/1/events', id: 'e1-4', data: 2 });
  ws.serverSend({ type: 'event', path: '/a/1/events', id: 'e1-11', data: 1 });
  assert.deepEqual(got, { a: [1], b: [2] });
  assert.equal(multiplexedStreams().length, 1);

  // A third subscription joins the open socket; closing one unsubscribes it only.
  const c = connect('/c/1/events', { baseUrl, fetch, WebSocket });
  await waitFor(() => ws.sent.length === 3, 2000, 'subscribe frame');
  assert.deepEqual(ws.sent[2], { type: 'subscribe', path: '/c/1/events' });
  a.close();
  await waitFor(() => ws.sent.length === 4, 2000, 'unsubscribe frame');
  assert.deepEqual(ws.sent[3], { type: 'unsubscribe', path: '/a/1/events' });
  assert.equal(WebSocket.instances.length, 1);
  b.close();
  c.close();
  await waitFor(() => multiplexedStreams().length === 0, 2000, 'the stream to end with its last subscription');
});

test('Mux_RefusedAtNegotiate_FailsThatSubscriptionOnly', async () => {
  const WebSocket = fakeWebSocketClass();
  const fetch = fakeFetch((req) => muxNegotiate(req));
  const states = [];
  const ok = connect('/a/2/events', { baseUrl, fetch, WebSocket });
  const denied = connect('/denied/2/events', { baseUrl, fetch, WebSocket, onState: (s) => states.push(s) });
  await waitFor(() => WebSocket.instances.length === 1, 2000, 'socket');
  WebSocket.instances[0].serverOpen();
  await waitFor(() => denied.state === 'failed', 2000, 'denied failed');
  assert.equal(states.at(-1).reason, 'forbidden');
  assert.equal(states.at(-1).status, 403);
  assert.deepEqual(WebSocket.instances[0].sent, [{ type: 'subscribe', path: '/a/2/events', cursor: 'e1-10' }]);
  ok.close();
});

test('Mux_SseAfterWebSocket_SendsCompositeCursorBuiltFromEachSubscription', async () => {
  const WebSocket = fakeWebSocketClass();
  let sse;
  const fetch = fakeFetch((req) => {
    if (req.path.endsWith('/negotiate')) return muxNegotiate(req, { transports: ['sse'] });
    sse = sseStream(req.init.signal);
    return sse.response;
  });
  const got = [];
  const x = connect('/x/1/events', { baseUrl, fetch, WebSocket, cursor: 'j9-5', onEvent: (e) => got.push(e.data) });
  const y = connect('/y/1/events', { baseUrl, fetch, WebSocket, cursor: 'j9-7' });
  await waitFor(() => fetch.requests.length === 2, 2000, 'stream request');
  const req = fetch.requests[1];
  assert.deepEqual(req.url.searchParams.getAll('subscribe'), ['/x/1/events', '/y/1/events']);
  const key = (p) => createHash('sha256').update(p).digest('hex').slice(0, 8);
  const expected = `v1~j9.${[`${key('/x/1/events')}-5`, `${key('/y/1/events')}-7`].sort().join('.')}`;
  assert.equal(req.query.cursor, expected);
  sse.write('retry: 3000\n\nid: whatever\nevent: tick\ndata: {"path":"/x/1/events","id":"j9-6","data":{"n":6}}\n\n');
  await waitFor(() => got.length === 1, 2000, 'event');
  assert.deepEqual(got[0], { n: 6 });
  assert.equal(x.cursor, 'j9-6');
  x.close();
  y.close();
});

test('Mux_NoStreamEndpoint_EachSubscriptionGetsItsOwnConnection', async () => {
  const WebSocket = fakeWebSocketClass();
  const fetch = fakeFetch((req) => (req.path === '/_gateway/stream/negotiate'
    ? json({ error: 'not_found' }, 404)
    : json({ version: 1, transports: ['websocket'], cursor: 'm1-1', heartbeatMs: 15000, reconnect: { baseMs: 10, maxMs: 20 } })));
  const s = connect('/old/1/events', { baseUrl, fetch, WebSocket });
  await waitFor(() => WebSocket.instances.length === 1, 2000, 'single-route socket');
  assert.equal(WebSocket.instances[0].url.pathname, '/old/1/events');
  assert.equal(s.multiplexed, false);
  s.close();
});

test('ClientId_SameOnEveryRequestOfThePage_OnBothKindsOfConnection', async () => {
  const WebSocket = fakeWebSocketClass();
  const fetch = fakeFetch((req) => (req.path === '/_gateway/stream/negotiate'
    ? muxNegotiate(req)
    : json({ version: 1, transports: ['websocket'], cursor: 'm1-1', heartbeatMs: 15000, reconnect: { baseMs: 10, maxMs: 20 } })));
  const a = connect('/p/1/events', { baseUrl, fetch, WebSocket });
  const b = connect('/p/2/events', { baseUrl, fetch, WebSocket, multiplex: false });
  await waitFor(() => WebSocket.instances.length === 2, 2000, 'two sockets');
  const ids = [...fetch.requests.map((r) => r.query.clientId), ...WebSocket.instances.map((w) => w.url.searchParams.get('clientId'))];
  assert.equal(new Set(ids).size, 1);
  assert.match(ids[0], /^[A-Za-z0-9_-]{1,64}$/);
  a.close();
  b.close();
});
