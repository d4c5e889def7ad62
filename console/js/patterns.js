// The eight patterns, each a card: what it sends, through which routes (those of the stack's REST API), and how
// the page learns where the data went: pushed over the WebSocket (queue, file drop, CQRS), or read back.
import { sleep, until } from './api.js';
import { Card, externalLink, field, h, money } from './cards.js';

/** A short random suffix for ids, so every send is new (ids are idempotency keys). */
function suffix() {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

const CURRENCIES = ['EUR', 'USD', 'GBP', 'JPY'];

/** The order fields most patterns share: customer, currency and one line. */
function orderFields(form, { orderIdPrefix } = {}) {
  const fields = {};
  if (orderIdPrefix) {
    fields.orderId = field(
      'Order id',
      {
        name: 'orderId',
        value: `${orderIdPrefix}-${suffix()}`,
        required: true,
        pattern: '[A-Za-z0-9_\\-]{1,64}',
      },
      { hint: 'The client’s idempotency key: the same id again is a retry.' },
    );
  }
  fields.customerId = field('Customer id', { name: 'customerId', value: 'customer-42', required: true });
  fields.currency = field('Currency', { name: 'currency', value: 'EUR' }, { options: CURRENCIES });
  fields.sku = field('SKU', {
    name: 'sku',
    value: 'book-ddia',
    required: true,
    pattern: '[A-Za-z0-9._\\-]{1,64}',
  });
  fields.quantity = field('Quantity', {
    name: 'quantity',
    type: 'number',
    value: 2,
    min: 1,
    max: 10000,
    required: true,
  });
  fields.unitPriceCents = field(
    'Unit price (minor units)',
    { name: 'unitPriceCents', type: 'number', value: 4599, min: 0, required: true },
    { hint: 'Integer minor units: cents for EUR, USD and GBP; yen for JPY.' },
  );
  form.append(
    h(
      'div',
      { class: 'fields' },
      Object.values(fields).map((entry) => entry.wrapper),
    ),
  );
  return {
    fields,
    /** The order as the API takes it; `orderId` left out when the form has none. */
    read() {
      return {
        ...(fields.orderId ? { orderId: fields.orderId.control.value } : {}),
        customerId: fields.customerId.control.value,
        currency: fields.currency.control.value,
        lines: [
          {
            sku: fields.sku.control.value,
            quantity: Number(fields.quantity.control.value),
            unitPriceCents: Number(fields.unitPriceCents.control.value),
          },
        ],
      };
    },
    /** A new order id for the next send. */
    renew() {
      if (fields.orderId) {
        fields.orderId.control.value = `${orderIdPrefix}-${suffix()}`;
      }
    },
  };
}

function button(text, action, { disabled = false } = {}) {
  return h(
    'button',
    {
      type: 'submit',
      'data-action': action,
      disabled,
      'data-disabled-until': disabled ? 'ready' : undefined,
    },
    text,
  );
}

/** Enables a button created with `disabled` once what it needs exists. */
function enable(buttonElement) {
  delete buttonElement.dataset.disabledUntil;
  buttonElement.disabled = false;
}

function expectStatus(response, expected, what) {
  if (!expected.includes(response.status)) {
    throw new Error(`${what} answered ${response.describe()}`);
  }
}

/**
 * Follows `id` over the WebSocket and resolves with the first status in `terminal`; `onStatus` sees each one.
 * When the socket is not open, or no terminal status is pushed in time, the status URL is polled instead.
 */
async function followStatus({ push, api, card, id, statusUrl, terminal, onStatus, since }) {
  let settle;
  const done = new Promise((resolve) => {
    settle = resolve;
  });
  const seen = (status, how) => {
    onStatus(status, how);
    if (terminal.includes(status)) {
      settle(status);
    }
  };
  let subscribed = false;
  if (push.state === 'open') {
    try {
      await push.follow(id, (message) => {
        card.log(`pushed ${message.status} over the WebSocket`, since());
        seen(message.status, 'pushed');
      });
      subscribed = true;
      card.log(`subscribed to ${id} over the WebSocket`);
    } catch (error) {
      card.log(`could not subscribe (${error.message}); polling instead`);
    }
  } else {
    card.log('the WebSocket is not connected; polling the status instead');
  }
  const poll = async () => {
    const url = await statusUrl();
    let last;
    await until(
      async () => {
        const response = await api.call(url);
        const status = response.json?.status;
        if (status && status !== last) {
          last = status;
          card.log(`GET status: ${status}`, since());
          seen(status, 'polled');
        }
        return terminal.includes(status) ? status : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: `${terminal.join(' or ')} status` },
    );
  };
  return {
    /** Resolves with the terminal status: pushed, or polled when pushes are not there (in 20 s). */
    async settled() {
      if (!subscribed) {
        void poll().catch((error) => card.log(error.message));
        return done;
      }
      const late = sleep(20_000).then(() => 'late');
      const first = await Promise.race([done, late]);
      if (first !== 'late') {
        return first;
      }
      card.log('no push for 20 s; polling the status');
      void poll().catch((error) => card.log(error.message));
      return done;
    },
  };
}

/** 1. API payload: the result comes in the response. */
function syncPattern({ api }) {
  const card = new Card({
    number: 1,
    key: 'sync',
    title: 'API payload (synchronous)',
    summary: 'The shop posts an order and learns in the same call that accounting recorded it.',
    flow: [
      { name: 'Web shop', detail: 'this page', kind: 'client' },
      { name: 'API Gateway', detail: 'POST /sync/orders' },
      { name: 'RecordOrder', detail: 'Lambda', kind: 'function' },
      { name: 'Orders table', detail: 'DynamoDB', kind: 'store' },
    ],
  });
  const order = orderFields(card.form, { orderIdPrefix: 'console-sync' });
  card.form.append(button('Send order', 'send'));
  card.onSubmit(async () => {
    card.reset();
    const body = { ...order.read(), placedAt: new Date().toISOString() };
    const start = performance.now();
    card.setStage(1);
    const response = await api.call('sync/orders', { method: 'POST', body });
    card.log(`POST /sync/orders: ${response.status}`, start);
    if (response.status === 409) {
      card.setStatus('CONFLICT');
      card.setWhere(`${response.describe()}: the id is taken by another order.`);
      return;
    }
    expectStatus(response, [200, 201], 'POST /sync/orders');
    card.setStage(3);
    card.setStatus('RECORDED');
    card.setWhere(
      `item ${body.orderId} in the orders table (DynamoDB), total ${money(response.json.totalCents, response.json.currency)}`,
      response.status === 200 ? ' (already recorded: the same order again)' : '',
    );
    order.renew();
  });
  return card;
}

/** 2. Message queue: 202 at once; the status is pushed as the worker moves it. */
function queuePattern({ api, push }) {
  const card = new Card({
    number: 2,
    key: 'queue',
    title: 'Message queue (async HTTP)',
    summary: 'The shop gets 202 and a status URL at once; a worker renders the receipt PDF later.',
    flow: [
      { name: 'Web shop', detail: 'this page', kind: 'client' },
      { name: 'API Gateway', detail: 'POST /queue/orders' },
      { name: 'Order queue', detail: 'SQS', kind: 'channel' },
      { name: 'ProcessOrders', detail: 'Lambda, batches of 10', kind: 'function' },
      { name: 'Receipt PDF', detail: 'S3', kind: 'store' },
    ],
  });
  const order = orderFields(card.form, { orderIdPrefix: 'console-queue' });
  card.form.append(button('Send order', 'send'));
  const stageOf = { QUEUED: 2, PROCESSING: 3, DONE: 4, FAILED: 3 };
  const whereOf = {
    QUEUED: 'in the order queue (SQS)',
    PROCESSING: 'with the worker, rendering the receipt (Lambda)',
    DONE: 'receipt PDF in S3',
  };
  card.onSubmit(async () => {
    card.reset();
    const body = { ...order.read(), placedAt: new Date().toISOString() };
    const start = performance.now();
    let statusUrl;
    const follower = await followStatus({
      push,
      api,
      card,
      id: body.orderId,
      statusUrl: async () => statusUrl,
      terminal: ['DONE', 'FAILED'],
      since: () => start,
      onStatus: (status) => {
        card.setStatus(status);
        card.setStage(stageOf[status] ?? 1);
        if (whereOf[status]) {
          card.setWhere(`order ${body.orderId} ${whereOf[status]}`);
        }
      },
    });
    card.setStage(1);
    const response = await api.call('queue/orders', { method: 'POST', body });
    card.log(`POST /queue/orders: ${response.status} ${response.json?.status ?? ''}`, start);
    expectStatus(response, [202], 'POST /queue/orders');
    statusUrl = response.json.statusUrl;
    card.setWhere(`order ${body.orderId} in the order queue (SQS)`);
    const final = await follower.settled();
    const status = await api.call(statusUrl);
    if (final === 'DONE' && status.json?.receipt) {
      const { receipt } = status.json;
      card.setWhere(
        externalLink(receipt.url, 'receipt PDF'),
        ` in S3 (${receipt.sizeBytes} bytes, SHA-256 ${receipt.sha256.slice(0, 12)}…), total ${money(status.json.totalCents, status.json.currency)}`,
      );
    } else {
      card.setWhere(`FAILED: ${status.json?.reason ?? status.describe()}`);
    }
    order.renew();
  });
  return card;
}

/** 3. Message stream: events into Kinesis; the SKU statistics show when they were counted. */
function streamPattern({ api }) {
  const card = new Card({
    number: 3,
    key: 'stream',
    title: 'Message stream (Kinesis)',
    summary: 'Product events go to a stream, partitioned by SKU; a batch consumer counts them per SKU.',
    flow: [
      { name: 'Web shop', detail: 'this page', kind: 'client' },
      { name: 'API Gateway', detail: 'POST /stream/events' },
      { name: 'Event stream', detail: 'Kinesis, 2 shards', kind: 'channel' },
      { name: 'AggregateEvents', detail: 'Lambda, batches of 100', kind: 'function' },
      { name: 'Product stats', detail: 'DynamoDB, GET /stream/stats/{sku}', kind: 'store' },
    ],
  });
  const sku = field('SKU', {
    name: 'sku',
    value: 'book-ddia',
    required: true,
    pattern: '[A-Za-z0-9._\\-]{1,64}',
  });
  const views = field('Views', { name: 'views', type: 'number', value: 3, min: 0, max: 100, required: true });
  const reviews = field('Reviews', {
    name: 'reviews',
    type: 'number',
    value: 1,
    min: 0,
    max: 100,
    required: true,
  });
  const rating = field(
    'Rating of each review',
    { name: 'rating', value: '5' },
    { options: ['1', '2', '3', '4', '5'] },
  );
  const purchases = field('Purchases (2 units each)', {
    name: 'purchases',
    type: 'number',
    value: 1,
    min: 0,
    max: 100,
    required: true,
  });
  card.form.append(
    h(
      'div',
      { class: 'fields' },
      [sku, views, reviews, rating, purchases].map((entry) => entry.wrapper),
    ),
    button('Send events', 'send'),
  );
  const counted = (stats) => (stats ? stats.views + stats.reviews + stats.purchases : 0);
  card.onSubmit(async () => {
    card.reset();
    const at = new Date().toISOString();
    const run = suffix();
    const product = sku.control.value;
    const events = [
      ...Array.from({ length: Number(views.control.value) }, () => ({ type: 'view' })),
      ...Array.from({ length: Number(reviews.control.value) }, () => ({
        type: 'review',
        rating: Number(rating.control.value),
      })),
      ...Array.from({ length: Number(purchases.control.value) }, () => ({ type: 'purchase', quantity: 2 })),
    ].map((event, index) => ({ eventId: `console-${run}-${index}`, sku: product, occurredAt: at, ...event }));
    if (events.length === 0) {
      throw new Error('send at least one event');
    }
    const before = await api.call(`stream/stats/${encodeURIComponent(product)}`);
    const start = performance.now();
    card.setStage(1);
    const response = await api.call('stream/events', { method: 'POST', body: { events } });
    card.log(`POST /stream/events: ${response.status}, ${response.json?.accepted ?? 0} accepted`, start);
    expectStatus(response, [202], 'POST /stream/events');
    const shards = new Set((response.json.records ?? []).map((record) => record.ShardId ?? record.shardId));
    card.setStage(2);
    card.setStatus('IN STREAM', 'info');
    card.setWhere(
      `${response.json.accepted} events in the stream${shards.size ? `, shard ${[...shards].join(', ')}` : ''}`,
    );
    const target = counted(before.status === 200 ? before.json : undefined) + response.json.accepted;
    const stats = await until(
      async () => {
        const read = await api.call(`stream/stats/${encodeURIComponent(product)}`);
        return read.status === 200 && counted(read.json) >= target ? read.json : undefined;
      },
      { what: `statistics counting ${events.length} more events` },
    );
    card.log(`GET /stream/stats/${product}: counted`, start);
    card.setStage(4);
    card.setStatus('COUNTED');
    card.setWhere(
      `stats of ${product} (DynamoDB): ${stats.views} views, ${stats.reviews} reviews`,
      stats.averageRating === null ? '' : ` (average ${stats.averageRating})`,
      `, ${stats.purchases} purchases of ${stats.units} units`,
    );
  });
  return card;
}

/** The file types the drop takes, by extension. */
const FILE_TYPES = { pdf: 'application/pdf', csv: 'text/csv', json: 'application/json' };

/** 4. File drop: a presigned PUT straight to S3; the processor's verdict is pushed. */
function fileDropPattern({ api, push }) {
  const card = new Card({
    number: 4,
    key: 'file',
    title: 'File drop (S3)',
    summary:
      'The API hands out a presigned URL; the file goes straight to S3, whose event starts the processor.',
    flow: [
      { name: 'Web shop', detail: 'this page', kind: 'client' },
      { name: 'API Gateway', detail: 'POST /files: upload URL' },
      { name: 'Bucket incoming/', detail: 'S3, presigned PUT', kind: 'store' },
      { name: 'ProcessUpload', detail: 'Lambda, on ObjectCreated', kind: 'function' },
      { name: 'processed/ or quarantine/', detail: 'S3', kind: 'store' },
    ],
  });
  const file = field(
    'File (PDF, CSV or JSON)',
    {
      name: 'file',
      type: 'file',
      accept: '.pdf,.csv,.json,application/pdf,text/csv,application/json',
      required: true,
    },
    { hint: 'Checked by its content: a PDF must look like one, a CSV have a header, JSON parse.' },
  );
  card.form.append(h('div', { class: 'fields' }, file.wrapper), button('Upload file', 'send'));
  const stageOf = { AWAITING_UPLOAD: 2, PROCESSED: 4, REJECTED: 4 };
  const whereOf = { PROCESSED: 'in processed/ (S3)', REJECTED: 'in quarantine/ (S3)' };
  card.onSubmit(async () => {
    const chosen = file.control.files?.[0];
    if (!chosen) {
      throw new Error('choose a file first');
    }
    card.reset();
    const extension = chosen.name.split('.').pop()?.toLowerCase() ?? '';
    const contentType = FILE_TYPES[extension];
    if (!contentType) {
      throw new Error(`a .${extension} file is not taken: PDF, CSV or JSON only`);
    }
    const start = performance.now();
    card.setStage(1);
    const announced = await api.call('files', {
      method: 'POST',
      body: { filename: chosen.name, contentType, size: chosen.size },
    });
    card.log(`POST /files: ${announced.status}`, start);
    expectStatus(announced, [201], 'POST /files');
    const { fileId, upload, statusUrl } = announced.json;
    let uploaded = false;
    const follower = await followStatus({
      push,
      api,
      card,
      id: fileId,
      statusUrl: async () => statusUrl,
      terminal: ['PROCESSED', 'REJECTED'],
      since: () => start,
      onStatus: (status) => {
        // The record's first status can be pushed after the upload finished; the upload is further along.
        if (status === 'AWAITING_UPLOAD' && uploaded) {
          return;
        }
        card.setStatus(status);
        card.setStage(stageOf[status] ?? 2);
        if (whereOf[status]) {
          card.setWhere(`${chosen.name} ${whereOf[status]}`);
        }
      },
    });
    // The browser sets Content-Length from the body (a header scripts may not set); the others go as signed.
    const { 'Content-Length': _length, ...headers } = upload.headers;
    const put = await fetch(upload.url, { method: upload.method, headers, body: chosen });
    card.log(`PUT to the presigned URL: ${put.status}`, start);
    if (put.status !== 200) {
      throw new Error(`the presigned PUT answered ${put.status}`);
    }
    uploaded = true;
    card.setStage(2);
    card.setStatus('UPLOADED', 'info');
    card.setWhere(`${chosen.name} in the bucket’s incoming/ (S3)`);
    const final = await follower.settled();
    const status = await api.call(statusUrl);
    if (final === 'PROCESSED' && status.json?.download) {
      card.setWhere(
        externalLink(status.json.download.url, chosen.name),
        ` in processed/ (S3), ${status.json.size} bytes, SHA-256 ${status.json.sha256.slice(0, 12)}…`,
      );
    } else {
      card.setWhere(`quarantine/ (S3): ${status.json?.reason ?? status.describe()}`);
    }
  });
  return card;
}

/** 5. Shared database: two applications, one table, optimistic locking, a change feed. */
function sharedDatabasePattern({ api }) {
  const card = new Card({
    number: 5,
    key: 'shared',
    title: 'Shared database (DynamoDB)',
    summary:
      'The orders app and accounting share one table, each writing its own attributes under If-Match: a stale write gets 412, never a lost update.',
    flow: [
      { name: 'Orders app / accounting', detail: 'this page', kind: 'client' },
      { name: 'API Gateway', detail: 'PUT /shared/orders/{id}, PATCH …/invoice' },
      { name: 'Shared orders', detail: 'DynamoDB, one item per order', kind: 'store' },
      { name: 'Change feed', detail: 'DynamoDB Streams', kind: 'channel' },
      { name: 'History + inbox', detail: 'GET …/changes', kind: 'store' },
    ],
  });
  const order = orderFields(card.form, { orderIdPrefix: 'console-shared' });
  const invoiceButton = button('Invoice it (If-Match)', 'invoice', { disabled: true });
  const staleButton = button('Invoice with a stale ETag', 'stale', { disabled: true });
  card.form.append(
    h('div', { class: 'buttons' }, button('Create order', 'create'), invoiceButton, staleButton),
  );
  let current;
  const history = async (orderId, version, start) => {
    card.setStage(3);
    const entries = await until(
      async () => {
        const read = await api.call(`shared/orders/${encodeURIComponent(orderId)}/changes`);
        const list = read.json?.entries ?? [];
        return list.some((entry) => entry.version >= version) ? list : undefined;
      },
      { what: `version ${version} in the change history` },
    );
    card.log(`GET …/changes: version ${version} is in the history`, start);
    card.setStage(4);
    return entries
      .map((entry) => `v${entry.version} by ${entry.app} (${entry.attributes.join(', ')})`)
      .join('; ');
  };
  card.onSubmit(async (action) => {
    const start = performance.now();
    if (action === 'create') {
      card.reset();
      const { orderId, ...fields } = order.read();
      card.setStage(1);
      const response = await api.call(`shared/orders/${encodeURIComponent(orderId)}`, {
        method: 'PUT',
        body: fields,
      });
      card.log(
        `PUT /shared/orders/${orderId}: ${response.status} ETag ${response.headers.get('etag')}`,
        start,
      );
      if (response.status === 428) {
        card.setStatus('CONFLICT');
        card.setWhere(`${response.describe()}: the order exists; change the id.`);
        return;
      }
      expectStatus(response, [201], 'PUT /shared/orders');
      current = {
        orderId,
        etag: response.headers.get('etag'),
        previous: undefined,
        totalCents: fields.lines[0].quantity * fields.lines[0].unitPriceCents,
      };
      card.setStage(2);
      card.setStatus('CREATED');
      card.setWhere(`item ${orderId} (version 1) in the shared table; the change feed is next`);
      card.setWhere(`item ${orderId} (version 1); history: ${await history(orderId, 1, start)}`);
      enable(invoiceButton);
      order.renew();
      return;
    }
    if (!current) {
      throw new Error('create an order first');
    }
    const etag = action === 'stale' ? current.previous : current.etag;
    const dueOn = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    card.setStage(1);
    const response = await api.call(`shared/orders/${encodeURIComponent(current.orderId)}/invoice`, {
      method: 'PATCH',
      headers: { 'if-match': etag },
      body: { invoiceNumber: `INV-${suffix()}`, status: 'ISSUED', amountCents: current.totalCents, dueOn },
    });
    card.log(`PATCH …/invoice with If-Match ${etag}: ${response.status}`, start);
    if (response.status === 412) {
      card.setStage(2);
      card.setStatus('CONFLICT');
      card.setWhere(
        `412 Precondition Failed: ${etag} is no longer current (${current.etag} is); nothing was overwritten.`,
      );
      return;
    }
    expectStatus(response, [200], 'PATCH …/invoice');
    current = { ...current, previous: etag, etag: response.headers.get('etag') };
    card.setStage(2);
    card.setStatus('INVOICED');
    const version = response.json.version;
    card.setWhere(
      `item ${current.orderId} (version ${version}) in the shared table; the change feed is next`,
    );
    card.setWhere(
      `item ${current.orderId} (version ${version}); history: ${await history(current.orderId, version, start)}`,
    );
    enable(staleButton);
  });
  return card;
}

/** 6. Publish/subscribe: one event, three subscribers, each with its own queue. */
function pubSubPattern({ api }) {
  const card = new Card({
    number: 6,
    key: 'pubsub',
    title: 'Publish/subscribe (SNS)',
    summary:
      'The shop publishes OrderPlaced once; accounting, shipping (orders that ship) and analytics each get it on their own queue.',
    flow: [
      { name: 'Web shop', detail: 'this page', kind: 'client' },
      { name: 'API Gateway', detail: 'POST /events/orders' },
      { name: 'Order events', detail: 'SNS topic, filter policies', kind: 'channel' },
      { name: 'A queue per subscriber', detail: 'SQS', kind: 'channel' },
      { name: 'Subscribers', detail: 'Lambda; GET …/deliveries', kind: 'function' },
    ],
    note: 'Thin events carry only the id: each subscriber then reads the order with GET /events/orders/{orderId}, which takes IAM (SigV4) authorization instead of the API key. Only the subscribers’ roles may call it, so this page shows what they fetched rather than calling it.',
  });
  const order = orderFields(card.form, { orderIdPrefix: 'console-event' });
  const style = field('Event style', { name: 'style', value: 'fat' }, { options: ['fat', 'thin'] });
  const ships = field('Ships to an address (shipping subscribes to these)', {
    name: 'ships',
    type: 'checkbox',
    checked: true,
  });
  ships.wrapper.classList.add('checkbox');
  card.form.append(
    h('div', { class: 'fields' }, style.wrapper, ships.wrapper),
    button('Publish order', 'send'),
  );
  card.onSubmit(async () => {
    card.reset();
    const body = { ...order.read(), placedAt: new Date().toISOString() };
    if (ships.control.checked) {
      body.shipTo = {
        name: 'Ada Lovelace',
        line1: '12 St James Square',
        city: 'London',
        postalCode: 'SW1Y 4JH',
        country: 'GB',
      };
    }
    const expected = ships.control.checked
      ? ['accounting', 'shipping', 'analytics']
      : ['accounting', 'analytics'];
    const start = performance.now();
    card.setStage(1);
    const response = await api.call(`events/orders?style=${style.control.value}`, { method: 'POST', body });
    card.log(`POST /events/orders: ${response.status} (${response.json?.style ?? ''} event)`, start);
    expectStatus(response, [202], 'POST /events/orders');
    card.setStage(2);
    card.setStatus('PUBLISHED', 'info');
    const deliveries = await until(
      async () => {
        const read = await api.call(`events/orders/${encodeURIComponent(body.orderId)}/deliveries`);
        const list = read.json?.deliveries ?? [];
        const reached = new Set(list.map((delivery) => delivery.subscriber));
        return expected.every((name) => reached.has(name)) ? list : undefined;
      },
      { what: `deliveries to ${expected.join(', ')}` },
    );
    card.log(`GET …/deliveries: ${deliveries.length} subscribers`, start);
    card.setStage(4);
    card.setStatus('DELIVERED');
    card.setWhere(
      deliveries
        .map((delivery) => `${delivery.subscriber} (details from the ${delivery.detailsFrom})`)
        .join(', '),
      ships.control.checked ? '' : '; shipping’s filter policy left it out',
    );
    order.renew();
  });
  return card;
}

/** 7. CQRS: commands append events; views follow; status changes are pushed. */
function cqrsPattern({ api, push }) {
  const card = new Card({
    number: 7,
    key: 'cqrs',
    title: 'CQRS (event log and views)',
    summary: 'Commands append events to a versioned log; a projector builds the views moments later.',
    flow: [
      { name: 'Web shop', detail: 'this page', kind: 'client' },
      { name: 'API Gateway', detail: 'POST /cqrs/orders, …/pay, …/cancel' },
      { name: 'Event log', detail: 'DynamoDB, append-only', kind: 'store' },
      { name: 'Projector', detail: 'Lambda on the log’s stream', kind: 'function' },
      { name: 'Views', detail: 'GET /cqrs/orders/{id}', kind: 'store' },
    ],
  });
  const order = orderFields(card.form);
  const payButton = button('Pay', 'pay', { disabled: true });
  const cancelButton = button('Cancel', 'cancel', { disabled: true });
  card.form.append(h('div', { class: 'buttons' }, button('Place order', 'place'), payButton, cancelButton));
  let current;
  const awaitView = async (version, start) => {
    card.setStage(3);
    const view = await until(
      async () => {
        const read = await api.call(`cqrs/orders/${current.orderId}`);
        return read.status === 200 && read.json.version >= version ? read.json : undefined;
      },
      { what: `the view at version ${version}` },
    );
    card.log(`GET /cqrs/orders/…: view at version ${view.version}`, start);
    card.setStage(4);
    card.setStatus(view.status);
    card.setWhere(
      `event v${version} in the log; view ${view.status} at version ${view.version}, ${money(view.totalCents, view.currency)}`,
    );
  };
  card.onSubmit(async (action) => {
    const start = performance.now();
    if (action === 'place') {
      card.reset();
      card.setStage(1);
      const response = await api.call('cqrs/orders', { method: 'POST', body: order.read() });
      card.log(`POST /cqrs/orders: ${response.status} version ${response.json?.version}`, start);
      expectStatus(response, [202], 'POST /cqrs/orders');
      current = { orderId: response.json.orderId, version: response.json.version };
      card.setStage(2);
      if (push.state === 'open') {
        await push
          .follow(current.orderId, (message) => {
            card.log(`pushed ${message.status} over the WebSocket`);
            card.setStatus(message.status);
          })
          .then(() => card.log(`subscribed to ${current.orderId} over the WebSocket`))
          .catch((error) => card.log(`could not subscribe: ${error.message}`));
      }
      await awaitView(current.version, start);
      enable(payButton);
      enable(cancelButton);
      return;
    }
    if (!current) {
      throw new Error('place an order first');
    }
    const body =
      action === 'pay'
        ? { paymentReference: `console:${suffix()}`, expectedVersion: current.version }
        : { reason: 'Cancelled from the console', expectedVersion: current.version };
    card.setStage(1);
    const response = await api.call(`cqrs/orders/${current.orderId}/${action}`, { method: 'POST', body });
    card.log(`POST /cqrs/orders/…/${action}: ${response.status}`, start);
    if (response.status === 409) {
      card.setStatus('CONFLICT');
      card.setWhere(response.describe());
      return;
    }
    expectStatus(response, [202], `POST …/${action}`);
    current = { ...current, version: response.json.version };
    card.setStage(2);
    await awaitView(current.version, start);
  });
  return card;
}

/** 8. Real-time push: the connection itself, and every status it receives. */
function pushPattern({ push }) {
  const card = new Card({
    number: 8,
    key: 'push',
    title: 'Real-time push (WebSocket)',
    summary:
      'The page connects with a single-use ticket and subscribes to ids; status changes are pushed as they happen.',
    flow: [
      { name: 'Status tables', detail: 'queue, files, CQRS views', kind: 'store' },
      { name: 'Their streams', detail: 'DynamoDB Streams', kind: 'channel' },
      { name: 'PushStatus', detail: 'Lambda', kind: 'function' },
      { name: '@connections', detail: 'API Gateway WebSocket' },
      { name: 'This page', detail: 'one socket', kind: 'client' },
    ],
  });
  const followId = field('Order or file id to follow', {
    name: 'followId',
    required: true,
    pattern: '[A-Za-z0-9_\\-]{1,64}',
  });
  card.form.append(h('div', { class: 'fields' }, followId.wrapper), button('Follow', 'send'));
  const showState = (state) => {
    card.setStatus(
      { open: 'CONNECTED', connecting: 'CONNECTING', closed: 'DISCONNECTED' }[state] ?? state,
      state === 'open' ? 'good' : state === 'closed' ? 'bad' : 'info',
    );
    card.setStage(state === 'open' ? 4 : -1);
    if (push.url) {
      card.setWhere(`${push.url} (a ticket on each connection, never the API key)`);
    }
  };
  showState(push.state);
  push.addEventListener('state', (event) => {
    showState(event.detail);
    card.log(`WebSocket ${event.detail}`);
  });
  push.addEventListener('message', (event) => {
    const message = event.detail;
    card.log(
      message.type === 'status'
        ? `${message.pattern} ${message.orderId}: ${message.status}`
        : `${message.type} ${message.orderId ?? message.title ?? ''}`,
    );
  });
  card.onSubmit(async () => {
    const id = followId.control.value;
    await push.follow(id, () => {});
    card.log(`following ${id}`);
  });
  return card;
}

/** Every pattern's card, in the README's order. */
export function patternCards(context) {
  return [
    syncPattern(context),
    queuePattern(context),
    streamPattern(context),
    fileDropPattern(context),
    sharedDatabasePattern(context),
    pubSubPattern(context),
    cqrsPattern(context),
    pushPattern(context),
  ];
}
