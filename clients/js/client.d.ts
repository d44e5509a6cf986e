// Types for the edge gateway browser client (client.js), wire protocol version 1 (docs/protocol.md).

/** The push transports, best first. Plain REST is the route's backend itself and has no client transport. */
export type Transport = 'websocket' | 'sse' | 'longpolling' | 'polling';

/** Reasons a transport was abandoned, as reported to the gateway in `fallbackReason`. */
export type FallbackReason =
  | 'refused' | 'timeout' | 'no_heartbeat' | 'error' | 'closed' | 'buffered' | 'forced' | 'unsupported' | 'no_delivery';

/** One event of the stream. `id` is an opaque cursor: compare it for equality only. */
export interface GatewayEvent<T = unknown> {
  id: string;
  /** The type name (NATS header Gw-Event; default "message"). Control signals never reach onEvent. */
  event: string;
  /** The payload: parsed JSON when it is JSON, else a string. */
  data: T;
}

/**
 * Lifecycle states (also `subscription.state`): idle, connecting, connected, backoff, closed, failed.
 * Notifications that leave the lifecycle state as it was: fallback, reset, gap, throttled (a poll was refused with
 * 429/503 and the client waits `delayMs` before polling on, without reconnecting).
 */
export type SubscriptionState =
  | 'idle' | 'connecting' | 'connected' | 'fallback' | 'backoff' | 'throttled' | 'reset' | 'gap' | 'closed' | 'failed';

export interface StateChange {
  state: SubscriptionState;
  /** The transport in use, null while not connected. */
  transport: Transport | null;
  /**
   * connected: 'upgrade' when a better transport took over; fallback: a FallbackReason;
   * backoff: why the connection ended (e.g. 'draining', 'rate_limited', 'closed'); failed: why it gave up
   * ('unauthorized', 'forbidden', 'policy_violation', 'message_too_big', 'no_transport', 'not_found', ...).
   */
  reason?: string;
  /** fallback: the transport given up on; connected with reason 'upgrade': the one replaced. */
  from?: Transport;
  /** fallback: the transport tried next. */
  to?: Transport;
  /** backoff and throttled: how long until the next attempt. */
  delayMs?: number;
  /** backoff: the WebSocket close code, when a socket closed. */
  code?: number;
  /** reset and gap: the cursor delivery continues from. */
  cursor?: string | null;
  /** gap: how many events a drop-oldest route skipped. */
  skipped?: number;
  /** failed: the unexpected error, if any. */
  error?: unknown;
  /** failed on a shared stream: the HTTP status of the gateway's refusal of this path (403, 404, 400 ...). */
  status?: number;
  /** failed on a shared stream: the gateway's message for the refusal. */
  message?: string;
  /** failed with reason 'transport_not_allowed': the transports the path's route allows. */
  allowed?: Transport[];
}

export interface BackoffOptions {
  /** First back-off cap; full jitter picks uniformly in [0, min(maxMs, baseMs * 2^attempt)). Default: the negotiated value, else 1000. */
  baseMs?: number;
  /** Largest back-off. Default: the negotiated value, else 30000. */
  maxMs?: number;
}

export interface ConnectOptions<T = unknown> {
  /** Origin (and optional base path) of the gateway. Default: the page's location. Required outside a browser. */
  baseUrl?: string;
  onEvent?: (event: GatewayEvent<T>) => void;
  onState?: (change: StateChange) => void;
  /** The cursor could not be served (history gone, new epoch): refetch the resource over REST. */
  onReset?: (cursor: string | null) => void;
  /** A drop-oldest route skipped events. */
  onGap?: (gap: { cursor?: string; skipped?: number }) => void;
  /** Restrict or reorder the transports the gateway offers. Default: the gateway's order. */
  transports?: Transport[];
  /** Resume point: deliver what came after this id. Default: the negotiated cursor ("from now"). */
  cursor?: string | null;
  backoff?: BackoffOptions;
  /** Report a fallback the application chose (e.g. a person forcing a lower transport) on the first request. */
  reportFallback?: { from: Transport; reason?: FallbackReason };
  /** Sent as the access_token query parameter; a function is asked again on every (re)connect and after a 4401/401. */
  accessToken?: string | (() => string | null | undefined | Promise<string | null | undefined>);
  /** A WebSocket that does not open within this time is abandoned (fallback 'timeout'). Default 5000. */
  openTimeoutMs?: number;
  /** An SSE response with no bytes at all (not even the retry line) within this time is 'buffered'. Default 4000. */
  sseProbeMs?: number;
  /** How long to stay on a lower transport before trying the better ones again (doubles after each failed try). Default 60000. */
  upgradeAfterMs?: number;
  /** Long-poll wait in seconds (the gateway clamps it to 1..55). Default 30. */
  longPollWaitS?: number;
  /** How many recent ids are remembered for dropping duplicates. Default 1000. */
  dedupeSize?: number;
  /** Use EventSource for SSE even where fetch streaming works (no heartbeat check, named events need eventTypes). */
  useEventSource?: boolean;
  /** Named event types to listen for when SSE runs on EventSource. */
  eventTypes?: string[];
  /** Injectables for tests and non-browser hosts. */
  fetch?: typeof fetch;
  WebSocket?: { new (url: string): WebSocket };
  EventSource?: { new (url: string): EventSource };
  /** Random source for the back-off jitter, in [0, 1). Default Math.random. */
  random?: () => number;
  /** Heartbeat interval assumed until the gateway says otherwise. Default 15000. */
  heartbeatMs?: number;
  /**
   * Default true: share the page's one connection to the gateway's `/_gateway/stream` with every other connect() to the
   * same origin (same accessToken, transports and injected fetch/WebSocket). false: a connection of its own, to the
   * path's own stream URL. A gateway without the stream endpoint is detected and each subscription gets its own.
   */
  multiplex?: boolean;
  /** Anonymous presence id sent as ?clientId= ([A-Za-z0-9_-]{1,64}). Default clientId(); false sends none. */
  clientId?: string | false;
}

