// The comparison panel: the latest `npm run bench` figures per pattern, from bench-results/results.json.
import { h } from './cards.js';

const ms = (value) => (Number.isFinite(value) ? `${Math.round(value)} ms` : 'n/a');

/** Fills `panel` with the benchmark table, or says why there is none. */
export async function renderBench(panel) {
  const body = panel.querySelector('[data-bench-body]');
  let results;
  try {
    const response = await fetch('bench-results/results.json', { cache: 'no-cache' });
    if (!response.ok) {
      throw new Error(`bench-results/results.json answered ${response.status}`);
    }
    results = await response.json();
  } catch (error) {
    body.replaceChildren(
      h('p', {}, `No benchmark results here (${error.message}). Run npm run bench, then reload.`),
    );
    return;
  }
  const costs = new Map((results.costs ?? []).map((cost) => [cost.id, cost]));
  const columns = [
    'Pattern',
    'Response p50',
    'Visible p50',
    'Visible p95',
    'Cold',
    'Items/s',
    'USD per million',
    'Visible when',
  ];
  const table = h(
    'table',
    {},
    h(
      'caption',
      {},
      `From submit to a readable result, ${results.settings?.samples ?? ''} passes per pattern on ${results.machine?.cpus ?? '?'} cores (local cloud), run ${new Date(results.startedAt).toLocaleString()}.`,
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((column) => h('th', { scope: 'col' }, column)),
      ),
    ),
    h(
      'tbody',
      {},
      results.patterns.map((pattern) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, pattern.name),
          h('td', {}, ms(pattern.response.p50)),
          h('td', {}, ms(pattern.visible.p50)),
          h('td', {}, ms(pattern.visible.p95)),
          h('td', {}, ms(pattern.coldVisibleMs)),
          h(
            'td',
            {},
            pattern.throughputPerSecond === undefined ? 'n/a' : pattern.throughputPerSecond.toFixed(1),
          ),
          h('td', {}, costs.has(pattern.id) ? costs.get(pattern.id).usdPerMillion.toFixed(2) : 'n/a'),
          h('td', {}, pattern.visibleWhen),
        ),
      ),
    ),
  );
  body.replaceChildren(
    h(
      'div',
      { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Benchmark table' },
      table,
    ),
    h(
      'p',
      {},
      `Local cloud boot ${ms(results.bootMs)}; its overhead over a raw DynamoDB call ${ms(results.overhead?.overheadP50Ms)} at p50. Costs are AWS list prices for one million orders (see the README for the assumptions).`,
    ),
    h('img', {
      src: 'bench-results/latency.svg',
      alt: 'Bar chart of submit-to-visible latency, p50 and p95, per pattern; the same figures as the table.',
      class: 'chart',
    }),
  );
}
