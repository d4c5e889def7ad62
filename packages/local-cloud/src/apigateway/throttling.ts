import type { Quota, Throttle } from './rest-api-model.ts';

/**
 * Token bucket: `burstLimit` tokens, refilled at `rateLimit` per second; a request takes one or is throttled.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; updatedMs: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes a token from the bucket `key`; false when it is empty. */
  take(key: string, throttle: Throttle): boolean {
    const nowMs = this.now();
    const capacity = Math.max(throttle.burstLimit, 1);
    const bucket = this.buckets.get(key) ?? { tokens: capacity, updatedMs: nowMs };
    bucket.tokens = Math.min(
      capacity,
      bucket.tokens + ((nowMs - bucket.updatedMs) / 1000) * throttle.rateLimit,
    );
    bucket.updatedMs = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      return false;
    }
    bucket.tokens -= 1;
    return true;
  }
}

/** Requests counted per key and quota period (UTC day, ISO week from Monday, or calendar month). */
export class QuotaCounters {
  private readonly counts = new Map<string, number>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Counts a request against the quota; false when the period's limit is already reached. */
  take(key: string, quota: Quota): boolean {
    const counter = `${key}/${periodStart(this.now(), quota.period)}`;
    const used = this.counts.get(counter) ?? 0;
    if (used >= quota.limit) {
      return false;
    }
    this.counts.set(counter, used + 1);
    return true;
  }
}

function periodStart(date: Date, period: Quota['period']): string {
  const day = date.toISOString().slice(0, 10);
  if (period === 'DAY') {
    return day;
  }
  if (period === 'MONTH') {
    return day.slice(0, 7);
  }
  const monday = new Date(`${day}T00:00:00Z`);
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  return monday.toISOString().slice(0, 10);
}
