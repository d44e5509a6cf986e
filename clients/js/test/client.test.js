import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { connect as connectAny, forgetTransports, rememberedTransport } from '../client.js';

// These tests drive one route's own connection; the shared multiplexed stream has its own tests (mux.test.js).
const connect = (path, options) => connectAny(path, { multiplex: false, clientId: false, ...options });
import { fakeFetch, fakeWebSocketClass, json, negotiateBody, sseStream, waitFor } from './fakes.js';

const base = 'http://gw.test';
const key = (path) => new URL(path, base).href;

beforeEach(() => forgetTransports());

/** connect() with recorders for events and states; close() it at the end of the test. */
function open(path, options) {
  const events = [];
  const states = [];
  const resets = [];
  const sub = connect(path, {
    baseUrl: base,
    onEvent: (e) => events.push(e),
    onState: (s) => states.push(s),
    onReset: (c) => resets.push(c),
    ...options,
  });
  return { sub, events, states, resets, names: () => states.map((s) => s.state) };
}

test('WebSocket_OpensAndDelivers_DropsDuplicatesAndTracksCursor', async (t) => {
  const WebSocket = fakeWebSocketClass();
  const fetch = fakeFetch(() => json(negotiateBody()));
  const { sub, events, states } = open('/prices/AAPL/events', { fetch, WebSocket });
  t.after(() => sub.close());

  const ws = await waitFor(() => WebSocket.instances[0], 2000, 'socket');
  assert.equal(fetch.requests[0].method, 'POST');
  assert.equal(fetch.requests[0].path, '/prices/AAPL/events/negotiate');
  assert.equal(ws.url.href, 'ws://gw.test/prices/AAPL/events?cursor=m1-5');
  ws.serverOpen();
  assert.equal(sub.transport, 'websocket');
  assert.deepEqual(states.at(-1), { state: 'connected', transport: 'websocket' });

  ws.serverSend({ type: 'event', id: 'm1-6', event: 'tick', data: { price: 1 } });
  ws.serverSend({ type: 'event', id: 'm1-6', event: 'tick', data: { price: 1 } });
  ws.serverSend({ type: 'heartbeat' });
  ws.serverSend({ type: 'event', id: 'm1-7', event: 'tick', data: { price: 2 } });
  assert.deepEqual(events, [
    { id: 'm1-6', event: 'tick', data: { price: 1 } },
    { id: 'm1-7', event: 'tick', data: { price: 2 } },
  ]);
  assert.equal(sub.cursor, 'm1-7');

  const acked = sub.send({ x: 1 }, { event: 'move' });
  assert.deepEqual(ws.sent, [{ type: 'publish', event: 'move', data: { x: 1 }, ref: '1' }]);
  ws.serverSend({ type: 'ack', ref: '1' });
  assert.deepEqual(await acked, { type: 'ack', ref: '1' });
  const refused = sub.send({ x: 2 });
  ws.serverSend({ type: 'error', error: 'rate_limited', message: 'slow down', ref: '2' });
  await assert.rejects(refused, { code: 'rate_limited' });
});

test('WebSocket_NeverOpens_FallsBackToSseAndReportsWhy', async (t) => {
  const WebSocket = fakeWebSocketClass();
  const streams = [];
  const fetch = fakeFetch((req) => {
    if (req.path.endsWith('/negotiate')) return json(negotiateBody());
    const s = sseStream(req.init.signal);
    streams.push(s);
    return s.response;
  });
  const { sub, events, states } = open('/orders/42/events', { fetch, WebSocket, openTimeoutMs: 40 });
  t.after(() => sub.close());

  const s = await waitFor(() => streams[0], 2000, 'sse request');
  assert.deepEqual(states.find((x) => x.state === 'fallback'), { state: 'fallback', transport: null, from: 'websocket', to: 'sse', reason: 'timeout' });
  const req = fetch.requests[1];
  assert.equal(req.headers.accept, 'text/event-stream');
  assert.deepEqual(req.query, { transport: 'sse', lastEventId: 'm1-5', fallbackFrom: 'websocket', fallbackTo: 'sse', fallbackReason: 'timeout' });
  assert.equal(WebSocket.instances[0].clientCloseCode, 1000, 'the late socket is closed');

  s.write('retry: 3000\n\n');
  await waitFor(() => sub.transport === 'sse', 2000, 'connected');
  s.write('id: m1-6\nevent: order.updated\ndata: {"id":"42",\ndata: "status":"paid"}\n\n');
  await waitFor(() => events.length === 1, 2000, 'event');
  assert.deepEqual(events[0], { id: 'm1-6', event: 'order.updated', data: { id: '42', status: 'paid' } });
  assert.equal(rememberedTransport(key('/orders/42/events')), 'sse');

  // The page remembers: a second subscription starts on SSE without waiting for the socket again.
  const second = open('/orders/42/events', { fetch, WebSocket, openTimeoutMs: 40 });
  t.after(() => second.sub.close());
  await waitFor(() => streams[1], 2000, 'second sse request');
  assert.equal(WebSocket.instances.length, 1);
});

