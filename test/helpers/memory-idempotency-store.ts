import {
  IdempotencyItemAlreadyExistsError,
  IdempotencyItemNotFoundError,
} from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, type IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';

/**
 * Powertools' idempotency records in memory, with the DynamoDB layer's rule for a put: it succeeds when the key is
 * new, its record expired, or its run is in progress past its in-progress expiry; otherwise the existing record is
 * handed back. For handler tests; the e2e suite runs the DynamoDB layer itself.
 */
export class MemoryIdempotencyStore extends BasePersistenceLayer {
  readonly records = new Map<string, IdempotencyRecord>();

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const record = this.records.get(idempotencyKey);
    if (!record) {
      throw new IdempotencyItemNotFoundError(`No record for ${idempotencyKey}`);
    }
    return record;
  }

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    const existing = this.records.get(record.idempotencyKey);
    const inProgressExpired =
      existing?.getStatus() === 'INPROGRESS' &&
      existing.inProgressExpiryTimestamp !== undefined &&
      existing.inProgressExpiryTimestamp < Date.now();
    if (existing && !existing.isExpired() && !inProgressExpired) {
      throw new IdempotencyItemAlreadyExistsError(`Record exists for ${record.idempotencyKey}`, existing);
    }
    this.records.set(record.idempotencyKey, record);
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    this.records.set(record.idempotencyKey, record);
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    this.records.delete(record.idempotencyKey);
  }
}
