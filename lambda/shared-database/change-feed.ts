import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { changeBetween, type OrderChange } from '../domain/shared-order.ts';

/** A change-feed record read: the change it stands for and the item after it. */
export interface ReadChange {
  readonly change: OrderChange;
  readonly newImage?: Record<string, unknown>;
}

/** Reads a DynamoDB Streams record of the shared orders table (NEW_AND_OLD_IMAGES). */
export function readChange(record: DynamoDBRecord): ReadChange {
  const stream = record.dynamodb;
  if (!stream?.Keys) {
    throw new Error(`Record ${record.eventID} carries no keys: is the stream NEW_AND_OLD_IMAGES?`);
  }
  const image = (value: unknown) => (value ? unmarshall(value as Record<string, AttributeValue>) : undefined);
  const oldImage = image(stream.OldImage);
  const newImage = image(stream.NewImage);
  const recordedAt = new Date((stream.ApproximateCreationDateTime ?? 0) * 1000).toISOString();
  return { change: changeBetween(oldImage, newImage, recordedAt), newImage };
}

/** The partition key of a record, for `inKeyOrder`: one order's changes are applied in stream order. */
export function orderIdOf(record: DynamoDBRecord): string {
  return record.dynamodb?.Keys?.orderId?.S ?? '';
}
