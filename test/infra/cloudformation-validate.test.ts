import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, CloudFormationValidatePlugin } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_ASSEMBLY_DIRECTORY } from '../helpers/test-assembly.ts';

/**
 * The CDK's CloudFormation Validate engine (the check that `cdk synth` runs by default, turned off in
 * bin/data-sharing-app.ts to keep synthesis fast) over every template the test run synthesized. Synthesis would
 * only warn; here any finding fails.
 */
const plugin = new CloudFormationValidatePlugin();

/** The engine's findings for the templates at `templatePaths`. */
function findings(templatePaths: string[]) {
  const report = plugin.validate({
    // The engine reads the template files; the construct tree is for plugins that walk it, which this one does not.
    appConstruct: new App(),
    templatePaths,
    stackTemplates: templatePaths.map((templatePath) => ({
      stackConstructPath: path.basename(templatePath, '.template.json'),
      templatePath,
      accountId: undefined,
      region: undefined,
    })),
  });
  return report.violations.map(({ ruleName, description, violatingResources }) => ({
    ruleName,
    description,
    resources: violatingResources.map((resource) => resource.resourceLogicalId),
  }));
}

/** Every stack template of the test assembly, as its manifest lists them. */
function assemblyTemplates(): string[] {
  const manifest = JSON.parse(readFileSync(path.join(TEST_ASSEMBLY_DIRECTORY, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  return Object.values(manifest.artifacts)
    .filter((artifact) => artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile)
    .map((artifact) => path.join(TEST_ASSEMBLY_DIRECTORY, artifact.properties?.templateFile as string));
}

describe('CloudFormation Validate', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'cfn-validate-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('finds nothing in any template of the app', () => {
    const templates = assemblyTemplates();
    expect(templates.length).toBeGreaterThan(0);
    expect(findings(templates)).toEqual([]);
  });

  it('reports a template that CloudFormation would refuse', () => {
    const broken = path.join(scratch, 'Broken.template.json');
    // A queue with a property that AWS::SQS::Queue does not have, and a retention period above its maximum.
    const template = {
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 5_000_000, Colour: 1 } },
      },
    };
    writeFileSync(broken, JSON.stringify(template));
    expect(findings([broken]).flatMap((finding) => finding.resources)).toContain('Queue');
  });
});
