// Browser client for the edge gateway's push routes: wire protocol version 1 (docs/protocol.md).
// One ES module, no dependencies, no build step; the gateway serves this very file at /_gateway/client.js.
// It negotiates, tries the offered transports in order, notices a transport that connects but does not deliver,
// falls back (telling the gateway why), remembers what worked, backs off with full jitter, resumes by cursor
// and drops duplicates. Nothing here touches `window`, so it runs in Node 20 as well (inject a WebSocket there).

/** Every transport this client speaks, best first. */
export const TRANSPORTS = Object.freeze(['websocket', 'sse', 'longpolling', 'polling']);

/** Close codes after which reconnecting cannot help (docs/protocol.md, "Close codes"). */
const FATAL_CLOSE = new Map([
  [1003, 'binary_rejected'], [1007, 'invalid_payload'], [1008, 'policy_violation'],
  [1009, 'message_too_big'], [4401, 'unauthorized'], [4403, 'forbidden'],
]);

const DEFAULTS = {
  backoff: { baseMs: 1000, maxMs: 30000 },
  heartbeatMs: 15000,
  openTimeoutMs: 5000,
  sseProbeMs: 4000,
  upgradeAfterMs: 60000,
  longPollWaitS: 30,
  dedupeSize: 1000,
};

// What worked after a fallback, per stream, for the page's lifetime: the next connect starts there instead of
// waiting for the same WebSocket timeout again, and upgrades later.
const remembered = new Map();

/** The transport remembered for a stream URL (tests and diagnostics). */
export function rememberedTransport(key) { return remembered.get(key); }

/** Forgets every remembered transport (tests, or after the network changed). */
export function forgetTransports() { remembered.clear(); }

/** Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): uniform in [0, min(maxMs, baseMs * 2^attempt)). */
export function fullJitter(attempt, { baseMs, maxMs }, random = Math.random) {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * cap);
}

