// Unit-level fakes for the client tests: a scripted fetch, a controllable WebSocket and SSE body streams.

/** Waits until predicate() is truthy (polled every 5 ms), failing after timeoutMs. */
export async function waitFor(predicate, timeoutMs = 2000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function json(body, status = 200, headers = {}) {
  return new Response(body == null ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

export function negotiateBody(overrides = {}) {
  return {
    version: 1,
    transports: ['websocket', 'sse', 'longpolling', 'polling'],
    cursor: 'm1-5',
    heartbeatMs: 15000,
    reconnect: { baseMs: 10, maxMs: 20 },
    pollIntervalMs: 5000,
    upstream: true,
    maxMessageBytes: 65536,
    ...overrides,
  };
}

/** An SSE response whose body the test writes to; abort (client side) errors the reader like a real fetch. */
export function sseStream(signal) {
  let controller;
  const body = new ReadableStream({ start(c) { controller = c; } });
  const encoder = new TextEncoder();
  signal?.addEventListener('abort', () => { try { controller.error(new DOMException('aborted', 'AbortError')); } catch { /* closed */ } });
  return {
    response: new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    write: (text) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
  };
}

/**
 * fetch(url, init) routed to handler({url, init, path, query, method}); every request is recorded in .requests.
 * A handler may return a Response, a promise of one, or 'hang' (the request then waits for its signal).
 */
export function fakeFetch(handler) {
  const requests = [];
  const fetch = async (input, init = {}) => {
    const url = new URL(String(input));
    const req = { url, init, path: url.pathname, query: Object.fromEntries(url.searchParams), method: init.method ?? 'GET', headers: init.headers ?? {} };
    requests.push(req);
    const result = await handler(req);
    if (result === 'hang') {
      return new Promise((_, reject) => {
        if (init.signal?.aborted) reject(new DOMException('aborted', 'AbortError'));
        init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    }
    return result;
  };
  fetch.requests = requests;
  return fetch;
}

/** A WebSocket class whose instances the test opens, feeds and closes. */
export function fakeWebSocketClass() {
  class FakeWebSocket {
    static instances = [];
    readyState = 0;
    sent = [];
    constructor(url) {
      this.url = new URL(url);
      FakeWebSocket.instances.push(this);
    }
    send(text) { this.sent.push(JSON.parse(text)); }
    close(code = 1000) {
      if (this.readyState >= 2) return;
      this.readyState = 3;
      this.clientCloseCode = code;
    }
    // test controls
    serverOpen() { this.readyState = 1; this.onopen?.({}); }
    serverSend(frame) { this.onmessage?.({ data: JSON.stringify(frame) }); }
    serverClose(code, reason = '') { this.readyState = 3; this.onerror?.({}); this.onclose?.({ code, reason }); }
  }
  return FakeWebSocket;
}
