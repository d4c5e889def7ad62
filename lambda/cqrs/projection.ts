import { evolve, fold, type OrderEvent, type OrderState } from '../domain/cqrs-order.ts';
import type { EventLog, ReadModels } from '../domain/cqrs-stores.ts';

/** What projecting one event did. */
export type ProjectionOutcome =
  /** The view already had this version or a later one: a redelivery, or an event behind a rebuild. */
  | 'duplicate'
  /** The view was one version behind: the event was applied to it. */
  | 'applied'
  /** The view was further behind (events missing or late): the order was folded from the log up to this event. */
  | 'folded'
  /** The state was computed, but both models had reached its version meanwhile. */
  | 'superseded';

/** What the projector needs: the log, to fill gaps, and the read models. */
export interface ProjectionDependencies {
  readonly log: Pick<EventLog, 'history'>;
  readonly readModels: Pick<ReadModels, 'findView' | 'advance'>;
}

/**
 * Projects one event into the read models, state-based: the models hold the order's whole state at a version,
 * never increments, so applying an event twice, late, or after a rebuild leaves them as a fold of the log.
 */
export async function projectEvent(
  { log, readModels }: ProjectionDependencies,
  event: OrderEvent,
): Promise<ProjectionOutcome> {
  const view = await readModels.findView(event.orderId);
  const current = view?.version ?? 0;
  if (current >= event.version) {
    return 'duplicate';
  }
  let state: OrderState | undefined;
  let outcome: ProjectionOutcome;
  if (current === event.version - 1) {
    state = evolve(view, event);
    outcome = 'applied';
  } else {
    // The event is in the log (the stream carries only what was written), and so is every event before it.
    state = fold(await log.history(event.orderId, event.version));
    outcome = 'folded';
  }
  if (!state || state.version !== event.version) {
    throw new Error(`The log of order ${event.orderId} does not reach version ${event.version}.`);
  }
  return (await readModels.advance(state)) === 'written' ? outcome : 'superseded';
}
