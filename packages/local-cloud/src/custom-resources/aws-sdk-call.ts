import { TemplateError } from '../cloudformation/template-error.ts';
import type {
  CreatedResource,
  CreateRequest,
  DeleteRequest,
  ResourceProvider,
  UpdateRequest,
} from '../cloudformation/types.ts';
import type { LocalEmulators } from '../emulators/local-emulators.ts';
import {
  coerceParameters,
  type FlatResponse,
  flattenResponse,
  normalizeActionName,
  normalizeServiceName,
  responseAsText,
  selectOutputs,
} from './sdk-call-shapes.ts';

/** One call of `Custom::AWS`, as AwsCustomResource encodes its `onCreate`/`onUpdate`/`onDelete` (JSON). */
interface AwsSdkCall {
  readonly service: string;
  readonly action: string;
  readonly parameters?: unknown;
  readonly physicalResourceId?: { readonly id?: string; readonly responsePath?: string };
  readonly outputPath?: string;
  readonly outputPaths?: readonly string[];
  readonly ignoreErrorCodesMatching?: string;
}

type Calls = Partial<Record<'Create' | 'Update' | 'Delete', AwsSdkCall>>;

/** A service the local cloud runs: a client pointed at its emulator, and the v3 package its commands come from. */
export interface SdkService {
  readonly client: { send(command: never): Promise<unknown> };
  readonly commands: () => Promise<Readonly<Record<string, unknown>>>;
}

/** The services `Custom::AWS` can call, by v3 package suffix; a service whose emulator is not running is absent. */
export type SdkServices = Readonly<Partial<Record<string, SdkService>>>;

/** The serialized physical id that AwsCustomResource's `PhysicalResourceIdReference` puts in parameters. */
const PHYSICAL_RESOURCE_ID_REFERENCE = 'PHYSICAL:RESOURCEID:';

/** The services the local cloud runs, with the clients its emulators already have. */
export function localSdkServices(emulators: Partial<LocalEmulators>): SdkServices {
  const { dynamodb, fauxqs, kinesis } = emulators;
  const services: Record<string, SdkService> = {};
  if (dynamodb) {
    services.dynamodb = { client: dynamodb.client, commands: () => import('@aws-sdk/client-dynamodb') };
    services['dynamodb-streams'] = {
      client: dynamodb.streams,
      commands: () => import('@aws-sdk/client-dynamodb-streams'),
    };
  }
  if (fauxqs) {
    services.sqs = { client: fauxqs.sqs, commands: () => import('@aws-sdk/client-sqs') };
    services.sns = { client: fauxqs.sns, commands: () => import('@aws-sdk/client-sns') };
    services.s3 = { client: fauxqs.s3, commands: () => import('@aws-sdk/client-s3') };
  }
  if (kinesis) {
    services.kinesis = { client: kinesis.client, commands: () => import('@aws-sdk/client-kinesis') };
  }
  return services;
}

const EMULATED_SERVICES = 'DynamoDB (and its Streams), SQS, SNS, S3 and Kinesis';

/**
 * `Custom::AWS`, the resource of CDK's AwsCustomResource (its Node.js handler is not run): the `Create`, `Update`
 * or `Delete` call is made with the SDK against the local emulator of its service, as the handler makes it, and
 * the response is flattened into the `Fn::GetAtt` attributes (filtered by `outputPaths`). The physical id is the
 * call's `physicalResourceId.id`, or the response value at its `responsePath`; without either, the logical id on
 * create and the current id after. `PHYSICAL:RESOURCEID:` in parameters becomes that id; an error whose name
 * matches `ignoreErrorCodesMatching` leaves no attributes. `assumedRoleArn`, `region` and `apiVersion` are not
 * used: there is one local account and region, and no IAM.
 * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.custom_resources.AwsCustomResource.html
 */
export function awsSdkCallProvider(services: SdkServices): ResourceProvider {
  return {
    async create(request: CreateRequest): Promise<CreatedResource> {
      const calls = decodeCalls(request);
      const physicalId =
        calls.Create?.physicalResourceId?.id ??
        calls.Update?.physicalResourceId?.id ??
        calls.Delete?.physicalResourceId?.id ??
        request.logicalId;
      return run(services, calls.Create, physicalId, request);
    },
    async update(request: UpdateRequest): Promise<CreatedResource> {
      const call = decodeCalls(request).Update;
      return run(services, call, call?.physicalResourceId?.id ?? request.physicalId, request);
    },
    async delete(request: DeleteRequest): Promise<void> {
      const call = decodeCalls(request).Delete;
      await run(services, call, call?.physicalResourceId?.id ?? request.physicalId, request);
    },
  };
}

