// The gateway's demo page: three panels on the browser client (/_gateway/client.js), each showing its transport and
// letting a person force a lower one. window.gatewayDemo exposes subscriptions and received ids for browser tests.
import { connect, multiplexedStreams, TRANSPORTS } from '/_gateway/client.js';

const query = new URLSearchParams(location.search);
const forced = query.get('transports')?.split(',').map((t) => t.trim()).filter((t) => TRANSPORTS.includes(t));
const LABELS = { websocket: 'WebSocket', sse: 'SSE', longpolling: 'Long polling', polling: 'Polling' };
const SHORT = { websocket: 'WS', sse: 'SSE', longpolling: 'LP', polling: 'Poll' };
const $ = (root, selector) => root.querySelector(selector);
const clock = () => new Date().toLocaleTimeString([], { hour12: false });
const validId = (value) => /^[A-Za-z0-9_-]{1,128}$/.test(value);

/** One panel: a stream path, its subscription, its badge, counters and log. */
class Panel {
  constructor(name, handlers) {
    this.name = name;
    this.root = document.getElementById(name);
    this.handlers = handlers;
    this.ids = [];
    this.states = [];
    this.sub = null;
    $(this.root, '.panel-foot').append(document.getElementById('panel-foot').content.cloneNode(true));
    this.badge = $(this.root, '[data-transport]');
    this.force = $(this.root, '[data-force]');
    for (const value of ['auto', ...TRANSPORTS]) this.force.add(new Option(value === 'auto' ? 'Auto (best first)' : LABELS[value], value));
    this.force.value = forced?.length === 1 ? forced[0] : 'auto';
    this.force.addEventListener('change', () => this.restart(true));
  }

  /** (Re)subscribes to path; a new path starts a new id list, a forced transport change resumes by cursor. */
  start(path) {
    if (path !== this.path) this.ids = [];
    this.path = path;
    this.restart(false);
  }

  restart(resume) {
    const old = this.sub;
    const choice = this.force.value;
    const from = old?.transport;
    old?.close();
    if (resume && from && choice !== 'auto' && choice !== from) {
      this.log('forced', `${LABELS[from]} → ${LABELS[choice]} (forced)`, { from, to: choice, reason: 'forced' });
    }
    const sub = connect(this.path, {
      transports: choice === 'auto' ? forced : [choice],
      cursor: resume ? old?.cursor : undefined,
      reportFallback: resume && from && choice !== 'auto' && choice !== from ? { from, reason: 'forced' } : undefined,
      onEvent: (e) => sub === this.sub && this.event(e),
      onState: (s) => sub === this.sub && this.state(s),
      onReset: (cursor) => sub === this.sub && this.handlers.reset?.(cursor),
    });
    this.sub = sub;
  }

  event(e) {
    this.ids.push(e.id);
    $(this.root, '.event-count').textContent = String(this.ids.length);
    const last = $(this.root, '[data-last-event-id]');
    last.textContent = e.id;
    last.dataset.lastEventId = e.id;
    this.handlers.event(e);
  }

  state(s) {
    this.states.push({ at: Date.now(), ...s });
    const transport = this.sub.transport ?? '';
    this.badge.dataset.transport = transport;
    this.badge.textContent = transport ? LABELS[transport] : s.state === 'failed' ? 'failed' : 'connecting…';
    const offered = $(this.root, '[data-offered]');
    offered.textContent = this.sub.negotiated?.transports.map((t) => SHORT[t] ?? t).join(' · ') ?? '—';
    offered.title = this.sub.negotiated?.transports.join(', ') ?? '';
    switch (s.state) {
      case 'connected':
        if (s.reason === 'upgrade') this.log('upgrade', `${LABELS[s.from]} → ${LABELS[s.transport]} (upgrade)`, { from: s.from, to: s.transport, reason: 'upgrade' });
        else this.log('connected', `connected over ${LABELS[s.transport]}`);
        break;
      case 'fallback':
        this.log('fallback', `${LABELS[s.from]} → ${LABELS[s.to]} (${s.reason})`, { from: s.from, to: s.to, reason: s.reason });
        break;
      case 'backoff': this.log('backoff', `retry in ${s.delayMs} ms (${s.reason ?? 'disconnected'})`); break;
      case 'throttled': this.log('backoff', `next poll in ${s.delayMs} ms (${s.reason})`); break;
      case 'reset': this.log('reset', `cursor reset to ${s.cursor}`); break;
      case 'gap': this.log('reset', `gap: ${s.skipped} skipped`); break;
      case 'failed': this.log('failed', `failed: ${s.reason}`, { reason: s.reason }); break;
      case 'connecting': this.log('connecting', 'negotiating…'); break;
      default: break;
    }
  }

