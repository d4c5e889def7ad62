/**
 * Fault injection for the local Lambda host: from a plan, some invocations of chosen functions fail, time out or
 * run slow, so that retries, dead-letter queues and idempotency can be shown working under failure. Nothing here
 * exists on AWS; the faults imitate what AWS and real code do (an exception, `Sandbox.Timedout`, a slow call).
 */

import { mulberry32 } from '../seeded-random.ts';

/** Where an injected failure happens relative to the handler's side effects. */
export type FaultPoint = 'before' | 'after';

/** One invocation's fate under the plan. */
export interface FaultDecision {
  /**
   * `error`: the invocation fails as if the handler threw; `timeout`: it ends in `Sandbox.Timedout` when its
   * time is up, and the environment is discarded. `before`: the handler never runs (no side effects); `after`:
   * it runs to the end, then its answer is lost (side effects done, the caller sees a failure and retries).
   */
  readonly failure?: { readonly kind: 'error' | 'timeout'; readonly at: FaultPoint };
  /** Latency added before the handler runs, in milliseconds; it counts against the function's timeout. */
  readonly delayMs: number;
}

/** The faults of the functions one rule matches. Rates are shares of invocations, from 0 to 1. */
export interface FaultRule {
  /** Function names this rule applies to: `*` matches any run of characters, e.g. `*ProcessOrders*`. */
  readonly functions: string;
  /** Share of invocations that fail with an error. @default 0 */
  readonly errorRate?: number;
  /** Share of invocations that time out. @default 0 */
  readonly timeoutRate?: number;
  /** Where errors and timeouts happen: `before` the handler, `after` it, or `either` at random. @default 'either' */
  readonly at?: FaultPoint | 'either';
  /** Share of invocations that are slowed down. @default 0 */
  readonly slowRate?: number;
  /** Latency of a slowed invocation, in milliseconds: a number, or `[min, max]` drawn uniformly. @default 1000 */
  readonly slowMs?: number | readonly [number, number];
}

/** A fault plan, as `npm start -- --faults <file>` reads it. */
export interface FaultPlan {
  /** Seed of the random draws, so a run can be repeated. @default a random seed, printed */
  readonly seed?: number;
  /** The first rule matching a function's name applies; functions no rule matches run normally. */
  readonly rules: readonly FaultRule[];
}

/** What the injector did to one function. */
export interface FaultCounts {
  invocations: number;
  errorsBefore: number;
  errorsAfter: number;
  timeoutsBefore: number;
  timeoutsAfter: number;
  slowed: number;
}

const NO_FAULT: FaultDecision = { delayMs: 0 };
const DEFAULT_SLOW_MS = 1_000;

/** Decides, invocation by invocation, which faults a plan injects, and counts them. */
export class FaultInjector {
  readonly seed: number;
  private readonly random: () => number;
  private readonly rules: ReadonlyArray<{ readonly pattern: RegExp; readonly rule: FaultRule }>;
  private readonly counts = new Map<string, FaultCounts>();
  private enabled = true;

  constructor(plan: FaultPlan) {
    const problems = checkFaultPlan(plan);
    if (problems.length > 0) {
      throw new Error(`Invalid fault plan:\n- ${problems.join('\n- ')}`);
    }
    this.seed = plan.seed ?? Math.floor(Math.random() * 2 ** 32);
    this.random = mulberry32(this.seed);
    this.rules = plan.rules.map((rule) => ({ pattern: globPattern(rule.functions), rule }));
  }

  /** Stops injecting (the cause is "fixed"); invocations are still counted. */
  pause(): void {
    this.enabled = false;
  }

  resume(): void {
    this.enabled = true;
  }

