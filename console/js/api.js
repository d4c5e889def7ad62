// The two ways the console talks to a stack: its REST API (with the API key) and its WebSocket API (with a
// single-use ticket from POST /push/tickets; a browser cannot put the key on a WebSocket handshake).

/** A REST response with its body read once: status, headers, and the JSON body (or null). */
export class ApiResponse {
  constructor(status, headers, json, text) {
    this.status = status;
    this.headers = headers;
    this.json = json;
    this.text = text;
  }

  /** The problem's title and detail (RFC 9457), or the status alone. */
  describe() {
    const problem = this.json ?? {};
    const words = [problem.title ?? problem.message, problem.detail].filter(Boolean).join(': ');
    const fields = (problem.errors ?? []).map((error) => `${error.pointer} ${error.detail}`).join('; ');
    return [`${this.status}`, words, fields].filter(Boolean).join(' ');
  }
}

/**
 * A URL on 127.0.0.1 for a page opened as localhost (or the other way round) is the same server under another
 * name; the browser would call it cross-origin. Such URLs are rewritten to the page's own origin.
 */
export function onPageOrigin(url) {
  const target = new URL(url, location.href);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'];
  if (
    target.origin !== location.origin &&
    target.protocol === location.protocol &&
    target.port === location.port &&
    loopback.includes(target.hostname) &&
    loopback.includes(location.hostname)
  ) {
    target.host = location.host;
  }
  return target.href;
}

export class ApiClient {
  /** `apiUrl`: the stage's base URL, ending in `/`. */
  constructor(apiUrl, apiKey) {
    this.apiUrl = onPageOrigin(apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`);
    this.apiKey = apiKey;
  }

  /** Calls `path` (relative to the stage, or an absolute URL the API handed out) with the API key. */
  async call(path, { method = 'GET', body, headers = {} } = {}) {
    const url = onPageOrigin(new URL(path, this.apiUrl).href);
    const init = { method, headers: { 'x-api-key': this.apiKey, ...headers } };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    const text = await response.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // Not JSON: the status says enough.
    }
    return new ApiResponse(response.status, response.headers, json, text);
  }
}

/** Waits `ms` milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads until `check` answers something other than undefined, every `intervalMs`, for at most `timeoutMs`.
 * Used for results no push announces (stream statistics, deliveries, change history, views).
 */
export async function until(check, { timeoutMs = 30_000, intervalMs = 250, what = 'the result' } = {}) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (performance.now() > deadline) {
      throw new Error(`no ${what} after ${timeoutMs / 1000} s`);
    }
    await sleep(intervalMs);
  }
}

/** Subscriptions one connection may hold (the stack refuses the 51st). */
const MAX_SUBSCRIPTIONS = 50;

/**
 * One WebSocket connection that follows ids and hands each pushed status to whoever follows that id. It
 * reconnects with a new ticket when the connection drops, and subscribes again to what it followed.
 */
export class PushClient extends EventTarget {
  constructor(api) {
    super();
    this.api = api;
    this.socket = undefined;
    this.url = undefined;
    this.state = 'closed';
    this.followers = new Map();
    this.pending = new Map();
    this.retryMs = 1000;
    this.stopped = false;
  }

  /** Connects (again); resolves once the socket is open. */
  async connect() {
    this.setState('connecting');
    const ticket = await this.api.call('push/tickets', { method: 'POST' });
    if (ticket.status !== 201) {
      throw new Error(`POST /push/tickets answered ${ticket.describe()}`);
    }
    // The ticket rides in the URL; what is shown of the URL leaves it out.
    this.url = ticket.json.url.split('?')[0];
    const socket = new WebSocket(ticket.json.url);
    this.socket = socket;
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true });
      socket.addEventListener('error', () => reject(new Error('the WebSocket handshake failed')), {
        once: true,
      });
    });
    this.retryMs = 1000;
    this.setState('open');
    socket.addEventListener('message', (event) => this.receive(event.data));
    socket.addEventListener('close', () => {
      this.setState('closed');
      if (!this.stopped) {
        setTimeout(() => this.reconnect(), this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, 30_000);
      }
    });
    for (const id of this.followers.keys()) {
      this.sendSubscribe(id);
    }
  }

  async reconnect() {
    try {
      await this.connect();
    } catch {
      this.setState('closed');
      setTimeout(() => this.reconnect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 30_000);
    }
  }

  close() {
    this.stopped = true;
    this.socket?.close();
  }

  setState(state) {
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: state }));
  }

  /**
   * Follows `id`: `onStatus` gets each pushed status message for it. Resolves once the stack confirmed the
   * subscription, so what the caller sends next cannot change status unseen.
   */
  follow(id, onStatus) {
    if (!this.followers.has(id) && this.followers.size >= MAX_SUBSCRIPTIONS) {
      // The oldest id is forgotten locally; the connection keeps its subscription until it closes.
      this.followers.delete(this.followers.keys().next().value);
    }
    this.followers.set(id, onStatus);
    const confirmed = new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      setTimeout(() => reject(new Error(`no subscription confirmed for ${id} within 10 s`)), 10_000);
    });
    this.sendSubscribe(id);
    return confirmed;
  }

  sendSubscribe(id) {
    if (this.socket?.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ action: 'subscribe', orderId: id }));
    }
  }

  receive(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    this.dispatchEvent(new CustomEvent('message', { detail: message }));
    if (message.type === 'subscribed') {
      this.pending.get(message.orderId)?.resolve();
      this.pending.delete(message.orderId);
    } else if (message.type === 'status') {
      this.followers.get(message.orderId)?.(message);
    }
  }
}