  /** Adds a line to the panel log; fallbacks, upgrades, forced switches and failures also go to #fallback-log. */
  log(kind, text, detail) {
    const line = (list, prefix) => {
      const li = document.createElement('li');
      li.dataset.kind = kind;
      li.dataset.panel = this.name;
      for (const [k, v] of Object.entries(detail ?? {})) li.dataset[k] = v;
      li.innerHTML = '<time></time><span class="tag"></span><span class="text"></span>';
      li.querySelector('time').textContent = clock();
      li.querySelector('.tag').textContent = prefix ?? kind;
      li.querySelector('.text').textContent = text;
      list.prepend(li);
      while (list.children.length > 60) list.lastChild.remove();
    };
    line($(this.root, '[data-log]'));
    if (detail) line(document.getElementById('fallback-log'), this.name);
  }
}

// ---- live prices ------------------------------------------------------------------------------------------------

const priceView = document.getElementById('prices');
const history = [];
const prices = new Panel('prices', {
  event: ({ data }) => {
    const price = Number(data?.price);
    if (!Number.isFinite(price)) return;
    const change = Number(data.change ?? 0);
    $(priceView, '[data-price]').textContent = price.toFixed(2);
    const el = $(priceView, '[data-change]');
    el.textContent = `${change >= 0 ? '▲ +' : '▼ '}${change.toFixed(2)}`;
    el.className = `change ${change >= 0 ? 'up' : 'down'}`;
    history.push(price);
    if (history.length > 60) history.shift();
    const lo = Math.min(...history);
    const span = Math.max(...history) - lo || 1;
    const points = history.map((p, i) => `${(i / Math.max(1, history.length - 1)) * 300},${66 - ((p - lo) / span) * 62}`);
    $(priceView, '[data-spark]').setAttribute('points', points.join(' '));
    const row = document.createElement('tr');
    for (const text of [clock(), price.toFixed(2), `${change >= 0 ? '+' : ''}${change.toFixed(2)}`]) row.insertCell().textContent = text;
    const body = $(priceView, '[data-ticks]');
    body.prepend(row);
    while (body.rows.length > 5) body.lastChild.remove();
  },
});
const tickerSelect = document.getElementById('ticker');
function watchTicker() {
  const ticker = tickerSelect.value;
  history.length = 0;
  $(priceView, '[data-symbol]').textContent = ticker;
  $(priceView, '[data-price]').textContent = '—';
  $(priceView, '[data-ticks]').replaceChildren();
  prices.start(`/prices/${ticker}/events`);
}
const wantedTicker = query.get('ticker')?.toUpperCase();
if (wantedTicker && validId(wantedTicker)) {
  if (![...tickerSelect.options].some((o) => o.value === wantedTicker)) tickerSelect.add(new Option(wantedTicker));
  tickerSelect.value = wantedTicker;
}
tickerSelect.addEventListener('change', watchTicker);

// ---- order status -----------------------------------------------------------------------------------------------

const orderView = document.getElementById('orders');
const orderInput = document.getElementById('order-id');
const NEXT_STATUS = { new: 'paid', paid: 'shipped', shipped: 'delivered', delivered: 'new' };
let current = null;

