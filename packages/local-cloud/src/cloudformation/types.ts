/** A CloudFormation template as `cdk synth` writes it (only the sections the local cloud reads). */
export interface CfnTemplate {
  readonly Parameters?: Readonly<Record<string, CfnParameter>>;
  readonly Conditions?: Readonly<Record<string, unknown>>;
  readonly Mappings?: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
  readonly Resources: Readonly<Record<string, CfnResource>>;
  readonly Outputs?: Readonly<Record<string, CfnOutput>>;
  readonly Rules?: Readonly<Record<string, unknown>>;
}

export interface CfnParameter {
  readonly Type: string;
  readonly Default?: unknown;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly DependsOn?: string | readonly string[];
  readonly Condition?: string;
  readonly Metadata?: Readonly<Record<string, unknown>>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export interface CfnOutput {
  readonly Value: unknown;
  readonly Description?: string;
  readonly Condition?: string;
  readonly Export?: { readonly Name: unknown };
}

/** What a created resource looks like to everything downstream: every intrinsic already resolved. */
export interface DeployedResource {
  readonly logicalId: string;
  readonly type: string;
  /** What `Ref` returns for this resource. */
  readonly physicalId: string;
  readonly properties: Readonly<Record<string, unknown>>;
  /** What `Fn::GetAtt` returns, by attribute name; a provider may keep extra internal values here. */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** The result of deploying one template: resources by logical id, and resolved outputs. */
export interface DeployedStack {
  readonly stackName: string;
  /** `AWS::StackId`; kept across updates, so that values built from it resolve the same. */
  readonly stackId?: string;
  readonly region: string;
  readonly accountId: string;
  readonly resources: ReadonlyMap<string, DeployedResource>;
  readonly outputs: Readonly<Record<string, string>>;
}

/** Everything a provider needs to create one resource. */
export interface CreateRequest {
  readonly logicalId: string;
  readonly type: string;
  /** Properties with every intrinsic function resolved. */
  readonly properties: Readonly<Record<string, unknown>>;
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  /**
   * The physical id of the resource this one replaces, when an update requires replacement: a name the provider
   * generates must then differ from it, since the old resource lives until the update's cleanup.
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html
   */
  readonly replaces?: string;
}

/** Everything a provider needs to update one resource in place (same logical id, no replacement). */
export interface UpdateRequest extends CreateRequest {
  readonly physicalId: string;
  /** The properties the resource was created or last updated with, resolved. */
  readonly oldProperties: Readonly<Record<string, unknown>>;
  readonly oldAttributes: Readonly<Record<string, unknown>>;
}

/** Everything a provider needs to delete one resource. */
export interface DeleteRequest {
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId: string;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
}

export interface CreatedResource {
  readonly physicalId: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** Creates, updates and deletes one CloudFormation resource type on the local cloud. */
export interface ResourceProvider {
  create(request: CreateRequest): Promise<CreatedResource>;
  /**
   * Applies changed properties to the running resource. Returning another physical id than `request.physicalId`
   * means the resource was replaced (as a custom resource may answer): the old one is deleted in the cleanup.
   * Properties whose change requires replacement never reach here: the resource is created anew instead.
   */
  update?(request: UpdateRequest): Promise<CreatedResource>;
  /** Deletes the resource and what it holds (a table's items, a queue's messages). */
  delete?(request: DeleteRequest): Promise<void>;
}

/** Lists the resources of one type, in template order. */
export function resourcesOfType(stack: DeployedStack, type: string): DeployedResource[] {
  return [...stack.resources.values()].filter((resource) => resource.type === type);
}
