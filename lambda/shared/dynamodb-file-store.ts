import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FileOutcome, FileRecord, FileStore } from '../domain/file-drop.ts';
import { documentClient } from './dynamodb.ts';

/** How long a record whose upload never came is kept after its upload URLs expire, before DynamoDB deletes it. */
const UNUSED_RECORD_DAYS = 7;

/**
 * File records in DynamoDB, one item per file (partition key `fileId`). A record awaiting its upload carries a
 * TTL (`expiresAt`, epoch seconds), removed when the outcome is recorded: abandoned uploads clean themselves up.
 */
export class DynamoDbFileStore implements FileStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient,
  ) {
    this.documents = documentClient(client);
  }

  async create(record: FileRecord): Promise<void> {
    const expiresAt =
      Math.ceil(Date.parse(record.uploadExpiresAt) / 1000) + UNUSED_RECORD_DAYS * 24 * 60 * 60;
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...record, expiresAt },
        // File ids are random UUIDs: a collision is a bug, never something to overwrite.
        ConditionExpression: 'attribute_not_exists(fileId)',
      }),
    );
  }

  async find(fileId: string): Promise<FileRecord | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { fileId }, ConsistentRead: true }),
    );
    if (!Item) {
      return undefined;
    }
    const { expiresAt: _expiresAt, ...record } = Item;
    return record as FileRecord;
  }

  async complete(fileId: string, outcome: FileOutcome): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { fileId },
          UpdateExpression:
            'SET #status = :status, sizeBytes = :size, sha256 = :sha256, objectKey = :key, processedAt = :at' +
            (outcome.reason === undefined ? '' : ', reason = :reason') +
            ' REMOVE expiresAt',
          ConditionExpression: '#status = :awaiting',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': outcome.status,
            ':size': outcome.sizeBytes,
            ':sha256': outcome.sha256,
            ':key': outcome.objectKey,
            ':at': outcome.processedAt,
            ':awaiting': 'AWAITING_UPLOAD',
            ...(outcome.reason === undefined ? {} : { ':reason': outcome.reason }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return false;
      }
      throw error;
    }
  }
}
