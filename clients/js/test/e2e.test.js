// End-to-end against a running gateway (Memory broker is enough). Skipped unless GATEWAY_URL is set:
//   GATEWAY_URL=http://127.0.0.1:9180 GATEWAY_MANAGEMENT_URL=http://127.0.0.1:9181 node --experimental-websocket --test test/*.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, forgetTransports } from '../client.js';
import { waitFor } from './fakes.js';

const baseUrl = process.env.GATEWAY_URL;
const management = process.env.GATEWAY_MANAGEMENT_URL ?? baseUrl?.replace(/:(\d+)$/, (_, p) => `:${Number(p) + 1}`);
const skip = !baseUrl && 'set GATEWAY_URL to run against a gateway';
const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

async function publish(subject, data, event = 'tick') {
  const res = await fetch(`${management}/publish/${subject}`, { method: 'POST', headers: { 'Gw-Event': event }, body: JSON.stringify(data) });
  assert.ok(res.ok, `publish ${subject}: HTTP ${res.status}`);
}

function subscribe(path, options) {
  const events = [];
  const states = [];
  const sub = connect(path, { baseUrl, onEvent: (e) => events.push(e), onState: (s) => states.push(s), ...options });
  return { sub, events, states };
}

for (const transport of ['websocket', 'sse', 'longpolling', 'polling']) {
  test(`E2E_${transport}_DeliversInOrderAndResumesByCursor`, { skip, timeout: 40000 }, async () => {
    forgetTransports();
    const ticker = `E2E${transport}${run}`;
    const first = subscribe(`/prices/${ticker}/events`, { transports: [transport] });
    await waitFor(() => first.sub.transport === transport, 10000, `${transport} connected`);
    for (let i = 1; i <= 3; i++) await publish(`prices.${ticker}`, { n: i });
    await waitFor(() => first.events.length === 3, 15000, 'three events');
    assert.deepEqual(first.events.map((e) => e.data.n), [1, 2, 3]);
    assert.equal(first.events[0].event, 'tick');
    const cursor = first.sub.cursor;
    first.sub.close();

    await publish(`prices.${ticker}`, { n: 4 });
    await publish(`prices.${ticker}`, { n: 5 });
    const second = subscribe(`/prices/${ticker}/events`, { transports: [transport], cursor });
    await waitFor(() => second.events.length === 2, 15000, 'the two missed events');
    assert.deepEqual(second.events.map((e) => e.data.n), [4, 5]);
    second.sub.close();
  });
}

test('E2E_UnservableCursor_Resets', { skip, timeout: 20000 }, async () => {
  const resets = [];
  const { sub } = subscribe(`/orders/r${run}/events`, { transports: ['websocket'], cursor: 'x0-1', onReset: (c) => resets.push(c) });
  await waitFor(() => resets.length === 1, 10000, 'reset');
  assert.match(resets[0], /^m[0-9a-z]+-\d+$/);
  sub.close();
});

test('E2E_Upstream_OverWebSocketAndOverPost', { skip, timeout: 20000 }, async () => {
  const room = `room${run}`;
  const watcher = subscribe(`/rooms/${room}/cursors`, { transports: ['sse'] });
  const ws = subscribe(`/rooms/${room}/cursors`, { transports: ['websocket'] });
  const lp = subscribe(`/rooms/${room}/cursors`, { transports: ['longpolling'] });
  await waitFor(() => watcher.sub.transport && ws.sub.transport && lp.sub.transport, 10000, 'all connected');
  await ws.sub.send({ x: 1, user: 'ws' }, { event: 'cursor' });
  await lp.sub.send({ x: 2, user: 'http' }, { event: 'cursor' });
  await waitFor(() => watcher.events.length === 2, 10000, 'both messages');
  assert.deepEqual(watcher.events.map((e) => [e.event, e.data.user]), [['cursor', 'ws'], ['cursor', 'http']]);
  for (const s of [watcher, ws, lp]) s.sub.close();
});

test('E2E_WebSocketThatNeverOpens_FallsBackAndIsCounted', { skip, timeout: 20000 }, async () => {
  forgetTransports();
  class Blackhole { constructor() { this.readyState = 0; } close() { this.readyState = 3; } }
  const ticker = `FB${run}`;
  const { sub, states } = subscribe(`/prices/${ticker}/events`, { WebSocket: Blackhole, openTimeoutMs: 300 });
  await waitFor(() => sub.transport === 'sse', 10000, 'sse');
  assert.ok(states.some((s) => s.state === 'fallback' && s.from === 'websocket' && s.reason === 'timeout'));
  const metrics = await (await fetch(`${management}/metrics`)).text();
  assert.match(metrics, /gateway_\w*fallback\w*\{[^}]*from="websocket"[^}]*reason="timeout"[^}]*\} [1-9]/);
  sub.close();
});