/** The calls of the resource, each a JSON string in the template (an object is taken too). */
function decodeCalls(request: { logicalId: string; properties: Readonly<Record<string, unknown>> }): Calls {
  const calls: Record<string, AwsSdkCall> = {};
  for (const kind of ['Create', 'Update', 'Delete'] as const) {
    const value = request.properties[kind];
    if (value === undefined || value === '') {
      continue;
    }
    let call: unknown;
    try {
      call = typeof value === 'string' ? JSON.parse(value) : value;
    } catch (error) {
      throw new TemplateError(`Resource ${request.logicalId}: ${kind} is not JSON: ${String(error)}`);
    }
    const { service, action } = (call ?? {}) as Partial<AwsSdkCall>;
    if (typeof service !== 'string' || typeof action !== 'string') {
      throw new TemplateError(`Resource ${request.logicalId}: ${kind} names no service and action`);
    }
    calls[kind] = call as AwsSdkCall;
  }
  return calls;
}

async function run(
  services: SdkServices,
  call: AwsSdkCall | undefined,
  defaultPhysicalId: string,
  request: { logicalId: string; region: string },
): Promise<CreatedResource> {
  if (!call) {
    return { physicalId: defaultPhysicalId, attributes: {} };
  }
  const where = `Resource ${request.logicalId}: ${call.service}.${call.action}`;
  let flat: FlatResponse = {};
  try {
    flat = await invoke(services, call, defaultPhysicalId, where);
    // The handler adds the client's region to the data, before filtering.
    flat = { region: request.region, ...flat };
  } catch (error) {
    const name = (error as Error).name ?? (error as object).constructor?.name;
    if (
      error instanceof TemplateError ||
      !call.ignoreErrorCodesMatching ||
      !new RegExp(call.ignoreErrorCodesMatching).test(name)
    ) {
      throw error instanceof TemplateError
        ? error
        : new Error(`${where} failed: ${name}: ${(error as Error).message}`);
    }
  }
  const responsePath = call.physicalResourceId?.responsePath;
  const physicalId = responsePath === undefined ? defaultPhysicalId : flat[responsePath];
  if (typeof physicalId !== 'string' && typeof physicalId !== 'number') {
    throw new TemplateError(`${where}: the response has no ${responsePath} for the physical id`);
  }
  const outputPaths = call.outputPath !== undefined ? [call.outputPath] : call.outputPaths;
  return { physicalId: String(physicalId), attributes: selectOutputs(flat, outputPaths) };
}

/** Makes the call against the service's emulator; the flattened response. */
async function invoke(
  services: SdkServices,
  call: AwsSdkCall,
  physicalId: string,
  where: string,
): Promise<FlatResponse> {
  const serviceName = normalizeServiceName(call.service);
  const service = services[serviceName];
  if (!service) {
    throw new TemplateError(
      `${where}: the local cloud calls ${EMULATED_SERVICES}, each only when the template has a resource of it; ${serviceName} is not running`,
    );
  }
  const commandName = `${normalizeActionName(call.action)}Command`.toLowerCase();
  const exports = await service.commands();
  const Command = Object.entries(exports).find(([name]) => name.toLowerCase() === commandName)?.[1] as
    | (new (
        input: unknown,
      ) => { readonly schema?: readonly unknown[] })
    | undefined;
  if (typeof Command !== 'function') {
    throw new TemplateError(`${where}: @aws-sdk/client-${serviceName} has no ${call.action} command`);
  }
  const parameters = withPhysicalId(call.parameters ?? {}, physicalId);
  const inputSchema = new Command({}).schema?.[4];
  const input = inputSchema === undefined ? parameters : coerceParameters(inputSchema, parameters);
  const response = (await service.client.send(new Command(input) as never)) as Record<string, unknown>;
  return flattenResponse(await responseAsText(response));
}

/** The parameters with each `PHYSICAL:RESOURCEID:` replaced by the physical id. */
function withPhysicalId(value: unknown, physicalId: string): unknown {
  if (value === PHYSICAL_RESOURCE_ID_REFERENCE) {
    return physicalId;
  }
  if (Array.isArray(value)) {
    return value.map((item) => withPhysicalId(item, physicalId));
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, withPhysicalId(item, physicalId)]),
    );
  }
  return value;
}