function renderOrder(order, note) {
  current = order;
  const box = $(orderView, '[data-order]');
  box.replaceChildren();
  if (!order) {
    box.innerHTML = '<p class="muted"></p>';
    box.firstChild.textContent = note;
  } else {
    box.innerHTML = '<h3><span></span><span class="status"></span></h3><dl><dt>Item</dt><dd></dd><dt>Quantity</dt><dd></dd><dt>Version</dt><dd></dd><dt>Updated</dt><dd></dd></dl>';
    box.querySelector('h3 span').textContent = `Order #${order.id}`;
    const status = box.querySelector('.status');
    status.textContent = order.status;
    status.dataset.status = order.status;
    const [item, qty, version, updated] = box.querySelectorAll('dd');
    item.textContent = order.item || '—';
    qty.textContent = String(order.quantity ?? '—');
    version.textContent = String(order.version ?? '—');
    updated.textContent = order.updatedAt ? new Date(order.updatedAt).toLocaleTimeString([], { hour12: false }) : '—';
  }
  box.classList.remove('flash');
  void box.offsetWidth; // restart the highlight animation
  box.classList.add('flash');
  $(orderView, '[data-advance]').textContent = order ? `Mark ${NEXT_STATUS[order.status] ?? 'paid'}` : 'Create order';
}

/** The current order over REST, through the gateway (which adds an ETag and answers 304 at the edge). */
async function fetchOrder() {
  const id = orderInput.value;
  try {
    const res = await fetch(`/orders/${encodeURIComponent(id)}`, { headers: { accept: 'application/json' }, cache: 'no-cache' });
    if (res.status === 404) return renderOrder(null, `No order #${id} yet. Create it to see pushes.`);
    if (!res.ok) return renderOrder(null, `Orders backend unavailable (HTTP ${res.status}); events still arrive.`);
    return renderOrder(await res.json());
  } catch {
    return renderOrder(null, 'Orders backend unreachable; events still arrive.');
  }
}

function feed(text) {
  const li = document.createElement('li');
  li.innerHTML = '<time class="muted"></time><span></span>';
  li.firstChild.textContent = clock();
  li.lastChild.textContent = text;
  const list = $(orderView, '[data-feed]');
  list.prepend(li);
  while (list.children.length > 20) list.lastChild.remove();
}

let refetchTimer;
const orders = new Panel('orders', {
  event: ({ event, data }) => {
    feed(event.startsWith('order.') ? `${event} → ${data?.status}` : `${event}${data?.method ? ` (${data.method} → HTTP ${data.status})` : ''}`);
    if (event === 'order.deleted') renderOrder(null, `Order #${data?.id ?? orderInput.value} was deleted.`);
    else if (event.startsWith('order.') && data?.id) renderOrder(data);
    else { clearTimeout(refetchTimer); refetchTimer = setTimeout(fetchOrder, 100); } // `changed` from notify-on-write
  },
  reset: () => { feed('reset: refetching the order'); fetchOrder(); },
});
function watchOrder() {
  if (!validId(orderInput.value)) return;
  current = null;
  $(orderView, '[data-feed]').replaceChildren();
  orders.start(`/orders/${orderInput.value}/events`);
  fetchOrder();
}
if (validId(query.get('order') ?? '')) orderInput.value = query.get('order');
orderInput.addEventListener('change', watchOrder);
$(orderView, '[data-refresh]').addEventListener('click', fetchOrder);
$(orderView, '[data-advance]').addEventListener('click', async (e) => {
  e.target.disabled = true;
  const id = encodeURIComponent(orderInput.value);
  const body = current ? { status: NEXT_STATUS[current.status] ?? 'paid' } : { item: 'Demo widget', quantity: 1 };
  try {
    const res = await fetch(`/orders/${id}`, { method: current ? 'PATCH' : 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) feed(`edit refused: HTTP ${res.status}`);
  } catch {
    feed('edit failed: orders backend unreachable');
  } finally {
    e.target.disabled = false;
  }
});

// ---- shared cursors ---------------------------------------------------------------------------------------------

const cursorView = document.getElementById('cursors');
const board = $(cursorView, '[data-board]');
const roomInput = document.getElementById('room');
const me = `user-${Math.random().toString(36).slice(2, 6)}`;
const hue = (name) => [...name].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 360, 7);
const peers = new Map();
$(cursorView, '[data-me]').textContent = me;
$(cursorView, '[data-me]').style.color = `hsl(${hue(me)} 65% 40%)`;