test('Sse_BufferedByProxy_FallsBackToLongPolling', async (t) => {
  const polls = [];
  const fetch = fakeFetch((req) => {
    if (req.path.endsWith('/negotiate')) return json(negotiateBody({ transports: ['sse', 'longpolling'] }));
    if (req.query.transport === 'sse') return sseStream(req.init.signal).response; // headers, then nothing
    polls.push(req);
    return polls.length === 1
      ? json({ events: [{ type: 'event', id: 'm1-6', event: 'tick', data: 1 }], cursor: 'm1-6' })
      : 'hang';
  });
  const { sub, events, states } = open('/prices/MSFT/events', { fetch, sseProbeMs: 40 });
  t.after(() => sub.close());

  await waitFor(() => polls.length === 2, 2000, 'second poll');
  assert.deepEqual(states.find((x) => x.state === 'fallback'), { state: 'fallback', transport: null, from: 'sse', to: 'longpolling', reason: 'buffered' });
  assert.deepEqual(polls[0].query, { transport: 'longpolling', cursor: 'm1-5', wait: '1', fallbackFrom: 'sse', fallbackTo: 'longpolling', fallbackReason: 'buffered' });
  assert.deepEqual(polls[1].query, { transport: 'longpolling', cursor: 'm1-6', wait: '30' });
  assert.deepEqual(events.map((e) => e.id), ['m1-6']);
  assert.equal(sub.transport, 'longpolling');
});

test('LongPoll_Reset_TellsTheApplicationAndResumesFromTheNewCursor', async (t) => {
  const polls = [];
  const fetch = fakeFetch((req) => {
    if (req.path.endsWith('/negotiate')) return json(negotiateBody({ transports: ['longpolling'] }));
    polls.push(req);
    return polls.length === 1 ? json({ events: [], cursor: 'm2-0', reset: true }) : 'hang';
  });
  const { sub, resets, states } = open('/orders/7/events', { fetch, cursor: 'old-3' });
  t.after(() => sub.close());

  await waitFor(() => polls.length === 2, 2000, 'second poll');
  assert.equal(polls[0].query.cursor, 'old-3', 'options.cursor wins over the negotiated one');
  assert.deepEqual(resets, ['m2-0']);
  assert.ok(states.some((s) => s.state === 'reset' && s.cursor === 'm2-0'));
  assert.equal(polls[1].query.cursor, 'm2-0');
});

test('Polling_UsesIfNoneMatchOnlyForItsOwnCursor_AndThePollIntervalHint', async (t) => {
  const polls = [];
  const answers = [
    json({ events: [], cursor: 'm1-5' }, 200, { etag: '"m1-5"', 'x-poll-interval': '0' }),
    new Response(null, { status: 304, headers: { etag: '"m1-5"', 'x-poll-interval': '0' } }),
    // a capped batch: the cursor is behind the newest (the ETag), so the next poll must not send If-None-Match
    json({ events: [{ type: 'event', id: 'm1-6', event: 'e', data: 1 }], cursor: 'm1-6' }, 200, { etag: '"m1-9"', 'x-poll-interval': '0' }),
  ];
  const fetch = fakeFetch((req) => {
    if (req.path.endsWith('/negotiate')) return json(negotiateBody({ transports: ['polling'] }));
    polls.push(req);
    return answers[polls.length - 1] ?? 'hang';
  });
  const { sub, events } = open('/prices/GOOG/events', { fetch });
  t.after(() => sub.close());

  await waitFor(() => polls.length === 4, 3000, 'fourth poll');
  assert.equal(polls[0].headers['if-none-match'], undefined);
  assert.equal(polls[1].headers['if-none-match'], '"m1-5"');
  assert.equal(polls[2].headers['if-none-match'], '"m1-5"');
  assert.equal(polls[3].headers['if-none-match'], undefined);
  assert.equal(polls[3].query.cursor, 'm1-6');
  assert.deepEqual(events.map((e) => e.id), ['m1-6']);
});

