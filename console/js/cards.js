// A card per pattern: its flow drawn as a row of steps, a form, the status of what was sent (a live region),
// a log of what happened, and where the data is now.

/** Creates an element with attributes and children (strings become text nodes, never HTML). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === undefined || value === null) {
      continue;
    }
    if (name === 'class') {
      element.className = value;
    } else if (name.startsWith('on')) {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) {
      element.append(child instanceof Node ? child : String(child));
    }
  }
  return element;
}

/** A name with line-break opportunities between its camel-case words (`ProcessOrders` -> `Process|Orders`). */
function breakable(name) {
  return name.split(/(?=[A-Z][a-z])/).flatMap((word, index) => (index === 0 ? [word] : [h('wbr'), word]));
}

let uniqueCounter = 0;
/** A document-unique id for label and aria references. */
export const uid = (prefix) => `${prefix}-${++uniqueCounter}`;

/** A labelled form field; `input` attributes as for `h`. Returns the wrapper and the control. */
export function field(label, attributes = {}, { hint, options } = {}) {
  const id = uid('field');
  const hintId = hint ? `${id}-hint` : undefined;
  const control = options
    ? h(
        'select',
        { id, name: attributes.name, 'aria-describedby': hintId },
        options.map((option) =>
          h('option', { value: option, selected: option === attributes.value }, option),
        ),
      )
    : h('input', { id, 'aria-describedby': hintId, ...attributes });
  const wrapper = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('small', { id: hintId }, hint) : null,
  );
  return { wrapper, control };
}

/** Status words and their tone: what colour (and icon) a status gets. */
const TONES = {
  DONE: 'good',
  PROCESSED: 'good',
  RECORDED: 'good',
  COUNTED: 'good',
  DELIVERED: 'good',
  PAID: 'good',
  INVOICED: 'good',
  CREATED: 'good',
  PLACED: 'info',
  FAILED: 'bad',
  REJECTED: 'bad',
  ERROR: 'bad',
  CONFLICT: 'bad',
  CANCELLED: 'warn',
};

/**
 * One pattern's card. `flow` is the list of steps the data goes through, in order; `setStage` marks where the
 * data is now.
 */
export class Card {
  constructor({ number, key, title, summary, flow, note }) {
    this.key = key;
    const headingId = `card-${key}-title`;
    this.flowItems = flow.map((step) =>
      h(
        'li',
        { class: `step step-${step.kind ?? 'service'}` },
        h('span', { class: 'step-name' }, breakable(step.name)),
        step.detail ? h('span', { class: 'step-detail' }, step.detail) : null,
      ),
    );
    this.statusValue = h('span', { class: 'badge', 'data-tone': 'idle' }, 'nothing sent yet');
    this.statusLine = h(
      'p',
      { class: 'status', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' },
      h('span', { class: 'status-label' }, 'Status: '),
      this.statusValue,
    );
    this.whereValue = h('span', {}, '–');
    this.whereLine = h(
      'p',
      { class: 'where' },
      h('span', { class: 'status-label' }, 'Where the data is: '),
      this.whereValue,
    );
    this.logList = h('ol', { class: 'log', 'aria-label': `${title}: what happened` });
    this.form = h('form', { class: 'send', 'aria-label': `Send through ${title}` });
    this.element = h(
      'section',
      { class: 'card', id: `pattern-${key}`, 'aria-labelledby': headingId },
      h('h2', { id: headingId }, h('span', { class: 'number' }, `${number}`), ' ', title),
      h('p', { class: 'summary' }, summary),
      h('ol', { class: 'flow', 'aria-label': `${title}: how the data flows` }, this.flowItems),
      note ? h('p', { class: 'note' }, note) : null,
      this.form,
      this.statusLine,
      this.whereLine,
      h('details', { class: 'log-box' }, h('summary', {}, 'What happened'), this.logList),
    );
  }

  /** Marks the step the data is at (by index into the flow); earlier steps are marked as passed. */
  setStage(index) {
    this.flowItems.forEach((item, position) => {
      item.classList.toggle('passed', position < index);
      item.classList.toggle('current', position === index);
      if (position === index) {
        item.setAttribute('aria-current', 'step');
      } else {
        item.removeAttribute('aria-current');
      }
    });
  }

  /** The status of what was sent last, announced to screen readers. */
  setStatus(text, tone) {
    this.statusValue.textContent = text;
    this.statusValue.dataset.tone = tone ?? TONES[text] ?? 'info';
  }

  /** Where the data is now: text and links. */
  setWhere(...parts) {
    this.whereValue.replaceChildren(
      ...parts.flat().map((part) => (part instanceof Node ? part : String(part))),
    );
  }

  /** Adds a line to the card's log, with the time since `since` when given. */
  log(text, since) {
    const elapsed = since === undefined ? '' : ` (+${Math.round(performance.now() - since)} ms)`;
    this.logList.append(h('li', {}, `${new Date().toLocaleTimeString()} ${text}${elapsed}`));
    while (this.logList.children.length > 40) {
      this.logList.firstElementChild.remove();
    }
  }

  /** Starts a new send: clears the log and the stage. */
  reset(status = 'SENDING') {
    this.logList.replaceChildren();
    this.setStage(-1);
    this.setStatus(status, 'info');
    this.setWhere('–');
  }

  /**
   * Runs `action` when the form is submitted (or a button with `data-action` is pressed): the buttons are disabled
   * while it runs, and an error ends in the status and the log.
   */
  onSubmit(action) {
    this.form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const submitter = event.submitter?.dataset.action ?? 'send';
      const buttons = [...this.form.querySelectorAll('button')];
      for (const button of buttons) {
        button.disabled = true;
      }
      this.form.setAttribute('aria-busy', 'true');
      try {
        await action(submitter);
      } catch (error) {
        this.setStatus('ERROR', 'bad');
        this.log(`error: ${error.message}`);
        this.setWhere(error.message);
      } finally {
        this.form.removeAttribute('aria-busy');
        for (const button of buttons) {
          button.disabled = button.dataset.disabledUntil !== undefined;
        }
      }
    });
  }
}

/** A link that opens in a new tab, announced as such. */
export function externalLink(href, text) {
  return h(
    'a',
    { href, target: '_blank', rel: 'noopener noreferrer' },
    text,
    h('span', { class: 'visually-hidden' }, ' (opens in a new tab)'),
  );
}

/** An amount in minor units as the currency writes it: `10448, EUR` -> `EUR 104.48`, `1200, JPY` -> `JPY 1,200`. */
export function money(minorUnits, currency) {
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  const amount = new Intl.NumberFormat('en', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return `${currency} ${amount.format(Number(minorUnits) / 10 ** digits)}`;
}