const cursors = new Panel('cursors', {
  event: ({ data }) => {
    if (!data?.user || data.user === me || typeof data.x !== 'number' || typeof data.y !== 'number') return;
    let peer = peers.get(data.user);
    if (!peer) {
      const el = document.createElement('div');
      el.className = 'peer';
      el.dataset.user = data.user;
      const color = `hsl(${hue(data.user)} 65% 45%)`;
      el.innerHTML = `<svg width="16" height="20" viewBox="0 0 16 20"><path d="M1 1l13 10-6 1-3 6z" fill="${color}" stroke="#fff" stroke-width="1.2"/></svg><span></span>`;
      el.querySelector('span').textContent = data.user;
      el.querySelector('span').style.background = color;
      board.append(el);
      peer = { el, seen: 0 };
      peers.set(data.user, peer);
    }
    peer.seen = Date.now();
    peer.el.classList.remove('idle');
    peer.el.style.transform = `translate(${data.x * board.clientWidth}px, ${data.y * board.clientHeight}px)`;
    updatePeople();
  },
});
function updatePeople() {
  const n = peers.size;
  $(cursorView, '[data-people]').textContent = n === 0 ? 'nobody else here' : `${n} other${n === 1 ? '' : 's'} here`;
}
setInterval(() => {
  for (const [user, peer] of peers) {
    const idle = Date.now() - peer.seen;
    if (idle > 15000) { peer.el.remove(); peers.delete(user); updatePeople(); } else if (idle > 4000) peer.el.classList.add('idle');
  }
}, 1000);

// Mouse moves go upstream at most ~20 per second (the gateway's default per-connection publish rate), latest wins.
let pending = null;
let lastSent = 0;
let sendTimer;
function flushMove() {
  sendTimer = undefined;
  if (!pending || !cursors.sub) return;
  lastSent = Date.now();
  const move = pending;
  pending = null;
  cursors.sub.send(move, { event: 'cursor' })
    .then(() => { $(cursorView, '[data-upstream]').textContent = cursors.sub.transport === 'websocket' ? 'WebSocket frames' : 'HTTP POST'; })
    .catch((err) => { $(cursorView, '[data-upstream]').textContent = `refused (${err.code ?? err.status ?? err.message})`; });
}
board.addEventListener('pointermove', (e) => {
  const r = board.getBoundingClientRect();
  pending = { x: Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)), y: Math.min(1, Math.max(0, (e.clientY - r.top) / r.height)), user: me };
  sendTimer ??= setTimeout(flushMove, Math.max(0, 50 - (Date.now() - lastSent)));
});
function watchRoom() {
  if (!validId(roomInput.value)) return;
  for (const peer of peers.values()) peer.el.remove();
  peers.clear();
  updatePeople();
  cursors.start(`/rooms/${roomInput.value}/cursors`);
}
if (validId(query.get('room') ?? '')) roomInput.value = query.get('room');
roomInput.addEventListener('change', watchRoom);

// All panels share one multiplexed connection (the client's default); a panel forced onto another transport gets a
// stream of its own. The header shows how many push connections the page holds now.
function pushConnections() {
  return multiplexedStreams().filter((s) => s.transport !== null);
}
function showConnections() {
  const live = pushConnections();
  const el = document.querySelector('[data-connections]');
  el.textContent = String(live.length);
  el.dataset.count = String(live.length);
  document.querySelector('[data-connections-detail]').textContent = live
    .map((s) => `(${LABELS[s.transport]}: ${s.paths.length} subscription${s.paths.length === 1 ? '' : 's'})`).join(' ');
}
setInterval(showConnections, 500);

// ---- start, and the hooks browser tests use -----------------------------------------------------------------------

const panels = { prices, orders, cursors };
window.gatewayDemo = {
  panels,
  me,
  /** The live subscription of each panel (a forced transport change replaces it). */
  get subscriptions() { return { prices: prices.sub, orders: orders.sub, cursors: cursors.sub }; },
  /** Ids received per panel, in order, since the panel's stream was chosen: no loss, no duplicates. */
  get events() { return { prices: prices.ids, orders: orders.ids, cursors: cursors.ids }; },
  get states() { return { prices: prices.states, orders: orders.states, cursors: cursors.states }; },
  /** The page's push connections now (its multiplexed streams that are connected). */
  get connections() { return pushConnections(); },
  /** Forces a panel onto one transport ('auto' for the negotiated order), as the select does. */
  force(panel, transport) {
    panels[panel].force.value = transport;
    panels[panel].restart(true);
  },
};

watchTicker();
watchOrder();
watchRoom();