test('WebSocket_ReconnectAdvice_WaitsRetryMsAndResumesFromCursor', async (t) => {
  const WebSocket = fakeWebSocketClass();
  const fetch = fakeFetch(() => json(negotiateBody()));
  const { sub, states } = open('/prices/AMZN/events', { fetch, WebSocket });
  t.after(() => sub.close());

  const ws = await waitFor(() => WebSocket.instances[0]);
  ws.serverOpen();
  ws.serverSend({ type: 'event', id: 'm1-8', event: 'tick', data: 1 });
  ws.serverSend({ type: 'reconnect', reason: 'draining', retryMs: 30 });
  ws.serverClose(1012);
  const again = await waitFor(() => WebSocket.instances[1], 2000, 'second socket');
  assert.deepEqual(states.find((s) => s.state === 'backoff'), { state: 'backoff', transport: null, delayMs: 30, reason: 'draining', code: 1012 });
  assert.equal(again.url.searchParams.get('cursor'), 'm1-8');
  assert.equal(fetch.requests.filter((r) => r.path.endsWith('/negotiate')).length, 2, 'renegotiates');
});

test('WebSocket_Closed4401_FailsWithoutRetry', async (t) => {
  const WebSocket = fakeWebSocketClass();
  const fetch = fakeFetch(() => json(negotiateBody()));
  const { sub, states } = open('/orders/1/events', { fetch, WebSocket, accessToken: 'tok-1' });
  t.after(() => sub.close());

  const ws = await waitFor(() => WebSocket.instances[0]);
  assert.equal(ws.url.searchParams.get('access_token'), 'tok-1');
  assert.equal(fetch.requests[0].query.access_token, 'tok-1');
  ws.serverOpen();
  ws.serverClose(4401);
  await waitFor(() => sub.state === 'failed');
  assert.deepEqual(states.at(-1), { state: 'failed', transport: null, reason: 'unauthorized', error: undefined });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(WebSocket.instances.length, 1);
  await assert.rejects(sub.send(1));
});

test('WebSocket_Closed4401WithTokenFunction_ReconnectsWithTheNewToken', async (t) => {
  const WebSocket = fakeWebSocketClass();
  const fetch = fakeFetch(() => json(negotiateBody()));
  let n = 0;
  const { sub } = open('/orders/1/events', { fetch, WebSocket, accessToken: () => `tok-${++n}` });
  t.after(() => sub.close());

  const ws = await waitFor(() => WebSocket.instances[0]);
  ws.serverOpen();
  ws.serverClose(4401);
  const again = await waitFor(() => WebSocket.instances[1], 2000, 'second socket');
  assert.match(again.url.searchParams.get('access_token'), /^tok-[2-9]$/);
});

test('Negotiate_429_HonoursRetryAfter', async (t) => {
  let calls = 0;
  const fetch = fakeFetch(() => (++calls === 1
    ? json({ error: 'rate_limited', message: 'slow', retryAfterSeconds: 1 }, 429, { 'retry-after': '1' })
    : json(negotiateBody({ transports: ['longpolling'] }))));
  const { sub, states } = open('/prices/NVDA/events', { fetch, longPollWaitS: 1 });
  t.after(() => sub.close());
  await waitFor(() => states.some((s) => s.state === 'backoff'));
  assert.equal(states.find((s) => s.state === 'backoff').delayMs, 1000);
  assert.equal(states.find((s) => s.state === 'backoff').reason, 'rate_limited');
});

