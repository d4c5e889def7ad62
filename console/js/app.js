// The console: finds the stack (the local cloud's outputs, or the connection form), opens the WebSocket, and
// draws a card per pattern.
import { ApiClient, PushClient } from './api.js';
import { renderBench } from './bench.js';
import { patternCards } from './patterns.js';

/** The local cloud serves its outputs here (API key value included) to pages on its own loopback origin. */
const LOCAL_OUTPUTS = '/_local-cloud/outputs.json';
/** What the form remembers between visits; never the API key. */
const REMEMBERED = 'console.connection';

const form = document.querySelector('#connection');
const connectionStatus = document.querySelector('#connection-status');
const patterns = document.querySelector('#patterns');

/** The stack in an outputs file (`cdk deploy --outputs-file` shape) that has an API. */
function stackWithApi(outputs) {
  return Object.values(outputs ?? {}).find((stack) => stack.ApiUrl);
}

async function localConnection() {
  try {
    const response = await fetch(LOCAL_OUTPUTS, { cache: 'no-store' });
    if (!response.ok) {
      return undefined;
    }
    const stack = stackWithApi(await response.json());
    return stack?.ApiKey
      ? { apiUrl: stack.ApiUrl, apiKey: stack.ApiKey, source: 'the local cloud' }
      : undefined;
  } catch {
    return undefined;
  }
}

let current;

async function connect(connection) {
  current?.push.close();
  const api = new ApiClient(connection.apiUrl, connection.apiKey);
  const push = new PushClient(api);
  current = { api, push };
  connectionStatus.textContent = `Connecting to ${connection.apiUrl} (${connection.source})…`;
  try {
    await push.connect();
    connectionStatus.textContent = `Connected to ${connection.apiUrl} (${connection.source}); WebSocket open.`;
  } catch (error) {
    connectionStatus.textContent = `REST API at ${connection.apiUrl} (${connection.source}); the WebSocket did not open (${error.message}): statuses are polled instead.`;
    void push.reconnect();
  }
  const cards = patternCards({ api, push });
  patterns.replaceChildren(...cards.map((card) => card.element));
  patterns.hidden = false;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const connection = {
    apiUrl: String(data.get('apiUrl')).trim(),
    apiKey: String(data.get('apiKey')).trim(),
    source: 'entered above',
  };
  localStorage.setItem(REMEMBERED, JSON.stringify({ apiUrl: connection.apiUrl }));
  void connect(connection);
});

async function start() {
  void renderBench(document.querySelector('#bench'));
  const local = await localConnection();
  const remembered = JSON.parse(localStorage.getItem(REMEMBERED) ?? '{}');
  const initial = local ?? remembered;
  form.elements.apiUrl.value = initial.apiUrl ?? '';
  if (local) {
    form.elements.apiKey.value = local.apiKey;
    await connect(local);
  } else {
    connectionStatus.textContent =
      'No local cloud here: enter a deployed stack’s API URL and API key (see the README).';
  }
}

void start();
