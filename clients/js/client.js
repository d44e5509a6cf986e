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

const CLIENT_ID_KEY = 'gateway.clientId';
let pageClientId = null;

/**
 * The page's anonymous client id for presence (the gateway's docs/presence.md, "Who is a member"): kept in
 * sessionStorage, so a reload or a reconnect of the same tab is the same member, not a leave and a join. Sent as
 * `?clientId=` on every push request; the token's subject wins where the request authenticates.
 */
export function clientId() {
  if (pageClientId) return pageClientId;
  let id = null;
  try { id = globalThis.sessionStorage?.getItem(CLIENT_ID_KEY) ?? null; } catch { /* storage blocked */ }
  if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
    id = `c${newIdempotencyKey().replace(/-/g, '').slice(0, 20)}`;
    try { globalThis.sessionStorage?.setItem(CLIENT_ID_KEY, id); } catch { /* storage blocked */ }
  }
  pageClientId = id;
  return id;
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

/**
 * Opens a subscription to a push route's stream path (for example `/orders/42/events`). By default every connect() of
 * the page to the same gateway origin (with the same token, transports and injected fetch/WebSocket) shares one
 * multiplexed connection to `/_gateway/stream` (docs/protocol.md, "One connection, many subscriptions"); a gateway
 * without that endpoint gets one connection per subscription, as does `{ multiplex: false }`.
 */