test('NetworkErrors_BackOffWithFullJitter', async (t) => {
  const fetch = fakeFetch(() => { throw new TypeError('fetch failed'); });
  const { sub, states } = open('/prices/AAPL/events', { fetch, backoff: { baseMs: 20, maxMs: 60 }, random: () => 0.5 });
  t.after(() => sub.close());
  await waitFor(() => states.filter((s) => s.state === 'backoff').length >= 4, 2000, 'four backoffs');
  assert.deepEqual(states.filter((s) => s.state === 'backoff').slice(0, 4).map((s) => s.delayMs), [10, 20, 30, 30]);
});

test('Send_WhenNotOnWebSocket_PostsToTheStreamPath', async (t) => {
  const fetch = fakeFetch((req) => {
    if (req.path.endsWith('/negotiate')) return json(negotiateBody({ transports: ['longpolling'] }));
    if (req.method === 'POST') return json({ type: 'ack', subject: 'rooms.lobby.cursors' }, 202);
    return 'hang';
  });
  const { sub } = open('/rooms/lobby/cursors', { fetch });
  t.after(() => sub.close());
  const ack = await sub.send({ x: 1, y: 2 }, { event: 'move' });
  assert.deepEqual(ack, { type: 'ack', subject: 'rooms.lobby.cursors' });
  const post = fetch.requests.find((r) => r.method === 'POST' && r.path === '/rooms/lobby/cursors');
  assert.equal(post.init.body, '{"x":1,"y":2}');
  assert.equal(post.headers['content-type'], 'application/json');
  assert.equal(post.headers['gw-event'], 'move');
});

test('LowerTransport_AfterUpgradeDelay_ProbesWebSocketAndSwitches', async (t) => {
  const WebSocket = fakeWebSocketClass();
  const streams = [];
  const fetch = fakeFetch((req) => {
    if (req.path.endsWith('/negotiate')) return json(negotiateBody({ transports: ['websocket', 'sse'] }));
    const s = sseStream(req.init.signal);
    streams.push(s);
    return s.response;
  });
  const { sub, events, states } = open('/prices/AAPL/events', { fetch, WebSocket, openTimeoutMs: 30, upgradeAfterMs: 60 });
  t.after(() => sub.close());

  const s = await waitFor(() => streams[0], 2000, 'sse');
  s.write('retry: 3000\n\nid: m1-6\nevent: tick\ndata: 1\n\n');
  await waitFor(() => sub.transport === 'sse');
  const probe = await waitFor(() => WebSocket.instances[1], 2000, 'upgrade probe');
  assert.equal(probe.url.searchParams.get('cursor'), 'm1-6');
  probe.serverOpen();
  assert.equal(sub.transport, 'websocket');
  assert.deepEqual(states.at(-1), { state: 'connected', transport: 'websocket', from: 'sse', reason: 'upgrade' });
  assert.equal(rememberedTransport(key('/prices/AAPL/events')), undefined, 'the better transport works again');
  probe.serverSend({ type: 'event', id: 'm1-6', event: 'tick', data: 1 });
  probe.serverSend({ type: 'event', id: 'm1-7', event: 'tick', data: 2 });
  assert.deepEqual(events.map((e) => e.id), ['m1-6', 'm1-7']);
  assert.equal(fetch.requests.find((r) => r.query.transport === 'sse').init.signal.aborted, true, 'the SSE stream is stopped');
});

test('WebSocket_OpensButDiesTwiceWithoutDelivering_FallsBackNoDelivery', async (t) => {
  const WebSocket = fakeWebSocketClass();
  const fetch = fakeFetch((req) => (req.path.endsWith('/negotiate')
    ? json(negotiateBody({ transports: ['websocket', 'longpolling'] }))
    : 'hang'));
  const { sub, states } = open('/prices/AAPL/events', { fetch, WebSocket });
  t.after(() => sub.close());
  for (let i = 0; i < 2; i++) {
    const ws = await waitFor(() => WebSocket.instances[i], 2000, `socket ${i}`);
    ws.serverOpen();
    ws.serverClose(1006);
  }
  await waitFor(() => states.some((s) => s.state === 'fallback'), 2000, 'fallback');
  assert.deepEqual(states.find((s) => s.state === 'fallback'), { state: 'fallback', transport: null, from: 'websocket', to: 'longpolling', reason: 'no_delivery' });
});