/** The negotiate answer (POST {path}/negotiate). */
export interface Negotiation {
  version: number;
  transports: Transport[];
  cursor: string | null;
  heartbeatMs: number;
  reconnect: { baseMs: number; maxMs: number };
  pollIntervalMs?: number;
  upstream?: boolean;
  maxMessageBytes?: number;
  error?: string;
}

export interface PublishAck {
  type: 'ack';
  ref?: string;
  subject?: string;
}

export interface Subscription {
  /** The transport in use now, null while connecting or backing off. */
  readonly transport: Transport | null;
  /** The resume point: the last delivered id, or the reset/negotiated cursor. */
  readonly cursor: string | null;
  readonly state: SubscriptionState;
  readonly negotiated: Negotiation | null;
  /**
   * Sends a message upstream (the route needs Push.Upstream): a `publish` frame on WebSocket, resolved by its ack;
   * otherwise an HTTP POST to the stream path, resolved by the 202 body. Rejects with `.code` / `.status` on refusal.
   */
  send(data: unknown, options?: { event?: string }): Promise<PublishAck>;
  /** Stops for good; pending sends reject. On a shared stream: unsubscribes this path only. */
  close(): void;
  /** True while carried by the page's shared stream (absent or false on a connection of its own). */
  readonly multiplexed?: boolean;
}

/** One of the page's shared multiplexed streams (see multiplexedStreams()). */
export interface MultiplexedStreamInfo {
  /** The gateway origin it connects to. */
  origin: string;
  /** The transport in use now, null while connecting or backing off. */
  transport: Transport | null;
  /** The paths it carries (refused ones are dropped). */
  paths: string[];
  /** Transport connections opened so far (1 while nothing was cut, reopened or fell back). */
  connections: number;
}

/** The page's anonymous presence id, kept in sessionStorage across reconnects and reloads of the tab. */
export function clientId(): string;

/** The page's shared streams now (diagnostics; the demo shows the connection count). */
export function multiplexedStreams(): MultiplexedStreamInfo[];

/** SHA-256 of bytes as lowercase hex (used for composite cursor keys). */
export function sha256Hex(bytes: Uint8Array): string;

export const TRANSPORTS: readonly Transport[];

export function connect<T = unknown>(path: string, options?: ConnectOptions<T>): Subscription;

/** Full-jitter back-off delay for attempt n (0-based). */
export function fullJitter(attempt: number, options: { baseMs: number; maxMs: number }, random?: () => number): number;

/** Milliseconds from a Retry-After header (delta-seconds or HTTP date); null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now?: number): number | null;

/** The transport remembered for a stream URL after a fallback (page lifetime). */
export function rememberedTransport(streamUrl: string): Transport | undefined;

/** Forgets every remembered transport. */
export function forgetTransports(): void;

export class RecentIds {
  constructor(size?: number);
  readonly size: number;
  has(id: string): boolean;
  /** False when the id was already present. */
  add(id: string): boolean;
}

export type SseMessage =
  | { type: 'event'; id: string; event: string; data: string }
  | { type: 'comment'; text: string }
  | { type: 'retry'; ms: number };

/** Incremental text/event-stream parser that, unlike EventSource, also yields comments (heartbeats). */
export class SseParser {
  lastEventId: string;
  push(text: string): SseMessage[];
}

/** Options of {@link write}. */
export interface WriteOptions {
  /** HTTP method; default 'POST'. */
  method?: string;
  /** The body; a plain object or array is sent as JSON (with `content-type: application/json` unless set). */
  body?: BodyInit | Record<string, unknown> | unknown[] | null;
  headers?: HeadersInit;
  /** Gateway origin; default the page's location (required outside a browser). */
  baseUrl?: string | URL;
  /** The key every attempt carries; default a new random UUID v4. */
  idempotencyKey?: string;
  /** Attempts in all, the first included; default 5. The last attempt's answer is returned. */
  maxAttempts?: number;
  /** Full-jitter back-off when the gateway gave no Retry-After; default 250 / 10000 ms. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Sent as `Authorization: Bearer …`. */
  accessToken?: string;
  signal?: AbortSignal;
  /** Called before each retry. */
  onRetry?: (retry: WriteRetry) => void;
  fetch?: typeof fetch;
}

/** One retry: the attempt that failed (1-based), its status or network error, the wait, the key. */
export interface WriteRetry {
  attempt: number;
  status?: number;
  error?: unknown;
  delayMs: number;
  idempotencyKey: string;
}

/**
 * Sends a write with an `Idempotency-Key` and retries it safely (same key and body on every attempt): network
 * failures, `409 idempotency_key_in_flight` (after Retry-After), 429 and 500/502/503/504. Resolves with the last answer.
 */
export function write(path: string, options?: WriteOptions): Promise<Response>;

/** A random Idempotency-Key (UUID v4), also on plain-HTTP pages where `crypto.randomUUID` is missing. */
export function newIdempotencyKey(): string;