export function connect(path, options = {}) {
  if (options.multiplex === false || options.useEventSource) return new Subscription(path, options);
  return new MuxSubscription(path, options);
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
    else if (info.opened && !info.healthy && !info.fatal && !info.retry && !info.fallback && !info.slept && !info.now) {
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
    if (this.#o.clientId !== false) url.searchParams.set('clientId', this.#o.clientId ?? clientId());
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
  const openTimer = setTimeout(() => c.end({ reason: 'timeout' }), env.openTimeoutMs);
  // Browsers cannot see protocol pings, so the gateway also sends {"type":"heartbeat"} frames while idle; a ping frame
  // asks for a pong when the watchdog doubts its own timer.
  const ping = () => { if (ws.readyState === 1) ws.send('{"type":"ping"}'); };
  const watchdog = liveness(env, c, ping, Math.min(5000, env.heartbeatMs + 1000));
  env.signal.addEventListener('abort', () => {
    clearTimeout(openTimer);
    watchdog.stop();
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
    if (ws.readyState <= 1) try { ws.close(1000); } catch { /* already closing */ }
  }, { once: true });
  c.send = (frame) => {
    if (ws.readyState !== 1) return false;
    ws.send(JSON.stringify(frame));
    return true;
  };
  c.recheck = () => watchdog.doubt();
  ws.onopen = () => {
    clearTimeout(openTimer);
    c.open();
    watchdog.start();
  };
  ws.onmessage = (m) => {
    watchdog.seen();
    let f;
    try { f = JSON.parse(m.data); } catch { return; }
    c.ok();
    if (c.frame) {
      // A multiplexed stream: a reconnect without a path ends the connection, everything else is per subscription.
      if (f?.type === 'reconnect' && !f.path) advice = f;
      else if (f?.type !== 'heartbeat' && f?.type !== 'pong') c.frame(f);
      return undefined;
    }
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
  // Before the first byte a buffering proxy holds even the `retry:` line; after it, heartbeats come every heartbeatMs.
  const timer = setTimeout(() => { why = 'buffered'; ctrl.abort(); }, Math.min(env.sseProbeMs, env.heartbeatMs));
  const watchdog = liveness(env, { get healthy() { return c.healthy; }, end: (info) => { why = info; ctrl.abort(); } }, null, env.heartbeatMs + 1000);
  env.signal.addEventListener('abort', () => { clearTimeout(timer); watchdog.stop(); }, { once: true });
  // SSE cannot ask for a pong: when the page suspects the network changed, reconnect at once and resume by cursor.
  c.recheck = () => { why = { reason: 'network_changed', now: true }; ctrl.abort(); };
  let res;
  try {
    res = await env.fetch(env.url({ transport: 'sse', lastEventId: env.cursor() }), {
      headers: { accept: 'text/event-stream' }, cache: 'no-store', signal: ctrl.signal,
    });
  } catch {
    watchdog.stop();
    return c.end(typeof why === 'object' && why ? why : { reason: why ?? 'refused' });
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
      watchdog.stop();
      if (typeof why === 'object' && why) return c.end(why);
      return c.end({ reason: why ?? 'error', fallback: why === 'buffered' });
    }
    if (chunk.done) {
      clearTimeout(timer);
      watchdog.stop();
      return c.end(advice ? { reason: advice.reason, retryMs: advice.retryMs, retry: true } : { reason: 'closed' });
    }
    clearTimeout(timer);
    watchdog.seen();
    watchdog.start();
    const messages = parser.push(decoder.decode(chunk.value, { stream: true }));
    advice = messages.map(sseAdvice).find(Boolean) ?? advice;
    // A refusal (rate limit, drain) is a 200 stream with gateway.reconnect: back off, but do not call it connected.
    if (!advice) c.open();
    // The first chunk (the retry line) proves nothing is buffering; delivery is proven by a heartbeat or an event.
    if (messages.some((m) => m.type !== 'retry')) c.ok();
    for (const m of messages) (c.sse ?? sseMessage)(c, m);
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

/** A gateway.reconnect that ends the connection (one with a path ends only that subscription of a multiplexed stream). */
function sseAdvice(m) {
  if (m.type !== 'event' || m.event !== 'gateway.reconnect') return null;
  const d = parseData(m.data);
  return d?.path ? null : d;
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
    const r = await poll(env, c, { transport: 'longpolling', cursor: env.cursor(), wait }, {}, (wait + 10) * 1000);
    if (r.end && (await throttled(env, c, r.end))) continue;
    if (r.end) return c.end(r.end);
    if (c.opened || r.body?.events?.length) c.ok();
    c.open();
    const end = (c.applyPoll ?? applyPoll)(c, r.body);
    if (end) return c.end(end);
  }
  return undefined;
}

async function polling(env, c) {
  let etag = null;
  while (!env.signal.aborted) {
    // The ETag is the newest cursor: send it only when it is ours, or a capped batch would hide the rest.
    const headers = etag && etag === `"${env.cursor()}"` ? { 'if-none-match': etag } : {};
    const r = await poll(env, c, { transport: 'polling', cursor: env.cursor() }, headers, env.openTimeoutMs * 3);
    if (r.end && (await throttled(env, c, r.end))) continue;
    if (r.end) return c.end(r.end);
    c.open();
    c.ok();
    if (r.res.status === 200) {
      etag = r.res.headers.get('etag');
      const end = (c.applyPoll ?? applyPoll)(c, r.body);
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
async function poll(env, c, params, headers, timeoutMs) {
  const ctrl = linked(env.signal);
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; ctrl.abort(); }, timeoutMs);
  // A poll held across a network change may never answer: drop it and poll again at once.
  let rechecked = false;
  c.recheck = () => { rechecked = true; ctrl.abort(); };
  try {
    const res = await env.fetch(env.url(params), { headers: { accept: 'application/json', ...headers }, cache: 'no-store', signal: ctrl.signal });
    const body = res.status === 304 ? null : await res.json().catch(() => null);
    if (res.status !== 200 && res.status !== 304) return { end: httpEnd(res, body) };
    return { res, body };
  } catch {
    if (rechecked && !env.signal.aborted && c.opened) return { end: { reason: 'network_changed', retry: true, retryMs: 0 } };
    return { end: { reason: timedOut ? 'timeout' : 'error' } };
  } finally {
    clearTimeout(timer);
    ctrl.unlink();
    c.recheck = null;
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

/**
 * The watchdog of a push connection: data or a heartbeat must arrive every heartbeatMs (twice that plus a second
 * is tolerated). It measures silence on the wall clock when its timer actually fires, not by trusting the timer: a
 * background tab runs timers once a minute, a sleeping laptop or a clock jump fires them hours late. A timer that fired
 * late (or a clock that went backwards) is doubted, not believed: the connection is asked for a sign of life (a ping
 * where the transport has one) and looked at again after `recheckMs`; only silence after that ends it, and then as a
 * plain reconnect, never a fallback (the transport was not at fault). doubt() does the same on demand (online,
 * page visible again after a long hide).
 */
function liveness(env, c, ping, recheckMs) {
  const limit = env.heartbeatMs * 2 + 1000;
  const lateAfter = Math.min(1000, env.heartbeatMs);
  let last = Date.now();
  let timer = null;
  let due = 0;
  let doubting = false;
  let stopped = false;
  const schedule = (ms) => {
    clearTimeout(timer);
    if (stopped) return;
    due = Date.now() + ms;
    timer = setTimeout(check, ms);
  };
  const doubt = () => {
    if (stopped) return;
    doubting = true;
    ping?.();
    schedule(recheckMs);
  };
  function check() {
    const now = Date.now();
    const silent = now - last;
    const late = now - due;
    if (silent >= 0 && silent < limit) return schedule(doubting ? recheckMs : limit - silent);
    if (!doubting && (late > lateAfter || silent < 0)) return doubt();
    stopped = true;
    return c.end(doubting
      ? { reason: 'no_heartbeat', slept: true }
      : { reason: 'no_heartbeat', fallback: !c.healthy });
  }
  return {
    start() { if (timer === null) schedule(limit); },
    seen() {
      last = Date.now();
      if (doubting) { doubting = false; schedule(limit); }
    },
    doubt,
    stop() { stopped = true; clearTimeout(timer); },
  };
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

// ---- one connection per origin: the multiplexed stream (docs/protocol.md, "One connection, many subscriptions") ----

const STREAM_PATH = '/_gateway/stream';

/** Per-subscription errors after which subscribing again cannot help; the others are retried after their retryMs. */
const RETRYABLE_SUBSCRIBE = new Set(['rate_limited', 'too_many_sessions', 'too_many_client_sessions', 'draining', 'broker_unavailable']);

const streams = new Map();
const identities = new WeakMap();
let nextIdentity = 0;

function identity(x) {
  if (x == null) return '';
  if (typeof x !== 'object' && typeof x !== 'function') return `=${x}`;
  if (!identities.has(x)) identities.set(x, ++nextIdentity);
  return `#${identities.get(x)}`;
}

/**
 * The page's multiplexed streams now (diagnostics, and the demo's connection count): per stream its origin, the
 * transport in use, the subscribed paths and how many transport connections it opened so far.
 */
export function multiplexedStreams() {
  return [...streams.values()].map((s) => s.info());
}

/** A subscription carried by the page's shared stream; the same surface as a single-route one. */
class MuxSubscription {
  #path;
  #o;
  #stream;
  #entry = null;
  #inner = null;
  #state = 'connecting';
  #closed = false;

  constructor(path, options) {
    this.#path = path;
    this.#o = { ...DEFAULTS, ...options };
    const origin = new URL(path, this.#o.baseUrl ?? globalThis.location?.href).origin;
    const key = [origin, identity(options.accessToken), (options.transports ?? []).join(','), identity(options.fetch), identity(options.WebSocket)].join('|');
    let stream = streams.get(key);
    if (!stream || stream.done) {
      stream = new MuxStream(key, origin, this.#o);
      streams.set(key, stream);
    }
    this.#stream = stream;
    stream.attach(this);
  }

  get path() { return this.#path; }
  get options() { return this.#o; }
  /** True while carried by the shared stream (false after a gateway without /_gateway/stream handed it to its own connection). */
  get multiplexed() { return this.#inner === null; }
  get transport() { return this.#inner ? this.#inner.transport : this.#stream.transportOf(this.#entry); }
  get cursor() { return this.#inner ? this.#inner.cursor : this.#entry?.cursor ?? this.#o.cursor ?? null; }
  get state() { return this.#inner ? this.#inner.state : this.#state; }
  get negotiated() {
    if (this.#inner) return this.#inner.negotiated;
    const neg = this.#stream.negotiated;
    return neg ? { ...neg, cursor: this.#entry?.negotiated ?? null, subscriptions: undefined } : null;
  }

  send(data, options = {}) {
    if (this.#inner) return this.#inner.send(data, options);
    if (this.#closed) return Promise.reject(new Error(`subscription ${this.#state}`));
    return this.#stream.send(this.#entry, data, options.event);
  }

  close() {
    if (this.#inner) return this.#inner.close();
    if (this.#closed) return undefined;
    this.#closed = true;
    this.#stream.detach(this);
    this._emit({ state: 'closed', transport: null });
    return undefined;
  }

  // ---- called by the stream ----

  _bind(entry) { this.#entry = entry; }

  _emit(s) {
    if (this.#inner) return;
    if (['connecting', 'connected', 'backoff', 'closed', 'failed'].includes(s.state)) this.#state = s.state;
    safe(this.#o.onState, { transport: this.transport, ...s });
  }

  _event(e) { if (!this.#closed && !this.#inner) safe(this.#o.onEvent, e); }
  _reset(cursor) { if (!this.#closed) safe(this.#o.onReset, cursor); }
  _gap(gap) { if (!this.#closed) safe(this.#o.onGap, gap); }

  /** Refused for good (authorization, transport, unknown path): ends this subscription only. */
  _fail(error) {
    if (this.#closed) return;
    this._emit({ state: 'failed', transport: null, reason: error.error ?? 'error', status: error.status, message: error.message, allowed: error.allowed });
    this.#closed = true;
  }

  /** The gateway has no multiplexed stream: carry on with a connection of its own, from where the stream left off. */
  _handoff() {
    if (this.#closed) return;
    const { onState, onEvent, onReset, onGap } = this.#o;
    this.#inner = new Subscription(this.#path, { ...this.#o, cursor: this.cursor, onState, onEvent, onReset, onGap });
  }
}

/** One multiplexed connection (and its reconnect loop) shared by the subscriptions of one origin. */
class MuxStream {
  key;
  done = false;
  #origin;
  #o;
  #fetch;
  #abort = new AbortController();
  #entries = new Map();
  #wire = new Set();
  #live = null;
  #settle = null;
  #neg = null;
  #candidates = [];
  #report = null;
  #attempt = 0;
  #strikes = new Map();
  #token;
  #running = false;
  #syncQueued = false;
  #wake = null;
  #pending = new Map();
  #ref = 0;
  #connections = 0;
  #unwatch;

  constructor(key, origin, o) {
    this.key = key;
    this.#origin = origin;
    this.#o = o;
    this.#fetch = o.fetch ?? globalThis.fetch?.bind(globalThis);
    if (o.reportFallback?.from) this.#report = { reason: 'forced', ...o.reportFallback };
    this.#unwatch = watchPage((why) => this.#nudge(why), () => (this.#neg?.heartbeatMs ?? o.heartbeatMs) * 2 + 1000);
  }

  get negotiated() { return this.#neg; }

  info() {
    return {
      origin: this.#origin,
      transport: this.#live?.opened ? this.#live.kind : null,
      paths: [...this.#entries.keys()],
      connections: this.#connections,
    };
  }

  transportOf(entry) {
    return entry && this.#live?.opened && this.#wire.has(entry.path) && entry.status === 'ok' ? this.#live.kind : null;
  }

  attach(sub) {
    const path = sub.path;
    let entry = this.#entries.get(path);
    if (!entry) {
      entry = { path, subs: new Set(), cursor: sub.options.cursor ?? null, negotiated: null, recent: new RecentIds(this.#o.dedupeSize), status: 'new', timer: null };
      this.#entries.set(path, entry);
    }
    entry.subs.add(sub);
    sub._bind(entry);
    if (this.transportOf(entry)) queueMicrotask(() => sub._emit({ state: 'connected', transport: this.#live?.kind ?? null }));
    this.#queueSync();
  }

  detach(sub) {
    const entry = this.#entries.get(sub.path);
    if (!entry) return;
    entry.subs.delete(sub);
    if (entry.subs.size > 0) return;
    clearTimeout(entry.timer);
    this.#entries.delete(entry.path);
    this.#queueSync();
  }

  send(entry, data, event) {
    const live = this.#live;
    if (entry && live?.kind === 'websocket' && live.opened && live.send && this.#wire.has(entry.path)) {
      const ref = String(++this.#ref);
      const frame = { type: 'publish', path: entry.path, data, ref };
      if (event) frame.event = event;
      const acked = new Promise((resolve, reject) => this.#pending.set(ref, { resolve, reject }));
      if (live.send(frame)) return acked;
      this.#pending.delete(ref);
    }
    return this.#post(entry.path, data, event);
  }

  get #closed() { return this.#abort.signal.aborted; }

  #active() {
    return [...this.#entries.values()].filter((e) => e.status === 'new' || e.status === 'ok');
  }

  // ---- the set of subscriptions ----

  #queueSync() {
    if (this.#syncQueued) return;
    this.#syncQueued = true;
    // A page that subscribes ten panels in one go makes one request, not ten.
    queueMicrotask(() => {
      this.#syncQueued = false;
      this.#sync();
    });
  }

  #sync() {
    if (this.#closed) return;
    if (this.#entries.size === 0) return this.#shutdown();
    if (!this.#running) {
      this.#run().catch((err) => this.#failAll({ error: 'error', message: String(err) }));
      return undefined;
    }
    const live = this.#live;
    if (!live?.opened) return undefined;
    const wanted = new Set(this.#active().map((e) => e.path));
    if (live.kind === 'websocket') {
      for (const path of wanted) if (!this.#wire.has(path)) this.#subscribe(live, this.#entries.get(path));
      for (const path of [...this.#wire]) {
        if (wanted.has(path)) continue;
        this.#wire.delete(path);
        if (!this.#entries.has(path)) live.send({ type: 'unsubscribe', path });
      }
      return undefined;
    }
    // SSE and polls carry their set in the request: reopen with the new set and every subscription's cursor.
    const same = wanted.size === this.#wire.size && [...wanted].every((p) => this.#wire.has(p));
    if (!same) live.end({ reason: 'resubscribe', resubscribe: true });
    return undefined;
  }

  #subscribe(live, entry) {
    const frame = { type: 'subscribe', path: entry.path };
    if (entry.cursor) frame.cursor = entry.cursor;
    if (live.send(frame)) this.#wire.add(entry.path);
  }

  #shutdown() {
    this.done = true;
    if (streams.get(this.key) === this) streams.delete(this.key);
    this.#unwatch();
    this.#abort.abort();
    const live = this.#live;
    this.#live = null;
    live?.stop();
    this.#settle?.({ reason: 'closed' });
    this.#wake?.();
  }

  // ---- the reconnect loop (as a single route's, for the whole set) ----

  async #run() {
    this.#running = true;
    try {
      while (!this.#closed && this.#active().length > 0) {
        this.#emitAll({ state: 'connecting', transport: null });
        const n = await this.#negotiate();
        if (this.#closed) return;
        if (n.unsupported) return this.#handoff();
        if (n.idle) break;
        const end = n.fatal || n.retry ? n : await this.#connectChain();
        if (this.#closed) return;
        if (end.idle) break;
        if (end.fatal) {
          if (end.fatal === 'unauthorized' && await this.#tokenChanged()) continue;
          this.#failAll({ error: end.fatal, status: end.status });
          break;
        }
        if (end.healthy) this.#attempt = 0;
        if (end.now) continue;
        const delayMs = end.retryMs ?? fullJitter(this.#attempt++, this.#backoff(), this.#o.random);
        this.#emitAll({ state: 'backoff', transport: null, delayMs, reason: end.reason, code: end.code });
        await this.#sleep(delayMs);
      }
    } finally {
      this.#running = false;
    }
    // Subscriptions added while the loop was winding down.
    if (!this.#closed && this.#active().length > 0) this.#queueSync();
  }

  /** A backoff the page can cut short: `online`, or the page visible again, reconnects at once. */
  #sleep(ms) {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.#wake = null; resolve(); }, ms);
      this.#wake = () => { clearTimeout(t); this.#wake = null; resolve(); };
    });
  }

  /** The network may have changed (online, or the page back after a long hide): reconnect now, or make sure the live connection still lives. */
  #nudge(why) {
    if (this.#closed) return;
    if (this.#wake) {
      this.#attempt = 0;
      this.#emitAll({ state: 'connecting', transport: null, reason: why });
      this.#wake();
      return;
    }
    this.#live?.recheck?.();
  }

  async #connectChain() {
    const list = this.#candidates;
    let kind = list[Math.max(0, list.indexOf(remembered.get(this.key)))];
    while (kind) {
      const end = await new Promise((resolve) => {
        this.#settle = resolve;
        this.#live = this.#open(kind);
      });
      if (this.#closed || end.fatal || end.retry) return end;
      if (end.resubscribe || end.now) {
        if (this.#active().length === 0) return { idle: true };
        continue;
      }
      if (end.opened && !end.fallback) return end;
      const to = list[list.indexOf(end.kind) + 1];
      this.#report = { from: end.kind, to, reason: end.reason };
      if (!to) {
        remembered.delete(this.key);
        return { reason: end.reason };
      }
      this.#emitAll({ state: 'fallback', transport: null, from: end.kind, to, reason: end.reason });
      kind = to;
    }
    return { reason: 'no_transport' };
  }

  async #negotiate() {
    this.#token = typeof this.#o.accessToken === 'function' ? await this.#o.accessToken() : this.#o.accessToken;
    const asked = this.#active();
    const ctrl = linked(this.#abort.signal);
    const timer = setTimeout(() => ctrl.abort(), this.#o.openTimeoutMs * 2);
    let res;
    let body;
    try {
      res = await this.#fetch(this.#url(`${STREAM_PATH}/negotiate`, {}, true), {
        method: 'POST',
        cache: 'no-store',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ subscriptions: asked.map((e) => ({ path: e.path, cursor: e.cursor })) }),
        signal: ctrl.signal,
      });
      body = await res.json().catch(() => null);
    } catch {
      return { retry: true, reason: 'error' };
    } finally {
      clearTimeout(timer);
      ctrl.unlink();
    }
    if (res.status === 404 || res.status === 405) return { unsupported: true };
    if (!res.ok) return httpEnd(res, body);
    if (!body || !Array.isArray(body.subscriptions) || !Array.isArray(body.transports)) return { retry: true, reason: 'error' };
    for (const r of body.subscriptions) {
      const entry = this.#entries.get(r.path);
      if (!entry) continue;
      if (r.result === 'ok') {
        entry.cursor ??= r.cursor ?? null;
        entry.negotiated ??= r.cursor ?? null;
      } else {
        this.#refuse(entry, r);
      }
    }
    this.#neg = body;
    if (this.#active().length === 0) return { idle: true };
    const wanted = this.#o.transports ? this.#o.transports.filter((t) => body.transports.includes(t)) : body.transports;
    this.#candidates = wanted.filter((t) => this.#supports(t));
    if (this.#candidates.length === 0) return { fatal: 'no_transport' };
    return {};
  }

  #supports(kind) {
    if (kind === 'websocket') return typeof (this.#o.WebSocket ?? globalThis.WebSocket) === 'function';
    // A multiplexed SSE stream is read with fetch (its events are named per route; EventSource would hide them).
    return TRANSPORTS.includes(kind) && typeof this.#fetch === 'function' && (kind !== 'sse' || typeof TextDecoder === 'function');
  }

  #backoff() {
    return { ...DEFAULTS.backoff, ...this.#neg?.reconnect, ...this.#o.backoff };
  }

  #handoff() {
    this.#shutdown();
    for (const entry of this.#entries.values()) for (const sub of entry.subs) sub._handoff();
  }

  #failAll(error) {
    for (const entry of [...this.#entries.values()]) this.#refuse(entry, { ...error, fatal: true });
  }

  /** A subscription the gateway refused: for good (its subscribers fail), or for now (subscribed again after retryMs). */
  #refuse(entry, err) {
    this.#wire.delete(entry.path);
    if (!err.fatal && (RETRYABLE_SUBSCRIBE.has(err.error) || err.type === 'reconnect')) {
      const delayMs = err.retryMs ?? fullJitter(1, this.#backoff(), this.#o.random);
      entry.status = 'waiting';
      for (const sub of entry.subs) sub._emit({ state: 'backoff', transport: null, delayMs, reason: err.reason ?? err.error });
      clearTimeout(entry.timer);
      entry.timer = setTimeout(() => {
        entry.status = 'new';
        this.#queueSync();
      }, delayMs);
      return;
    }
    entry.status = 'failed';
    clearTimeout(entry.timer);
    this.#entries.delete(entry.path);
    for (const sub of entry.subs) sub._fail(err);
    if (this.#entries.size === 0) this.#queueSync();
  }

  // ---- one transport connection ----

  #open(kind) {
    const self = this;
    const ctrl = new AbortController();
    const outer = this.#abort.signal;
    const unlink = () => outer.removeEventListener('abort', stop);
    const stop = () => { unlink(); ctrl.abort(); };
    outer.addEventListener('abort', stop, { once: true });
    const c = {
      kind, opened: false, healthy: false, done: false, send: null, stop, recheck: null,
      open() {
        if (c.done || c.opened) return;
        c.opened = true;
        self.#opened(c);
      },
      ok() { c.healthy = true; },
      frame(f) { if (c === self.#live) self.#frame(f); },
      sse(_, m) { if (c === self.#live) self.#sseMessage(m); },
      applyPoll(_, body) { return c === self.#live ? self.#applyPoll(body) : null; },
      throttled(info) { if (c === self.#live) self.#emitAll({ state: 'throttled', transport: kind, ...info }); },
      end(info) {
        if (c.done) return;
        c.done = true;
        stop();
        self.#ended(c, { ...info, kind, opened: c.opened, healthy: c.healthy });
      },
    };
    if (kind !== 'websocket') this.#wire = new Set(this.#active().map((e) => e.path));
    const env = this.#env(kind, ctrl.signal);
    const run = { websocket: webSocket, sse: sseFetch, longpolling: longPolling, polling }[kind];
    queueMicrotask(() => {
      if (ctrl.signal.aborted) return;
      Promise.resolve().then(() => run(env, c)).catch((error) => c.end({ reason: 'error', error }));
    });
    return c;
  }

  #opened(c) {
    this.#connections++;
    if (c.kind === 'websocket') {
      this.#wire = new Set();
      for (const entry of this.#active()) this.#subscribe(c, entry);
    } else {
      for (const path of this.#wire) {
        const entry = this.#entries.get(path);
        if (entry?.status === 'new') entry.status = 'ok';
      }
    }
    for (const path of this.#wire) {
      const entry = this.#entries.get(path);
      if (entry?.status === 'ok') for (const sub of entry.subs) sub._emit({ state: 'connected', transport: c.kind });
    }
    const list = this.#candidates;
    if (c.kind === this.#neg?.transports[0]) remembered.delete(this.key);
    else if (list.indexOf(c.kind) > 0) remembered.set(this.key, c.kind);
  }

  #ended(c, info) {
    if (c !== this.#live) return;
    this.#live = null;
    for (const p of this.#pending.values()) p.reject(new Error('connection closed before the publish was acknowledged'));
    this.#pending.clear();
    if (info.healthy) this.#strikes.delete(c.kind);
    else if (info.opened && !info.fatal && !info.retry && !info.fallback && !info.slept && !info.now && !info.resubscribe) {
      const strikes = (this.#strikes.get(c.kind) ?? 0) + 1;
      this.#strikes.set(c.kind, strikes);
      if (strikes >= 2) Object.assign(info, { fallback: true, reason: 'no_delivery' });
    }
    this.#settle?.(info);
  }

  // ---- what the connection carries ----

  #frame(f) {
    const entry = typeof f?.path === 'string' ? this.#entries.get(f.path) : undefined;
    switch (f?.type) {
      case 'event': return this.#deliver(entry, f);
      case 'subscribed': return this.#subscribed(entry, f.cursor);
      case 'reset': return this.#reset(entry, f.cursor);
      case 'gap': return this.#gap(entry, f.cursor, f.skipped);
      case 'ack': return this.#reply(f);
      case 'error':
        if (f.ref) return this.#reply(f);
        if (!entry || f.error === 'already_subscribed') return undefined;
        return this.#refuse(entry, f);
      case 'reconnect': return entry ? this.#refuse(entry, f) : undefined;
      default: return undefined;
    }
  }

  #sseMessage(m) {
    if (m.type !== 'event') return undefined;
    const d = parseData(m.data);
    switch (m.event) {
      case 'gateway.subscribed':
        for (const s of d?.subscriptions ?? []) this.#subscribed(this.#entries.get(s.path), s.cursor);
        return undefined;
      case 'gateway.error': return this.#frame({ ...d, type: 'error' });
      case 'gateway.reset': return this.#frame({ ...d, type: 'reset', cursor: d?.cursor ?? null });
      case 'gateway.gap': return this.#frame({ ...d, type: 'gap' });
      case 'gateway.reconnect': return d?.path ? this.#frame({ ...d, type: 'reconnect' }) : undefined;
      default: return d?.path ? this.#deliver(this.#entries.get(d.path), { id: d.id, event: m.event, data: d.data }) : undefined;
    }
  }

  #applyPoll(body) {
    if (!body) return null;
    for (const f of body.events ?? []) this.#frame(f);
    // A path the answer did not mention starts "from now" on the gateway: keep that start, or the next poll starts anew.
    const cursors = parseComposite(body.cursor);
    for (const path of this.#wire) {
      const entry = this.#entries.get(path);
      const cursor = entry && cursors.get(compositeKey(path));
      if (entry && !entry.cursor && cursor) this.#subscribed(entry, cursor);
    }
    return body.reconnect ? { reason: body.reconnect.reason, retryMs: body.reconnect.retryMs, retry: true } : null;
  }

  #subscribed(entry, cursor) {
    if (!entry) return;
    entry.cursor ??= cursor ?? null;
    entry.negotiated ??= cursor ?? null;
    if (entry.status === 'ok') return;
    entry.status = 'ok';
    for (const sub of entry.subs) sub._emit({ state: 'connected', transport: this.#live?.kind ?? null });
  }

  #deliver(entry, e) {
    if (!entry || typeof e.id !== 'string' || !entry.recent.add(e.id)) return;
    entry.cursor = e.id;
    const event = { id: e.id, event: e.event ?? 'message', data: e.data };
    for (const sub of entry.subs) sub._event(event);
  }

  #reset(entry, cursor) {
    if (!entry) return;
    entry.cursor = cursor ?? null;
    for (const sub of entry.subs) {
      sub._reset(entry.cursor);
      sub._emit({ state: 'reset', cursor: entry.cursor });
    }
  }

  #gap(entry, cursor, skipped) {
    if (!entry) return;
    if (cursor) entry.cursor = cursor;
    for (const sub of entry.subs) {
      sub._gap({ cursor, skipped });
      sub._emit({ state: 'gap', cursor, skipped });
    }
  }

  #reply(frame) {
    const p = this.#pending.get(frame.ref);
    if (!p) return;
    this.#pending.delete(frame.ref);
    if (frame.type === 'ack') p.resolve(frame);
    else p.reject(Object.assign(new Error(frame.message ?? frame.error), { code: frame.error }));
  }

  #emitAll(s) {
    for (const entry of this.#entries.values()) {
      if (entry.status === 'waiting') continue;
      for (const sub of entry.subs) sub._emit(s);
    }
  }

  async #tokenChanged() {
    if (typeof this.#o.accessToken !== 'function') return false;
    const old = this.#token;
    this.#token = await this.#o.accessToken();
    return Boolean(this.#token) && this.#token !== old;
  }

  // ---- requests ----

  #url(path, params = {}, report = false) {
    const url = new URL(path, this.#origin);
    for (const [k, v] of Object.entries(params)) if (v != null) url.searchParams.set(k, String(v));
    if (this.#token) url.searchParams.set('access_token', this.#token);
    if (this.#o.clientId !== false) url.searchParams.set('clientId', this.#o.clientId ?? clientId());
    if (report && this.#report && (this.#report.to || !path.endsWith('/negotiate'))) {
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
      heartbeatMs: neg.heartbeatMs ?? o.heartbeatMs,
      pollIntervalMs: neg.pollIntervalMs ?? 5000,
      openTimeoutMs: o.openTimeoutMs,
      sseProbeMs: o.sseProbeMs,
      longPollWaitS: o.longPollWaitS,
      signal,
      // Built from each subscription's own cursor, so a resume after a fallback from WebSocket (which has no composite) works.
      cursor: () => composite(this.#active().map((e) => [e.path, e.cursor])),
      url: (params) => {
        if (kind === 'websocket') {
          const url = this.#url(STREAM_PATH, {}, true);
          url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
          return url.toString();
        }
        // Polls read the set afresh each time; an SSE stream's set is the one it opened with.
        if (kind !== 'sse') this.#wire = new Set(this.#active().map((e) => e.path));
        const url = this.#url(STREAM_PATH, { ...params, cursor: params.cursor ?? params.lastEventId, lastEventId: undefined }, true);
        for (const path of this.#wire) url.searchParams.append('subscribe', path);
        return url.toString();
      },
    };
  }

  async #post(path, data, event) {
    const headers = { 'content-type': 'application/json' };
    if (event) headers['gw-event'] = event;
    const res = await this.#fetch(this.#url(path), { method: 'POST', headers, body: JSON.stringify(data), cache: 'no-store' });
    const body = await res.json().catch(() => null);
    if (res.status === 202 || res.ok) return body;
    throw Object.assign(new Error(body?.message ?? `publish failed: HTTP ${res.status}`), { status: res.status, code: body?.error });
  }
}

/**
 * Calls onWake('online') when the browser is back online, and onWake('visible') when the page becomes visible after
 * being hidden longer than hiddenMs() (a sleeping laptop, a frozen background tab): either may mean the connection
 * died without a word. Returns the function that stops listening. Does nothing outside a browser.
 */
function watchPage(onWake, hiddenMs) {
  const g = globalThis;
  if (typeof g.addEventListener !== 'function') return () => {};
  const doc = g.document;
  let hiddenAt = doc?.visibilityState === 'hidden' ? Date.now() : null;
  const online = () => onWake('online');
  const visibility = () => {
    if (doc.visibilityState === 'hidden') {
      hiddenAt = Date.now();
      return;
    }
    const away = hiddenAt === null ? 0 : Date.now() - hiddenAt;
    hiddenAt = null;
    if (away >= hiddenMs() || away < 0) onWake('visible');
  };
  g.addEventListener('online', online);
  doc?.addEventListener?.('visibilitychange', visibility);
  return () => {
    g.removeEventListener('online', online);
    doc?.removeEventListener?.('visibilitychange', visibility);
  };
}

// ---- composite cursors (docs/protocol.md, "Composite cursor") ----

/** `v1~{epoch}.{key}-{sequence}...`: epochs in ordinal order, keys in ordinal order, as the gateway writes it. */
function composite(pairs) {
  const byEpoch = new Map();
  for (const [path, cursor] of pairs) {
    const m = typeof cursor === 'string' ? /^([A-Za-z0-9]+)-(\d+)$/.exec(cursor) : null;
    if (!m) continue;
    if (!byEpoch.has(m[1])) byEpoch.set(m[1], []);
    byEpoch.get(m[1]).push(`${compositeKey(path)}-${m[2]}`);
  }
  let text = 'v1';
  for (const epoch of [...byEpoch.keys()].sort(ordinal)) text += `~${epoch}.${byEpoch.get(epoch).sort(ordinal).join('.')}`;
  return text === 'v1' ? null : text;
}

/** key → `{epoch}-{sequence}` of a composite cursor (empty when it does not parse). */
function parseComposite(text) {
  const out = new Map();
  if (typeof text !== 'string' || !text.startsWith('v1~')) return out;
  for (const group of text.slice(3).split('~')) {
    const [epoch, ...entries] = group.split('.');
    for (const e of entries) if (/^[0-9a-f]{8}-\d+$/.test(e)) out.set(e.slice(0, 8), `${epoch}-${e.slice(9)}`);
  }
  return out;
}

function ordinal(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

const keyCache = new Map();

/** The first four bytes of SHA-256 of the path's UTF-8, in lowercase hex (synchronous: crypto.subtle is async and HTTPS-only). */
function compositeKey(path) {
  let key = keyCache.get(path);
  if (!key) {
    key = sha256Hex(new TextEncoder().encode(path)).slice(0, 8);
    keyCache.set(path, key);
  }
  return key;
}

const K256 = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** SHA-256 (FIPS 180-4) of bytes, as lowercase hex. */
export function sha256Hex(bytes) {
  const bitLength = bytes.length * 8;
  const padded = new Uint8Array(((bytes.length + 9 + 63) >> 6) << 6);
  padded.set(bytes);
  padded[bytes.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLength / 2 ** 32));
  view.setUint32(padded.length - 4, bitLength >>> 0);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  const rotr = (x, n) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, k] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      k = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
  }
  return [...h].map((x) => x.toString(16).padStart(8, '0')).join('');
}
