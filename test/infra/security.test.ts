import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataSharingStack } from '../../lib/data-sharing-stack.ts';

/** The security properties of the template that deploys. */

/** The context `cdk synth` and `cdk deploy` use (cdk.json's feature flags): the policies checked are the deployed ones. */
const CDK_CONTEXT = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../cdk.json'), 'utf8'))
  .context as Record<string, unknown>;

/** An app whose functions are not bundled: nothing checked here depends on their code, and synth takes seconds. */
function unbundledApp(): App {
  return new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
}

let app: App;

beforeAll(() => {
  app = unbundledApp();
  Template.fromStack(new DataSharingStack(app, 'DataSharingStack'));
});

describe('cdk-nag: AwsSolutions and Serverless packs', () => {
  /** An acknowledgement as recorded on a construct: `Validations.of(construct).acknowledge({ id, reason })`. */
  interface Acknowledgement {
    readonly path: string;
    readonly id: string;
    readonly reason: string;
  }

  /** The acknowledgements recorded on a construct (the metadata cdk-nag reads), `Annotation::` prefix removed. */
  function acknowledgementsOn(construct: IConstruct): Acknowledgement[] {
    return construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      );
  }

  /** Every acknowledgement of a cdk-nag rule in the app. */
  function nagAcknowledgements(root: IConstruct): Acknowledgement[] {
    return root.node
      .findAll()
      .flatMap(acknowledgementsOn)
      .filter((acknowledgement) => /^(AwsSolutions|Serverless)-/.test(acknowledgement.id));
  }

  /**
   * Runs a pack over the app: what it reports (every finding not acknowledged, errors and warnings alike) and which
   * acknowledgements a finding matched. cdk-nag asks `isAcknowledged(resource, ruleId)` for each finding; the
   * wrapper notes the acknowledgement that answers, on the resource or an ancestor, as cdk-nag looks them up.
   */
  function runPack(pack: NagPack, root: IConstruct) {
    const used = new Set<Acknowledgement>();
    const internals = pack as unknown as {
      isAcknowledged: (resource: IConstruct, ruleId: string) => boolean;
    };
    const isAcknowledged = internals.isAcknowledged.bind(pack);
    internals.isAcknowledged = (resource, ruleId) => {
      for (let scope: IConstruct | undefined = resource; scope; scope = scope.node.scope) {
        for (const acknowledgement of acknowledgementsOn(scope)) {
          if (acknowledgement.id === ruleId) {
            used.add(acknowledgement);
          }
        }
      }
      return isAcknowledged(resource, ruleId);
    };
    const report = pack.validateScope(root);
    const findings = report.violations.flatMap((violation) =>
      violation.violatingResources.map(
        (resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath}`,
      ),
    );
    return { findings, used };
  }

  const packs = () => [new AwsSolutionsChecks(), new ServerlessChecks()];

  it('reports no finding, error or warning, that is not acknowledged', () => {
    for (const pack of packs()) {
      expect(runPack(pack, app).findings, pack.readPackName).toEqual([]);
    }
  });

  it('counts warnings, not only errors', () => {
    const other = unbundledApp();
    new LogGroup(new Stack(other, 'Other'), 'KeptForever', { retention: RetentionDays.INFINITE });
    expect(runPack(new ServerlessChecks(), other).findings).toEqual([
      'warning Serverless-CloudWatchLogGroupRetentionPeriod at Other/KeptForever/Resource',
    ]);
  });

  it('lets cdk synth through with both packs registered, as bin/app.ts registers them', () => {
    const other = unbundledApp();
    new DataSharingStack(other, 'DataSharingStack');
    Validations.of(other).addPlugins(new AwsSolutionsChecks(other), new ServerlessChecks(other));
    expect(() => other.synth()).not.toThrow();
  });

  it('stops cdk synth on a finding nobody acknowledged', () => {
    const other = unbundledApp();
    new Bucket(new Stack(other, 'Other'), 'UnencryptedLogs');
    Validations.of(other).addPlugins(new AwsSolutionsChecks(other));
    expect(() => other.synth()).toThrow(/AwsSolutions-S1/);
  });

  it('acknowledges only findings that occur: no acknowledgement outlives what it excused', () => {
    const used = new Set<Acknowledgement>();
    for (const pack of packs()) {
      for (const acknowledgement of runPack(pack, app).used) {
        used.add(acknowledgement);
      }
    }
    const unused = nagAcknowledgements(app).filter(
      (acknowledgement) =>
        ![...used].some((match) => match.path === acknowledgement.path && match.id === acknowledgement.id),
    );
    expect(unused.map(({ path, id }) => `${id} at ${path}`)).toEqual([]);
  });

  it('acknowledges IAM findings one wildcard or managed policy at a time, each named', () => {
    const bare = nagAcknowledgements(app).filter(
      ({ id }) => /^AwsSolutions-IAM[45]/.test(id) && !/\[(Policy|Action|Resource)::.+\]$/.test(id),
    );
    expect(bare.map(({ path, id }) => `${id} at ${path}`)).toEqual([]);
  });

  it('gives every acknowledgement a reason of its own, not boilerplate', () => {
    const boilerplate =
      /\b(todo|tbd|fixme|n\/a|false positive|not (needed|required|applicable|relevant)|by design|accepted risk|historical reasons|suppress(ed)?|ignore[ds]?)\b/i;
    const acknowledgements = nagAcknowledgements(app);
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { path, id, reason } of acknowledgements) {
      const where = `${id} at ${path}: "${reason}"`;
      expect(reason.trim().split(/\s+/).length, where).toBeGreaterThanOrEqual(8);
      expect(reason, where).not.toMatch(boilerplate);
      // The reason is not the rule restated: it says something the rule id does not.
      expect(reason.toLowerCase(), where).not.toContain(id.toLowerCase());
    }
  });

  it('uses one reason for two rules only when they are the same check in the two packs', () => {
    // Pairs of rules that flag the same thing, one in each pack: one reason answers both.
    const sameCheck = [
      ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion'],
      ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'],
    ];
    const idsByReason = new Map<string, Set<string>>();
    for (const { id, reason } of nagAcknowledgements(app)) {
      idsByReason.set(reason, (idsByReason.get(reason) ?? new Set()).add(id));
    }
    for (const [reason, ids] of idsByReason) {
      if (ids.size > 1) {
        const explained = sameCheck.some((pair) => [...ids].every((id) => pair.includes(id)));
        expect(explained, `"${reason}" excuses ${[...ids].join(', ')}`).toBe(true);
      }
    }
  });
});