  /** The fate of the next invocation of a function. */
  decide(functionName: string): FaultDecision {
    const rule = this.rules.find(({ pattern }) => pattern.test(functionName))?.rule;
    if (!rule) {
      return NO_FAULT;
    }
    const counts = this.countsOf(functionName);
    counts.invocations++;
    if (!this.enabled) {
      return NO_FAULT;
    }
    let delayMs = 0;
    if (this.random() < (rule.slowRate ?? 0)) {
      const [min, max] =
        typeof rule.slowMs === 'object'
          ? rule.slowMs
          : [rule.slowMs ?? DEFAULT_SLOW_MS, rule.slowMs ?? DEFAULT_SLOW_MS];
      delayMs = Math.round(min + this.random() * (max - min));
      counts.slowed++;
    }
    const draw = this.random();
    const errorRate = rule.errorRate ?? 0;
    const kind =
      draw < errorRate ? 'error' : draw < errorRate + (rule.timeoutRate ?? 0) ? 'timeout' : undefined;
    if (!kind) {
      return { delayMs };
    }
    const at =
      rule.at === 'before' || rule.at === 'after' ? rule.at : this.random() < 0.5 ? 'before' : 'after';
    if (kind === 'error') {
      counts[at === 'before' ? 'errorsBefore' : 'errorsAfter']++;
    } else {
      counts[at === 'before' ? 'timeoutsBefore' : 'timeoutsAfter']++;
    }
    return { failure: { kind, at }, delayMs };
  }

  /** What was injected so far, by function name. */
  report(): ReadonlyMap<string, Readonly<FaultCounts>> {
    return new Map([...this.counts].map(([name, counts]) => [name, { ...counts }]));
  }

  private countsOf(functionName: string): FaultCounts {
    let counts = this.counts.get(functionName);
    if (!counts) {
      counts = {
        invocations: 0,
        errorsBefore: 0,
        errorsAfter: 0,
        timeoutsBefore: 0,
        timeoutsAfter: 0,
        slowed: 0,
      };
      this.counts.set(functionName, counts);
    }
    return counts;
  }
}

/** Every problem of a plan (read from a file, so checked field by field), or none. */
export function checkFaultPlan(plan: unknown): string[] {
  if (typeof plan !== 'object' || plan === null) {
    return ['a fault plan is an object with `rules`'];
  }
  const { seed, rules } = plan as Record<string, unknown>;
  const problems: string[] = [];
  if (seed !== undefined && !(Number.isInteger(seed) && (seed as number) >= 0)) {
    problems.push('`seed` must be a non-negative integer');
  }
  if (!Array.isArray(rules)) {
    return [...problems, '`rules` must be an array'];
  }
  rules.forEach((rule: Record<string, unknown>, index) => {
    const where = `rules[${index}]`;
    if (typeof rule !== 'object' || rule === null) {
      problems.push(`${where} must be an object`);
      return;
    }
    const known = ['functions', 'errorRate', 'timeoutRate', 'at', 'slowRate', 'slowMs'];
    for (const key of Object.keys(rule).filter((key) => !known.includes(key))) {
      problems.push(`${where}.${key} is not a fault setting (known: ${known.join(', ')})`);
    }
    if (typeof rule.functions !== 'string' || rule.functions === '') {
      problems.push(`${where}.functions must name functions, e.g. "*ProcessOrders*"`);
    }
    for (const key of ['errorRate', 'timeoutRate', 'slowRate']) {
      const rate = rule[key];
      if (rate !== undefined && !(typeof rate === 'number' && rate >= 0 && rate <= 1)) {
        problems.push(`${where}.${key} must be a share from 0 to 1`);
      }
    }
    if (((rule.errorRate as number) ?? 0) + ((rule.timeoutRate as number) ?? 0) > 1) {
      problems.push(`${where}: errorRate and timeoutRate add up to more than 1`);
    }
    if (rule.at !== undefined && !['before', 'after', 'either'].includes(rule.at as string)) {
      problems.push(`${where}.at must be "before", "after" or "either"`);
    }
    const slow = rule.slowMs;
    const validMs = (value: unknown): boolean =>
      typeof value === 'number' && value >= 0 && Number.isFinite(value);
    if (
      slow !== undefined &&
      !(
        validMs(slow) ||
        (Array.isArray(slow) && slow.length === 2 && slow.every(validMs) && slow[0] <= slow[1])
      )
    ) {
      problems.push(`${where}.slowMs must be milliseconds, or [min, max]`);
    }
  });
  return problems;
}

function globPattern(glob: string): RegExp {
  const escaped = glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}
