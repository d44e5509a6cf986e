import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser } from '../client.js';

test('SseParser_GatewayStream_YieldsRetryEventsAndHeartbeatComments', () => {
  const p = new SseParser();
  const out = p.push('retry: 3000\n\nid: m1-6\nevent: tick\ndata: {"price":1}\n\n: heartbeat\n\n');
  assert.deepEqual(out, [
    { type: 'retry', ms: 3000 },
    { type: 'event', id: 'm1-6', event: 'tick', data: '{"price":1}' },
    { type: 'comment', text: 'heartbeat' },
  ]);
  assert.equal(p.lastEventId, 'm1-6');
});

test('SseParser_MultiLineDataWithCrLfAndCr_JoinsWithLf', () => {
  const out = new SseParser().push('id: a-1\r\ndata: one\rdata: two\r\ndata: three\n\n');
  assert.deepEqual(out, [{ type: 'event', id: 'a-1', event: 'message', data: 'one\ntwo\nthree' }]);
});

test('SseParser_LinesSplitAcrossChunks_ParsesLikeOneChunk', () => {
  const text = 'retry: 10\r\n\r\nid: e-1\r\nevent: x\r\ndata: {"a":\r\ndata: 1}\r\n\r\n: heartbeat\r\n\r\n';
  const whole = new SseParser().push(text);
  for (let size = 1; size <= 7; size++) {
    const p = new SseParser();
    const out = [];
    for (let i = 0; i < text.length; i += size) out.push(...p.push(text.slice(i, i + size)));
    assert.deepEqual(out, whole, `chunk size ${size}`);
  }
  assert.equal(whole[1].data, '{"a":\n1}');
});

test('SseParser_EventWithoutData_IsNotDispatchedButIdIsKept', () => {
  const p = new SseParser();
  assert.deepEqual(p.push('id: m1-9\nevent: nothing\n\n'), []);
  assert.equal(p.lastEventId, 'm1-9');
  assert.deepEqual(p.push('data: x\n\n'), [{ type: 'event', id: 'm1-9', event: 'message', data: 'x' }]);
});

test('SseParser_FieldEdgeCases_FollowTheSpec', () => {
  const p = new SseParser();
  const out = p.push('\uFEFFdata\ndata:no-space\ndata:  two-spaces\nunknown: x\nretry: 1x\n\n');
  assert.deepEqual(out, [{ type: 'event', id: '', event: 'message', data: '\nno-space\n two-spaces' }]);
});

test('SseParser_UnterminatedEvent_WaitsForTheBlankLine', () => {
  const p = new SseParser();
  assert.deepEqual(p.push('id: a-1\ndata: x\n'), []);
  assert.equal(p.push('\n').length, 1);
});
