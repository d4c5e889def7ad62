import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Aspects, type CfnResource, type IAspect, Lazy, Stack, Stage } from 'aws-cdk-lib';
import { Code, type CodeConfig } from 'aws-cdk-lib/aws-lambda';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import type { Construct, IConstruct } from 'constructs';
import { FunctionBundler } from './function-bundler.ts';
import { FUNCTION_BUNDLES_FILE, type FunctionBundleRecord } from './function-bundles-manifest.ts';

/**
 * The code of every function of an app, bundled in one esbuild pass when the app is synthesized.
 *
 * A function's code is needed when the function is constructed, but one pass needs every entry, which is known
 * only once the whole app is constructed. So each function gets a {@link BundledCode} whose S3 location is a lazy
 * value; at synthesis, an aspect on the app's root bundles every entry at once (cached by inputs) and stages each
 * bundle as a file asset, exactly as `lambda.Code.fromAsset` would. `cdk deploy` uploads these assets.
 */
export class FunctionBundles implements IAspect {
  private static readonly byRoot = new WeakMap<IConstruct, FunctionBundles>();

  /** The bundles of the app `scope` belongs to. */
  static of(scope: IConstruct): FunctionBundles {
    const root = scope.node.root;
    let bundles = FunctionBundles.byRoot.get(root);
    if (!bundles) {
      bundles = new FunctionBundles(root, new FunctionBundler());
      FunctionBundles.byRoot.set(root, bundles);
      Aspects.of(root).add(bundles);
    }
    return bundles;
  }

  private readonly codes: BundledCode[] = [];
  private staged = false;

  private constructor(
    private readonly root: IConstruct,
    private readonly bundler: FunctionBundler,
  ) {}

  /** The code of a function whose handler is exported by `entry` (an absolute path). */
  code(entry: string): Code {
    const code = new BundledCode(entry);
    this.codes.push(code);
    return code;
  }

  /** Called by the CDK for the root and each construct below it at synthesis; acts once, on the root. */
  visit(node: IConstruct): void {
    if (node !== this.root || this.staged) {
      return;
    }
    this.staged = true;
    const bound = this.codes.filter((code) => code.isBound);
    const toBundle = bound.filter((code) => code.bundlingRequired);
    const { directories } = this.bundler.bundleSync(toBundle.map((code) => code.entry));
    for (const code of bound) {
      code.stage(directories.get(code.entry) ?? this.placeholder(code.entry));
    }
    this.writeManifest(toBundle);
  }

  /** Which function runs which entry, beside the assembly, for watch mode (see function-bundles-manifest.ts). */
  private writeManifest(codes: readonly BundledCode[]): void {
    const outdir = Stage.isStage(this.root) ? this.root.outdir : undefined;
    if (!outdir) {
      return;
    }
    const records: FunctionBundleRecord[] = codes.flatMap((code) => {
      const where = code.functionResource();
      return where ? [{ entry: this.bundler.relative(code.entry), ...where }] : [];
    });
    mkdirSync(outdir, { recursive: true });
    writeFileSync(path.join(outdir, FUNCTION_BUNDLES_FILE), `${JSON.stringify(records, null, 2)}\n`);
  }

  /**
   * For stacks the CDK was told not to bundle (`cdk synth OtherStack`, or the context `aws:cdk:bundling-stacks`):
   * a folder whose handler says so, as the CDK's own bundled assets do when bundling is skipped.
   */
  private placeholder(entry: string): string {
    const directory = path.join(this.bundler.root, '.cache', 'function-bundles-skipped');
    const name = this.bundler.outputName(entry).replaceAll('/', '_');
    const folder = path.join(directory, name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      path.join(folder, 'index.mjs'),
      `export const handler = () => { throw new Error('${name} was not bundled: bundling was skipped for its stack'); };\n`,
    );
    return folder;
  }
}

/** A function's code: a bundle staged as a file asset at synthesis, referenced lazily until then. */
class BundledCode extends Code {
  private scope?: Construct;
  private resource?: CfnResource;
  private asset?: Asset;

  constructor(readonly entry: string) {
    super();
  }

  get isBound(): boolean {
    return this.scope !== undefined;
  }

  /** Whether the CDK is to bundle assets of this function's stack in this synthesis. */
  get bundlingRequired(): boolean {
    return this.scope !== undefined && Stack.of(this.scope).bundlingRequired;
  }

  override bind(scope: Construct): CodeConfig {
    if (this.scope && this.scope !== scope) {
      throw new Error(`The code of ${this.entry} is already used by ${this.scope.node.path}`);
    }
    this.scope = scope;
    const unstaged = (): never => {
      throw new Error(
        `The bundle of ${this.entry} was not staged: synthesize the app with FunctionBundles' aspect in place`,
      );
    };
    return {
      s3Location: {
        bucketName: Lazy.string({ produce: () => this.asset?.s3BucketName ?? unstaged() }),
        objectKey: Lazy.string({ produce: () => this.asset?.s3ObjectKey ?? unstaged() }),
      },
    };
  }

  override bindToResource(resource: CfnResource): void {
    this.resource = resource;
  }

  /** The stack and logical id of the function resource this code is bound to. */
  functionResource(): { readonly stackName: string; readonly logicalId: string } | undefined {
    if (!this.resource) {
      return undefined;
    }
    const stack = Stack.of(this.resource);
    return { stackName: stack.stackName, logicalId: stack.resolve(this.resource.logicalId) as string };
  }

  /** Stages the bundle in `directory` as this function's asset (`Code` beside the function, as `fromAsset` does). */
  stage(directory: string): void {
    if (!this.scope) {
      throw new Error(`The code of ${this.entry} is not bound to a function`);
    }
    this.asset = new Asset(this.scope, 'Code', { path: directory });
    if (this.resource) {
      this.asset.addResourceMetadata(this.resource, 'Code');
    }
  }
}
