import { TemplateError } from '../cloudformation/template-error.ts';
import type {
  CreatedResource,
  CreateRequest,
  DeleteRequest,
  ResourceProvider,
} from '../cloudformation/types.ts';
import { optionalString, requiredString } from './properties.ts';

/**
 * The retentions PutRetentionPolicy accepts, in days; any other value is refused (InvalidParameterException).
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
export const LOG_RETENTION_DAYS: ReadonlySet<number> = new Set([
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]);

/** The retention set on each log group, by name; `undefined` = never expire (no retention policy). */
export class LogGroupRetentions {
  private readonly days = new Map<string, number | undefined>();

  set(logGroupName: string, retentionInDays: number | undefined): void {
    this.days.set(logGroupName, retentionInDays);
  }

  delete(logGroupName: string): void {
    this.days.delete(logGroupName);
  }

  /** The retention of a log group the local cloud was told about; `undefined` for one never set or never expiring. */
  retentionOf(logGroupName: string): number | undefined {
    return this.days.get(logGroupName);
  }

  has(logGroupName: string): boolean {
    return this.days.has(logGroupName);
  }
}

/**
 * `Custom::LogRetention`, what CDK writes for a function's `logRetention` (its Node.js handler is not run). On AWS
 * the handler creates the log group and puts (or, without `RetentionInDays`, deletes) its retention policy, and
 * deletes the group on delete only when `RemovalPolicy` is `destroy`. Locally function logs are files that last
 * one run, so the retention is checked as CloudWatch Logs checks it and recorded, with no effect on the files.
 * Physical id and the `LogGroupName` attribute: the log group's name, as the handler answers.
 * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_logs.LogRetention.html
 */
export function logRetentionProvider(
  retentions: LogGroupRetentions,
  log: (line: string) => void = () => {},
): ResourceProvider {
  const apply = async (request: CreateRequest): Promise<CreatedResource> => {
    const where = `Resource ${request.logicalId}`;
    const logGroupName = requiredString(request.properties, 'LogGroupName', where);
    const days = optionalString(request.properties, 'RetentionInDays', where);
    const retentionInDays = days === undefined ? undefined : Number.parseInt(days, 10);
    if (retentionInDays !== undefined && !LOG_RETENTION_DAYS.has(retentionInDays)) {
      throw new TemplateError(
        `${where}: RetentionInDays ${days} is not a retention CloudWatch Logs accepts (${[...LOG_RETENTION_DAYS].join(', ')})`,
      );
    }
    retentions.set(logGroupName, retentionInDays);
    log(
      `${logGroupName}: retention ${retentionInDays === undefined ? 'never expire' : `${retentionInDays} days`} (local logs last one run)`,
    );
    return { physicalId: logGroupName, attributes: { LogGroupName: logGroupName } };
  };
  return {
    create: apply,
    update: apply,
    async delete(request: DeleteRequest): Promise<void> {
      const where = `Resource ${request.logicalId}`;
      // The log group itself goes only with RemovalPolicy destroy; otherwise it stays with its retention.
      if (optionalString(request.properties, 'RemovalPolicy', where) === 'destroy') {
        retentions.delete(request.physicalId);
      }
    },
  };
}