/** Milliseconds from a Retry-After value (delta-seconds or an HTTP date); null when absent or unreadable. */
export function parseRetryAfter(value, now = Date.now()) {
  if (value == null || value === '') return null;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The last `size` ids seen, for dropping duplicates that a resume after reconnect or an upgrade replays. */
export class RecentIds {
  #set = new Set();
  #size;
  constructor(size = DEFAULTS.dedupeSize) { this.#size = size; }
  get size() { return this.#set.size; }
  has(id) { return this.#set.has(id); }
  /** Adds an id; false when it was already there. The oldest id is forgotten when full (a Set iterates in insertion order). */
  add(id) {
    if (this.#set.has(id)) return false;
    this.#set.add(id);
    if (this.#set.size > this.#size) this.#set.delete(this.#set.values().next().value);
    return true;
  }
}

/**
 * Incremental text/event-stream parser (https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream).
 * Unlike EventSource it also yields comments, so the gateway's `: heartbeat` lines are visible.
 * push(text) returns the messages completed by that chunk: {type:'event', id, event, data} | {type:'comment', text} | {type:'retry', ms}.
 */
export class SseParser {
  #line = '';
  #skipLf = false;
  #bom = true;
  #data = [];
  #event = '';
  #id = undefined;
  /** The last id seen (the stream's resume point), as EventSource's lastEventId. */
  lastEventId = '';

  push(text) {
    const out = [];
    if (this.#bom && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.#bom = false;
    }
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 && this.#skipLf) { this.#skipLf = false; start = i + 1; continue; }
      this.#skipLf = false;
      if (c !== 10 && c !== 13) continue;
      this.#onLine(this.#line + text.slice(start, i), out);
      this.#line = '';
      this.#skipLf = c === 13; // CRLF split across chunks is one line end
      start = i + 1;
    }
    this.#line += text.slice(start);
    return out;
  }

  #onLine(line, out) {
    if (line === '') return this.#dispatch(out);
    if (line[0] === ':') return void out.push({ type: 'comment', text: line.slice(1).trimStart() });
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) out.push({ type: 'retry', ms: Number(value) });
  }

  #dispatch(out) {
    if (this.#id !== undefined) this.lastEventId = this.#id;
    if (this.#data.length > 0) {
      out.push({ type: 'event', id: this.#id ?? this.lastEventId, event: this.#event || 'message', data: this.#data.join('\n') });
    }
    this.#data = [];
    this.#event = '';
    this.#id = undefined;
  }
}

/** Opens a subscription to a push route's stream path (for example `/orders/42/events`). */
export function connect(path, options = {}) {
  return new Subscription(path, options);
}

class Subscription {
  #path;
  #o;
  #abort = new AbortController();
  #fetch;
  #state = 'idle';
  #cursor;
  #recent;
  #attempt = 0;
  #neg = null;
  #candidates = [];
  #report = null;
  #live = null;
  #probe = null;
  #settle = null;
  #strikes = new Map();
  #upgradeTimer;
  #upgradeDelay;
  #token;
  #pending = new Map();
  #ref = 0;

  constructor(path, options) {
    this.#path = path;
    this.#o = { ...DEFAULTS, ...options };
    this.#fetch = options.fetch ?? globalThis.fetch?.bind(globalThis);
    this.#cursor = options.cursor ?? null;
    // A fallback the application made (a person forcing a transport) is reported like one the client made.
    if (options.reportFallback?.from) this.#report = { reason: 'forced', ...options.reportFallback };
    this.#recent = new RecentIds(this.#o.dedupeSize);
    this.#upgradeDelay = this.#o.upgradeAfterMs;
    this.#state = 'connecting';
    // Start after connect() returns, so callbacks never run before the caller holds the subscription.
    queueMicrotask(() => this.#run().catch((err) => this.#fail('error', err)));
  }

  /** The transport in use now (null while not connected). */
  get transport() { return this.#live?.opened ? this.#live.kind : null; }
  /** The resume point: the id of the last event delivered, or the reset/negotiated cursor. */
  get cursor() { return this.#cursor; }
  /** connecting | connected | backoff | closed | failed. */
  get state() { return this.#state; }
  /** The negotiate answer in force (transports, heartbeatMs, upstream, ...). */
  get negotiated() { return this.#neg; }
  get #closed() { return this.#abort.signal.aborted; }
  get #key() { return new URL(this.#path, this.#o.baseUrl ?? globalThis.location?.href).href; }

  /** Sends a message upstream: a WebSocket `publish` frame when on WebSocket, else an HTTP POST to the stream path. */
  send(data, { event } = {}) {
    if (this.#closed) return Promise.reject(new Error(`subscription ${this.#state}`));
    const live = this.#live;
    if (live?.kind === 'websocket' && live.opened && live.send) {
      const ref = String(++this.#ref);
      const frame = event ? { type: 'publish', event, data, ref } : { type: 'publish', data, ref };
      const acked = new Promise((resolve, reject) => this.#pending.set(ref, { resolve, reject }));
      if (live.send(frame)) return acked;
      this.#pending.delete(ref);
    }
    return this.#post(data, event);
  }

  /** Stops for good: no reconnect, pending sends rejected, onState({state:'closed'}). */
  close() {
    if (this.#closed) return;
    this.#stopAll();
    this.#emit({ state: 'closed', transport: null });
  }

  // ---- the reconnect loop -------------------------------------------------------------------------------------

  async #run() {
    while (!this.#closed) {
      this.#emit({ state: 'connecting', transport: null });
      const n = await this.#negotiate();
      if (this.#closed) return;
      const end = n.fatal || n.retry ? n : await this.#connectChain();
      if (this.#closed) return;
      if (end.fatal) {
        if (end.fatal === 'unauthorized' && await this.#tokenChanged()) continue;
        return this.#fail(end.fatal);
      }
      if (end.healthy) this.#attempt = 0;
      const delayMs = end.retryMs ?? fullJitter(this.#attempt++, this.#backoff(), this.#o.random);
      this.#emit({ state: 'backoff', transport: null, delayMs, reason: end.reason, code: end.code });
      await sleep(delayMs, this.#abort.signal);
    }
  }

  /** Tries the candidates from the remembered one down; returns how the connection that got through ended. */
  async #connectChain() {
    const list = this.#candidates;
    let kind = list[Math.max(0, list.indexOf(remembered.get(this.#key)))];
    while (kind) {
      const end = await new Promise((resolve) => {
        this.#settle = resolve;
        this.#live = this.#open(kind, false);
      });
      if (this.#closed || end.fatal || end.retry || (end.opened && !end.fallback)) return end;
      // end.kind differs from kind when an upgrade took over and then failed to deliver.
      const to = list[list.indexOf(end.kind) + 1];
      this.#report = { from: end.kind, to, reason: end.reason };
      if (!to) {
        remembered.delete(this.#key);
        return { reason: end.reason };
      }
      this.#emit({ state: 'fallback', transport: null, from: end.kind, to, reason: end.reason });
      kind = to;
    }
    return { reason: 'no_transport' };
  }

  async #negotiate() {
    this.#token = typeof this.#o.accessToken === 'function' ? await this.#o.accessToken() : this.#o.accessToken;
    const ctrl = linked(this.#abort.signal);
    const timer = setTimeout(() => ctrl.abort(), this.#o.openTimeoutMs * 2);
    let res;
    let body;
    try {
      res = await this.#fetch(this.#url('/negotiate', {}, true), {
        method: 'POST', cache: 'no-store', headers: { accept: 'application/json' }, signal: ctrl.signal,
      });
      body = await res.json().catch(() => null);
    } catch {
      return { retry: true, reason: 'error' };
    } finally {
      clearTimeout(timer);
      ctrl.unlink();
    }
    if (!res.ok) return httpEnd(res, body);
    if (!body || body.error || !Array.isArray(body.transports)) return { retry: true, reason: body?.error ? 'broker_unavailable' : 'error' };
    this.#neg = body;
    this.#cursor ??= body.cursor ?? null;
    const wanted = this.#o.transports ? this.#o.transports.filter((t) => body.transports.includes(t)) : body.transports;
    this.#candidates = wanted.filter((t) => this.#supports(t));
    if (this.#candidates.length === 0) return { fatal: 'no_transport' };
    return {};
  }

  #supports(kind) {
    const o = this.#o;
    if (kind === 'websocket') return typeof (o.WebSocket ?? globalThis.WebSocket) === 'function';
    if (kind === 'sse') return this.#streaming() || typeof (o.EventSource ?? globalThis.EventSource) === 'function';
    return TRANSPORTS.includes(kind) && typeof this.#fetch === 'function';
  }

  #streaming() {
    return !this.#o.useEventSource && typeof this.#fetch === 'function' && typeof TextDecoder === 'function';
  }

  #backoff() {
    return { ...DEFAULTS.backoff, ...this.#neg?.reconnect, ...this.#o.backoff };
  }

  // ---- one transport connection -------------------------------------------------------------------------------

  /** Starts a transport; its callbacks count only while it is the live connection (or the probe, until it opens). */
  #open(kind, probe) {
    const self = this;
    const ctrl = new AbortController();
    const outer = this.#abort.signal;
    const unlink = () => outer.removeEventListener('abort', stop);
    const stop = () => { unlink(); ctrl.abort(); };
    outer.addEventListener('abort', stop, { once: true });
    const c = {
      kind, probe, opened: false, healthy: false, done: false, send: null, stop,
      open() {
        if (c.done || c.opened) return;
        c.opened = true;
        self.#opened(c);
      },
      ok() { c.healthy = true; },
      event(e) { if (c === self.#live) self.#deliver(e); },
      reset(cursor) { if (c === self.#live) self.#reset(cursor); },
      gap(cursor, skipped) { if (c === self.#live) self.#gap(cursor, skipped); },
      cursor(value) { if (c === self.#live && value) self.#cursor = value; },
      reply(frame) { if (c === self.#live) self.#reply(frame); },
      throttled(info) { if (c === self.#live) self.#emit({ state: 'throttled', transport: kind, ...info }); },
      end(info) {
        if (c.done) return;
        c.done = true;
        stop();
        self.#ended(c, { ...info, kind, opened: c.opened, healthy: c.healthy });
      },
    };
    const env = this.#env(kind, ctrl.signal);
    const run = { websocket: webSocket, sse: this.#streaming() ? sseFetch : sseEventSource, longpolling: longPolling, polling }[kind];
    queueMicrotask(() => {
      if (ctrl.signal.aborted) return;
      Promise.resolve().then(() => run(env, c)).catch((error) => c.end({ reason: 'error', error }));
    });
    return c;
  }

  #opened(c) {
    if (c.probe) {
      const old = this.#live;
      this.#probe = null;
      c.probe = false;
      this.#live = c;
      if (old) old.done = true;
      old?.stop();
      this.#emit({ state: 'connected', transport: c.kind, from: old?.kind, reason: 'upgrade' });
    } else {
      this.#emit({ state: 'connected', transport: c.kind });
    }
    const list = this.#candidates;
    if (c.kind === this.#neg?.transports[0]) remembered.delete(this.#key);
    else if (list.indexOf(c.kind) > 0) remembered.set(this.#key, c.kind);
    clearTimeout(this.#upgradeTimer);
    if (list.indexOf(c.kind) > 0) this.#upgradeTimer = setTimeout(() => this.#upgrade(0), this.#upgradeDelay);
  }

  #ended(c, info) {
    if (c === this.#probe) return this.#probeFailed(c, info);
    if (c !== this.#live) return;
    this.#live = null;
    clearTimeout(this.#upgradeTimer);
    this.#probe?.stop();
    this.#probe = null;
    for (const p of this.#pending.values()) p.reject(new Error('connection closed before the publish was acknowledged'));
    this.#pending.clear();
    // A transport that opens and then dies twice without delivering anything does not work here: fall back.
    if (info.healthy) this.#strikes.delete(c.kind);
    else if (info.opened && !info.healthy && !info.fatal && !info.retry && !info.fallback) {
      const strikes = (this.#strikes.get(c.kind) ?? 0) + 1;
      this.#strikes.set(c.kind, strikes);
      if (strikes >= 2) Object.assign(info, { fallback: true, reason: 'no_delivery' });
    }
    this.#settle?.(info);
  }

  /** After upgradeAfterMs on a lower transport, tries the better ones beside the live one; the first that opens takes over. */
  #upgrade(index) {
    const live = this.#live;
    if (!live || this.#closed) return;
    const kind = this.#candidates[index];
    if (index >= this.#candidates.indexOf(live.kind)) {
      this.#upgradeDelay = Math.min(this.#upgradeDelay * 2, this.#o.upgradeAfterMs * 16);
      this.#upgradeTimer = setTimeout(() => this.#upgrade(0), this.#upgradeDelay);
      return;
    }
    this.#probe = this.#open(kind, true);
    this.#probe.index = index;
  }

  #probeFailed(c, info) {
    this.#probe = null;
    if (info.opened || !this.#live) return;
    this.#report = { from: c.kind, to: this.#live.kind, reason: info.reason };
    this.#upgrade(c.index + 1);
  }

  // ---- what connections report --------------------------------------------------------------------------------

  #deliver(e) {
    if (!e || typeof e.id !== 'string' || !this.#recent.add(e.id)) return;
    this.#cursor = e.id;
    safe(this.#o.onEvent, { id: e.id, event: e.event ?? 'message', data: e.data });
  }

  #reset(cursor) {
    this.#cursor = cursor ?? null;
    safe(this.#o.onReset, this.#cursor);
    this.#emit({ state: 'reset', cursor: this.#cursor });
  }

  #gap(cursor, skipped) {
    if (cursor) this.#cursor = cursor;
    safe(this.#o.onGap, { cursor, skipped });
    this.#emit({ state: 'gap', cursor, skipped });
  }

  #reply(frame) {
    const p = this.#pending.get(frame.ref);
    if (!p) return;
    this.#pending.delete(frame.ref);
    if (frame.type === 'ack') p.resolve(frame);
    else p.reject(Object.assign(new Error(frame.message ?? frame.error), { code: frame.error }));
  }

  #emit(s) {
    if (['connecting', 'connected', 'backoff', 'closed', 'failed'].includes(s.state)) this.#state = s.state;
    safe(this.#o.onState, { transport: this.transport, ...s });
  }

  #fail(reason, error) {
    if (this.#closed) return;
    this.#stopAll();
    this.#emit({ state: 'failed', transport: null, reason, error });
  }

  #stopAll() {
    this.#abort.abort();
    clearTimeout(this.#upgradeTimer);
    const live = this.#live;
    this.#live = null;
    this.#probe?.stop();
    live?.stop();
    for (const p of this.#pending.values()) p.reject(new Error('subscription closed'));
    this.#pending.clear();
    this.#settle?.({ reason: 'closed' });
  }

  async #tokenChanged() {
    if (typeof this.#o.accessToken !== 'function') return false;
    const old = this.#token;
    this.#token = await this.#o.accessToken();
    return Boolean(this.#token) && this.#token !== old;
  }

  // ---- requests -----------------------------------------------------------------------------------------------

  /** The stream URL (plus suffix), with the access token and, once, the pending fallback report. */
  #url(suffix, params = {}, report = false) {
    const base = this.#o.baseUrl ?? globalThis.location?.href;
    const url = new URL(this.#path + suffix, base);
    for (const [k, v] of Object.entries(params)) if (v != null) url.searchParams.set(k, String(v));
    if (this.#token) url.searchParams.set('access_token', this.#token);
    // Negotiate counts a report only with fallbackTo; without one, the connect request carries it.
    if (report && this.#report && (this.#report.to || suffix !== '/negotiate')) {
      url.searchParams.set('fallbackFrom', this.#report.from);
      if (this.#report.to) url.searchParams.set('fallbackTo', this.#report.to);
      url.searchParams.set('fallbackReason', this.#report.reason);
      this.#report = null;
    }
    return url;
  }

  #env(kind, signal) {
    const o = this.#o;
    const neg = this.#neg ?? {};
    return {
      fetch: this.#fetch,
      WebSocket: o.WebSocket ?? globalThis.WebSocket,
      EventSource: o.EventSource ?? globalThis.EventSource,
      eventTypes: o.eventTypes ?? [],
      heartbeatMs: neg.heartbeatMs ?? o.heartbeatMs,
      pollIntervalMs: neg.pollIntervalMs ?? 5000,
      openTimeoutMs: o.openTimeoutMs,
      sseProbeMs: o.sseProbeMs,
      longPollWaitS: o.longPollWaitS,
      signal,
      cursor: () => this.#cursor,
      url: (params) => {
        const url = this.#url('', { ...params }, true);
        if (kind === 'websocket') url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
        return url.toString();
      },
    };
  }

  async #post(data, event) {
    const headers = { 'content-type': 'application/json' };
    if (event) headers['gw-event'] = event;
    const res = await this.#fetch(this.#url(''), { method: 'POST', headers, body: JSON.stringify(data), cache: 'no-store' });
    const body = await res.json().catch(() => null);
    if (res.status === 202 || res.ok) return body;
    throw Object.assign(new Error(body?.message ?? `publish failed: HTTP ${res.status}`), { status: res.status, code: body?.error });
  }
}

// ---- transports: each runs one connection until env.signal aborts, reporting through c --------------------------
// c.open() the transport got through; c.ok() it delivers; c.event/reset/gap/cursor/reply/throttled; c.end(info) it is over.

function webSocket(env, c) {
  const ws = new env.WebSocket(env.url({ cursor: env.cursor() }));
  let advice = null;
  let watchdog;
  const openTimer = setTimeout(() => c.end({ reason: 'timeout' }), env.openTimeoutMs);
  // Browsers cannot see protocol pings, so the gateway also sends {"type":"heartbeat"} frames while idle.
  const arm = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => c.end({ reason: 'no_heartbeat', fallback: !c.healthy }), env.heartbeatMs * 2 + 1000);
  };
  env.signal.addEventListener('abort', () => {
    clearTimeout(openTimer);
    clearTimeout(watchdog);
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
    if (ws.readyState <= 1) try { ws.close(1000); } catch { /* already closing */ }
  }, { once: true });
  c.send = (frame) => {
    if (ws.readyState !== 1) return false;
    ws.send(JSON.stringify(frame));
    return true;
  };
  ws.onopen = () => {
    clearTimeout(openTimer);
    c.open();
    arm();
  };
  ws.onmessage = (m) => {
    arm();
    let f;
    try { f = JSON.parse(m.data); } catch { return; }
    c.ok();
    switch (f?.type) {
      case 'event': return c.event(f);
      case 'reset': return c.reset(f.cursor);
      case 'gap': return c.gap(f.cursor, f.skipped);
      case 'reconnect': advice = f; return undefined;
      case 'ack': case 'error': return c.reply(f);
      default: return undefined; // heartbeat, pong
    }
  };
  ws.onerror = () => {}; // a close event always follows, with the code
  ws.onclose = (e) => {
    if (!c.opened) return c.end({ reason: 'refused', code: e.code });
    const fatal = FATAL_CLOSE.get(e.code);
    if (fatal) return c.end({ fatal, code: e.code });
    return c.end(advice ? { reason: advice.reason, retryMs: advice.retryMs, retry: true, code: e.code } : { reason: 'closed', code: e.code });
  };
}

async function sseFetch(env, c) {
  const ctrl = linked(env.signal);
  let why = null;
  let timer;
  // Before the first byte a buffering proxy holds even the `retry:` line; after it, heartbeats come every heartbeatMs.
  const arm = (ms, reason) => {
    clearTimeout(timer);
    timer = setTimeout(() => { why = reason; ctrl.abort(); }, ms);
  };
  env.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  arm(Math.min(env.sseProbeMs, env.heartbeatMs), 'buffered');
  let res;
  try {
    res = await env.fetch(env.url({ transport: 'sse', lastEventId: env.cursor() }), {
      headers: { accept: 'text/event-stream' }, cache: 'no-store', signal: ctrl.signal,
    });
  } catch {
    return c.end({ reason: why ?? 'refused' });
  }
  if (res.status !== 200 || !res.body) {
    clearTimeout(timer);
    return c.end(httpEnd(res, await res.json().catch(() => null)));
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let advice = null;
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch {
      return c.end({ reason: why ?? 'error', fallback: why === 'buffered' || (why === 'no_heartbeat' && !c.healthy) });
    }
    if (chunk.done) {
      clearTimeout(timer);
      return c.end(advice ? { reason: advice.reason, retryMs: advice.retryMs, retry: true } : { reason: 'closed' });
    }
    arm(env.heartbeatMs * 2 + 1000, 'no_heartbeat');
    const messages = parser.push(decoder.decode(chunk.value, { stream: true }));
    advice = messages.map(sseAdvice).find(Boolean) ?? advice;
    // A refusal (rate limit, drain) is a 200 stream with gateway.reconnect: back off, but do not call it connected.
    if (!advice) c.open();
    // The first chunk (the retry line) proves nothing is buffering; delivery is proven by a heartbeat or an event.
    if (messages.some((m) => m.type !== 'retry')) c.ok();
    for (const m of messages) sseMessage(c, m);
  }
}

function sseEventSource(env, c) {
  // For browsers without fetch streaming: EventSource hides comments (no heartbeat check) and shows only the named
  // events that have a listener, so pass options.eventTypes.
  const es = new env.EventSource(env.url({ transport: 'sse', lastEventId: env.cursor() }));
  let advice = null;
  const openTimer = setTimeout(() => c.end({ reason: 'timeout' }), env.openTimeoutMs);
  env.signal.addEventListener('abort', () => {
    clearTimeout(openTimer);
    es.close();
  }, { once: true });
  const on = (type, fn) => es.addEventListener(type, fn);
  es.onopen = () => {
    clearTimeout(openTimer);
    c.open();
    c.ok();
  };
  for (const type of ['message', ...env.eventTypes]) on(type, (e) => c.event({ id: e.lastEventId, event: type, data: parseData(e.data) }));
  for (const type of ['gateway.reset', 'gateway.gap']) on(type, (e) => sseMessage(c, { type: 'event', id: e.lastEventId, event: type, data: e.data }));
  on('gateway.reconnect', (e) => { advice = parseData(e.data); });
  es.onerror = () => c.end(advice ? { reason: advice.reason, retryMs: advice.retryMs, retry: true } : { reason: c.opened ? 'closed' : 'refused' });
}

function sseAdvice(m) {
  return m.type === 'event' && m.event === 'gateway.reconnect' ? parseData(m.data) : null;
}

function sseMessage(c, m) {
  if (m.type !== 'event') return;
  if (m.event === 'gateway.reset') return c.reset(m.id || parseData(m.data)?.cursor);
  if (m.event === 'gateway.gap') {
    const d = parseData(m.data);
    return c.gap(m.id || d?.cursor, d?.skipped);
  }
  if (m.event === 'gateway.reconnect') return undefined;
  return c.event({ id: m.id, event: m.event, data: parseData(m.data) });
}

async function longPolling(env, c) {
  // The first poll waits one second only, so the page learns quickly that polls get through; then the full wait.
  // Polls start at most every 250 ms: a busy stream is batched instead of spending the per-client poll budget.
  for (let wait = 1, started = 0; !env.signal.aborted; wait = env.longPollWaitS) {
    await sleep(Math.max(0, started + 250 - Date.now()), env.signal);
    started = Date.now();
    const r = await poll(env, { transport: 'longpolling', cursor: env.cursor(), wait }, {}, (wait + 10) * 1000);
    if (r.end && (await throttled(env, c, r.end))) continue;
    if (r.end) return c.end(r.end);
    if (c.opened || r.body?.events?.length) c.ok();
    c.open();
    const end = applyPoll(c, r.body);
    if (end) return c.end(end);
  }
  return undefined;
}

async function polling(env, c) {
  let etag = null;
  while (!env.signal.aborted) {
    // The ETag is the newest cursor: send it only when it is ours, or a capped batch would hide the rest.
    const headers = etag && etag === `"${env.cursor()}"` ? { 'if-none-match': etag } : {};
    const r = await poll(env, { transport: 'polling', cursor: env.cursor() }, headers, env.openTimeoutMs * 3);
    if (r.end && (await throttled(env, c, r.end))) continue;
    if (r.end) return c.end(r.end);
    c.open();
    c.ok();
    if (r.res.status === 200) {
      etag = r.res.headers.get('etag');
      const end = applyPoll(c, r.body);
      if (end) return c.end(end);
    }
    const hint = r.res.headers.get('x-poll-interval');
    const interval = hint !== null && Number.isFinite(Number(hint)) ? Number(hint) * 1000 : env.pollIntervalMs;
    await sleep(Math.max(100, interval), env.signal);
  }
  return undefined;
}

/**
 * A poll refused with 429/503 once polls are known to work: every poll is a new request anyway, so wait what the
 * gateway advised and poll on, without renegotiating. True when the caller should poll again.
 */
async function throttled(env, c, end) {
  if (!c.opened || !end.retry) return false;
  const delayMs = end.retryMs ?? 1000;
  c.throttled({ delayMs, reason: end.reason });
  return sleep(delayMs, env.signal);
}

/** One poll request with a client-side timeout: {res, body}, or {end} when it failed. */
async function poll(env, params, headers, timeoutMs) {
  const ctrl = linked(env.signal);
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; ctrl.abort(); }, timeoutMs);
  try {
    const res = await env.fetch(env.url(params), { headers: { accept: 'application/json', ...headers }, cache: 'no-store', signal: ctrl.signal });
    const body = res.status === 304 ? null : await res.json().catch(() => null);
    if (res.status !== 200 && res.status !== 304) return { end: httpEnd(res, body) };
    return { res, body };
  } catch {
    return { end: { reason: timedOut ? 'timeout' : 'error' } };
  } finally {
    clearTimeout(timer);
    ctrl.unlink();
  }
}

/** Applies a poll answer; returns an end when the gateway asked the client to reconnect. */
function applyPoll(c, body) {
  if (!body) return null;
  if (body.reset) c.reset(body.cursor);
  else for (const e of body.events ?? []) c.event(e);
  if (body.gap) c.gap(body.cursor, body.gap.skipped);
  c.cursor(body.cursor);
  return body.reconnect ? { reason: body.reconnect.reason, retryMs: body.reconnect.retryMs, retry: true } : null;
}

/** How an HTTP refusal ends a connection: come back later, fall back, or give up. */
function httpEnd(res, body) {
  const s = res.status;
  const code = body?.error;
  if (s === 429 || s === 503) {
    return { reason: code ?? (s === 429 ? 'rate_limited' : 'unavailable'), retry: true, retryMs: parseRetryAfter(res.headers.get('retry-after')) ?? undefined };
  }
  if (s === 401) return { fatal: 'unauthorized', status: s };
  if (s === 403 && code !== 'origin_not_allowed') return { fatal: code ?? 'forbidden', status: s };
  if (s === 403 || code === 'transport_not_allowed' || code === 'websocket_upgrade_required') return { reason: 'refused', status: s };
  if (s >= 500) return { reason: 'error', status: s };
  return { fatal: code ?? `http_${s}`, status: s };
}

function parseData(text) {
  try { return JSON.parse(text); } catch { return text; }
}

function safe(fn, arg) {
  if (typeof fn !== 'function') return;
  try { fn(arg); } catch (err) { (globalThis.reportError ?? console.error)(err); }
}

/** An AbortController that also aborts when the parent signal does. */
function linked(parent) {
  const ctrl = new AbortController();
  const abort = () => ctrl.abort();
  ctrl.unlink = () => parent.removeEventListener('abort', abort);
  if (parent.aborted) ctrl.abort();
  else parent.addEventListener('abort', abort, { once: true });
  return ctrl;
}

/** Resolves true after ms, or false at once when the signal aborts. */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const done = () => { clearTimeout(t); resolve(false); };
    const t = setTimeout(() => { signal.removeEventListener('abort', done); resolve(true); }, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

// ---- idempotent writes (the gateway's docs/idempotency.md) ----------------------------------------------------

const WRITE_DEFAULTS = { maxAttempts: 5, backoff: { baseMs: 250, maxMs: 10000 } };

/** Statuses after which the same write may be sent again with the same key: the gateway stored nothing for it. */
const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * A random Idempotency-Key: a UUID v4 (128 bits from the platform's CSPRNG). `crypto.randomUUID` exists only in
 * secure contexts; `getRandomValues` everywhere, so plain-HTTP pages get the same kind of key.
 */
export function newIdempotencyKey() {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Sends a write (POST unless `options.method` says otherwise) with an `Idempotency-Key` and retries it safely: every
 * attempt carries the same key, so on a route with `Edge.Idempotency` the backend sees the write at most once, and a
 * retry of a write that already went through gets the stored answer (`Idempotent-Replayed: true`). Retried: network
 * failures, `409 idempotency_key_in_flight` (the first attempt is still running; after its `Retry-After`), `429`
 * and `5xx` (after `Retry-After`, else full-jitter back-off). Resolves with the last `Response`; rejects with the last
 * network error when every attempt failed that way, or with an AbortError when `options.signal` aborts.
 */
export async function write(path, options = {}) {
  const o = { ...WRITE_DEFAULTS, ...options, backoff: { ...WRITE_DEFAULTS.backoff, ...options.backoff } };
  const doFetch = o.fetch ?? globalThis.fetch.bind(globalThis);
  const key = o.idempotencyKey ?? newIdempotencyKey();
  const url = new URL(path, o.baseUrl ?? globalThis.location?.href).toString();
  const headers = new Headers(o.headers);
  headers.set('idempotency-key', key);
  if (o.accessToken) headers.set('authorization', `Bearer ${o.accessToken}`);
  let body = o.body;
  if (body != null && typeof body === 'object' && (Object.getPrototypeOf(body) === Object.prototype || Array.isArray(body))) {
    body = JSON.stringify(body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }

  const signal = o.signal ?? new AbortController().signal;
  let lastError;
  for (let attempt = 0; attempt < o.maxAttempts; attempt++) {
    signal.throwIfAborted();
    let waitMs;
    try {
      const res = await doFetch(url, { method: o.method ?? 'POST', headers, body, signal, cache: 'no-store' });
      const last = attempt + 1 >= o.maxAttempts;
      if (last || !(await retryable(res))) return res;
      waitMs = parseRetryAfter(res.headers.get('retry-after')) ?? fullJitter(attempt, o.backoff);
      await res.body?.cancel().catch(() => {});
      o.onRetry?.({ attempt: attempt + 1, status: res.status, delayMs: waitMs, idempotencyKey: key });
    } catch (err) {
      if (signal.aborted) throw err;
      lastError = err;
      waitMs = fullJitter(attempt, o.backoff);
      o.onRetry?.({ attempt: attempt + 1, error: err, delayMs: waitMs, idempotencyKey: key });
    }
    if (attempt + 1 < o.maxAttempts && !(await sleep(waitMs, signal))) signal.throwIfAborted();
  }
  throw lastError;
}

/** True when the answer says nothing was stored for the key (or the first attempt is still in flight). */
async function retryable(res) {
  if (RETRY_STATUS.has(res.status)) return true;
  if (res.status !== 409) return false;
  // A backend's own 409 (a conflict it decided) is stored and would be replayed: only the gateway's in-flight answer is retried.
  const body = await res.clone().json().catch(() => null);
  return body?.error === 'idempotency_key_in_flight';
}