test('Transports_Option_RestrictsAndReorders', async (t) => {
  const WebSocket = fakeWebSocketClass();
  const fetch = fakeFetch((req) => (req.path.endsWith('/negotiate') ? json(negotiateBody()) : 'hang'));
  const { sub } = open('/prices/AAPL/events', { fetch, WebSocket, transports: ['polling', 'websocket'] });
  t.after(() => sub.close());
  await waitFor(() => fetch.requests.length === 2);
  assert.equal(fetch.requests[1].query.transport, 'polling');
  assert.equal(WebSocket.instances.length, 0);
});

test('Close_StopsEverything_AndReportsClosed', async () => {
  const WebSocket = fakeWebSocketClass();
  const fetch = fakeFetch(() => json(negotiateBody()));
  const { sub, names } = open('/prices/AAPL/events', { fetch, WebSocket });
  const ws = await waitFor(() => WebSocket.instances[0]);
  ws.serverOpen();
  sub.close();
  assert.equal(ws.clientCloseCode, 1000);
  assert.deepEqual(names(), ['connecting', 'connected', 'closed']);
  assert.equal(sub.transport, null);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(WebSocket.instances.length, 1);
});

test('Connect_CallsBackOnlyAfterItReturns', async (t) => {
  const fetch = fakeFetch(() => 'hang');
  const seen = [];
  const sub = connect('/prices/AAPL/events', { baseUrl: base, fetch, onState: (s) => seen.push([s.state, typeof sub]) });
  t.after(() => sub.close());
  assert.equal(sub.state, 'connecting');
  assert.deepEqual(seen, []);
  await waitFor(() => seen.length === 1);
  assert.deepEqual(seen, [['connecting', 'object']]);
});

test('ReportFallback_Forced_GoesOnTheFirstConnectRequest', async (t) => {
  const fetch = fakeFetch((req) => (req.path.endsWith('/negotiate') ? json(negotiateBody()) : 'hang'));
  const { sub } = open('/prices/AAPL/events', { fetch, transports: ['longpolling'], reportFallback: { from: 'websocket' } });
  t.after(() => sub.close());
  await waitFor(() => fetch.requests.length === 2);
  assert.equal(fetch.requests[0].query.fallbackFrom, undefined, 'negotiate cannot count it without fallbackTo');
  assert.deepEqual(fetch.requests[1].query, { transport: 'longpolling', cursor: 'm1-5', wait: '1', fallbackFrom: 'websocket', fallbackReason: 'forced' });
});

test('LongPoll_RateLimitedAfterOpen_WaitsRetryAfterAndPollsOnWithoutRenegotiating', async (t) => {
  const polls = [];
  const fetch = fakeFetch((req) => {
    if (req.path.endsWith('/negotiate')) return json(negotiateBody({ transports: ['longpolling'] }));
    polls.push(req);
    if (polls.length === 1) return json({ events: [], cursor: 'm1-5' });
    if (polls.length === 2) return json({ error: 'client_poll_rate', message: 'slow down' }, 429, { 'retry-after': '1' });
    if (polls.length === 3) return json({ events: [{ type: 'event', id: 'm1-6', event: 'tick', data: 1 }], cursor: 'm1-6' });
    return 'hang';
  });
  const { sub, states, events } = open('/prices/AAPL/events', { fetch });
  t.after(() => sub.close());
  await waitFor(() => events.length === 1, 4000, 'event after the throttle');
  assert.deepEqual(states.find((s) => s.state === 'throttled'), { state: 'throttled', transport: 'longpolling', delayMs: 1000, reason: 'client_poll_rate' });
  assert.equal(sub.state, 'connected');
  assert.equal(fetch.requests.filter((r) => r.path.endsWith('/negotiate')).length, 1);
  assert.ok(!states.some((s) => s.state === 'backoff'));
});
