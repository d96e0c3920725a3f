/**
 * The GitHub Actions templates (.github/workflows, docs/ci.md): structure, environments,
 * concurrency, no literal secrets, coverage of every pipeline and stack variable, and the
 * `streamform` subcommands they call. YAML is parsed with js-yaml, which is already in node_modules
 * (a dependency of jest's coverage tooling); no servers.
 */
import { Testing } from 'cdktf';
import * as fs from 'fs';
import * as path from 'path';
import { providerSchema } from '../../src/provider/provider';
import { actionlintPath } from '../../src/tools/toolchain/actionlint';
import { REPO_ROOT } from '../../src/tools/toolchain/paths';
import { run } from '../../src/tools/toolchain/run';
import { environment } from '../../stacks/environments';
import { PIPELINES } from '../../stacks/main';

const yaml = require('js-yaml') as { safeLoad(text: string): unknown };

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  id?: string;
  env?: Record<string, unknown>;
  with?: Record<string, unknown>;
}
interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  strategy?: { matrix?: Record<string, unknown> };
  env?: Record<string, unknown>;
  steps: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, any>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  jobs: Record<string, Job>;
}

const DIR = path.join(REPO_ROOT, '.github', 'workflows');
const FILES = ['plan.yml', 'apply.yml', 'promote.yml'];
const text: Record<string, string> = {};
const wf: Record<string, Workflow> = {};
for (const f of FILES) {
  text[f] = fs.readFileSync(path.join(DIR, f), 'utf8');
  wf[f] = yaml.safeLoad(text[f]) as Workflow;
}
const PIPELINE_NAMES = Object.keys(PIPELINES);
const jobsOf = (f: string): Job[] => Object.values(wf[f].jobs);
const envName = (j: Job) => (typeof j.environment === 'string' ? j.environment : j.environment?.name);
const runs = (j: Job): string[] => j.steps.flatMap((s) => (s.run ? [s.run] : []));
const allRuns = (): string[] => FILES.flatMap((f) => jobsOf(f).flatMap(runs));

/** Every env mapping of a workflow (workflow, job and step level), as [key, value] pairs. */
function envEntries(f: string): [string, string][] {
  const maps = [wf[f] as unknown as { env?: Record<string, unknown> }, ...jobsOf(f), ...jobsOf(f).flatMap((j) => j.steps)].map(
    (x) => x.env ?? {},
  );
  return maps.flatMap((m) => Object.entries(m).map(([k, v]) => [k, String(v)] as [string, string]));
}

/** The sensitive variables of the staging and prod stacks (Secret.fromVariable), by synthesis. */
function stackVariables(): string[] {
  const names = new Set<string>();
  for (const env of ['staging', 'prod'] as const) {
    for (const [p, Stack] of Object.entries(PIPELINES)) {
      const json = JSON.parse(Testing.synth(new Stack(Testing.app(), `${p}-${env}`, { env: environment(env, {}) }), false));
      for (const [name, v] of Object.entries<{ sensitive?: boolean }>(json.variable ?? {})) if (v.sensitive) names.add(name);
    }
  }
  return [...names].sort();
}

test('the three workflows parse and have their triggers', () => {
  expect(Object.keys(wf['plan.yml'].on)).toEqual(['pull_request']);
  expect(Object.keys(wf['apply.yml'].on)).toEqual(['push']);
  expect(wf['apply.yml'].on.push.branches).toEqual(['main']);
  expect(Object.keys(wf['promote.yml'].on)).toEqual(['workflow_dispatch']);
  const inputs = wf['promote.yml'].on.workflow_dispatch.inputs;
  expect(Object.keys(inputs)).toEqual(['pipeline', 'from', 'to']);
  expect(inputs.pipeline).toMatchObject({ required: true, type: 'choice' });
  expect([...inputs.pipeline.options].sort()).toEqual([...PIPELINE_NAMES].sort());
  expect(inputs.from).toMatchObject({ type: 'choice', options: ['staging'], default: 'staging' });
  expect(inputs.to).toMatchObject({ type: 'choice', options: ['prod'], default: 'prod' });
});

/** The steps that run streamform against an environment: the only ones that get its secrets. */
const streamformSteps = (j: Job): Step[] => j.steps.filter((s) => /\bbin\/streamform\b/.test(s.run ?? ''));
const PINNED = /^[a-z0-9-]+\/[a-z0-9-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/;

test.each(FILES)('%s: every job that runs streamform checks out, sets up, checks its environment first', (f) => {
  for (const job of jobsOf(f).filter((j) => streamformSteps(j).length > 0)) {
    const steps = job.steps.map((s) => s.run ?? s.uses ?? '');
    const setup = steps.findIndex((s) => /^bash scripts\/setup\.sh --without-docker$/m.test(s));
    const checkout = steps.findIndex((s) => s.startsWith('actions/checkout@'));
    const first = steps.findIndex((s) => /\bbin\/streamform\b/.test(s));
    expect(checkout).toBeGreaterThanOrEqual(0);
    expect(setup).toBeGreaterThan(checkout);
    expect(first).toBeGreaterThan(setup);
    // the environment is checked in the same step, before any streamform command
    for (const step of streamformSteps(job)) {
      const run = step.run!;
      expect(run.indexOf('bash .github/scripts/check-environment.sh')).toBeGreaterThanOrEqual(0);
      expect(run.indexOf('bash .github/scripts/check-environment.sh')).toBeLessThan(run.indexOf('bin/streamform'));
    }
  }
});

test('every action is pinned by commit SHA (with its version as a comment), and checkouts keep no credentials', () => {
  for (const f of FILES) {
    for (const line of text[f].split('\n').filter((l) => /^\s*(- )?uses: /.test(l))) {
      expect(line.replace(/^\s*(- )?uses: /, '')).toMatch(PINNED);
    }
    for (const job of jobsOf(f))
      for (const s of job.steps.filter((x) => x.uses?.startsWith('actions/checkout@'))) expect(s.with?.['persist-credentials']).toBe(false);
  }
});

test('secrets reach only the steps that run streamform: none at workflow or job level, none in set-up (npm ci --ignore-scripts)', () => {
  const setupSh = fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'setup.sh'), 'utf8');
  expect(setupSh).toMatch(/npm ci --ignore-scripts /);
  for (const f of FILES) {
    expect(JSON.stringify((wf[f] as unknown as { env?: unknown }).env ?? {})).not.toContain('secrets.');
    for (const job of jobsOf(f)) {
      expect(JSON.stringify(job.env ?? {})).not.toContain('secrets.');
      for (const s of job.steps) {
        if (streamformSteps(job).includes(s)) continue;
        expect(`${f} ${job.name} ${s.name ?? s.uses}: ${JSON.stringify(s.env ?? {})}`).not.toContain('secrets.');
      }
    }
  }
});

test('plan.yml: every pipeline planned in every environment, prod included; forks get a failing check, never a silent pass', () => {
  const w = wf['plan.yml'];
  expect(w.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  expect(w.concurrency).toEqual({ group: 'streamform-plan-${{ github.event.pull_request.number }}', 'cancel-in-progress': true });
  const { fork, plan } = w.jobs;
  expect(fork.if).toBe('github.event.pull_request.head.repo.full_name != github.repository');
  expect(fork.steps.map((s) => s.run ?? '').join('\n')).toMatch(/::error::[\s\S]*exit 1\s*$/);
  expect(plan.if).toBe('github.event.pull_request.head.repo.full_name == github.repository');
  expect(plan.strategy?.matrix).toEqual({ pipeline: PIPELINE_NAMES, env: ['staging', 'prod'] });
  // read-only environments: planning needs no approval and can change nothing
  expect(envName(plan)).toBe('${{ matrix.env }}-plan');
  const [step] = streamformSteps(plan);
  expect(step.env).toMatchObject({ PIPELINE: '${{ matrix.pipeline }}', TARGET_ENV: '${{ matrix.env }}' });
  expect(step.run).toContain('bin/streamform plan "$PIPELINE" --env "$TARGET_ENV" --format markdown > "plan-$PIPELINE-$TARGET_ENV.md"');
  const comment = plan.steps.find((s) => s.uses?.startsWith('actions/github-script@'));
  const script = String(comment?.with?.script ?? '');
  expect(script).toContain('const marker = `<!-- streamform-plan:${pipeline}:${env} -->`');
  expect(script).toContain('github.rest.issues.updateComment');
  expect(script).toContain('github.rest.issues.createComment');
  expect(script).toContain("code === '3'");
  // The job fails after commenting when the plan failed (1) or has forbidden changes (3).
  const last = plan.steps[plan.steps.length - 1];
  expect(last.if).toBe("${{ steps.plan.outputs.exit-code != '0' }}");
  expect(last.run).toMatch(/exit 1\s*$/);
});

test('apply.yml: staging applies exactly the plans saved by the job before, pipelines in order, runs one after another', () => {
  const w = wf['apply.yml'];
  expect(w.concurrency).toEqual({ group: 'streamform-apply-staging', 'cancel-in-progress': false });
  const plan = w.jobs['plan-staging'];
  const apply = w.jobs['apply-staging'] as Job & { needs?: string };
  expect(envName(plan)).toBe('staging-plan');
  expect(envName(apply)).toBe('staging');
  expect(apply.needs).toBe('plan-staging');
  const planned = streamformSteps(plan).flatMap((s) => s.run!.split('\n').filter((l) => l.includes('bin/streamform')));
  expect(planned).toEqual(
    PIPELINE_NAMES.map(
      (p) => `bin/streamform plan ${p} --env staging --format markdown --save plans/${p}-staging.tfplan --out plans/${p}-staging.md`,
    ),
  );
  const applied = streamformSteps(apply).flatMap((s) => s.run!.split('\n').filter((l) => l.includes('bin/streamform')));
  expect(applied).toEqual(PIPELINE_NAMES.map((p) => `bin/streamform apply plans/${p}-staging.tfplan`));
  expect(runs(apply).join('\n')).not.toMatch(/streamform (deploy|plan)\b/);
  const upload = plan.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
  const download = apply.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'));
  expect(upload?.with?.name).toBe(download?.with?.name);
});

test('promote.yml: prod is planned and shown first; the prod reviewers approve applying exactly that plan', () => {
  const w = wf['promote.yml'];
  expect(w.concurrency).toEqual({ group: 'streamform-promote-${{ inputs.pipeline }}', 'cancel-in-progress': false });
  const plan = w.jobs['plan-prod'];
  const apply = w.jobs['apply-prod'] as Job & { needs?: string };
  expect(plan.if).toBe("github.ref == 'refs/heads/main'");
  expect(envName(plan)).toBe('prod-plan');
  expect(apply.environment).toBe('prod');
  expect(apply.needs).toBe('plan-prod');
  expect(runs(plan)[0]).toContain('if [ "$FROM_ENV" != staging ] || [ "$TO_ENV" != prod ]; then');
  expect(runs(plan).join('\n')).toContain(
    'bin/streamform promote "$PIPELINE" --from "$FROM_ENV" --to "$TO_ENV" --save "plans/$PIPELINE-$TO_ENV.tfplan" > "plans/$PIPELINE-$TO_ENV.md"',
  );
  expect(runs(plan).join('\n')).toContain('>> "$GITHUB_STEP_SUMMARY"');
  expect(runs(apply).join('\n')).toContain('bin/streamform apply "plans/$PIPELINE-$TO_ENV.tfplan"');
  expect(runs(apply).join('\n')).not.toMatch(/streamform (deploy|plan|promote)\b/);
});

test('every job that changes an environment is in a concurrency group of that environment, shared across workflows, never cancelled', () => {
  const changing = FILES.flatMap((f) => jobsOf(f)).filter((j) => ['staging', 'prod'].includes(envName(j) ?? ''));
  expect(changing.map(envName).sort()).toEqual(['prod', 'staging']);
  for (const job of changing) {
    expect(job.concurrency?.group).toBe(`streamform-${envName(job)}`);
    expect(job.concurrency?.['cancel-in-progress']).toBe(false);
  }
});

test('actionlint (GitHub Actions rules: expressions, contexts, job needs, shell) finds nothing', async () => {
  const bin = actionlintPath();
  if (!fs.existsSync(bin)) throw new Error(`actionlint is missing at ${bin}: run \`bash scripts/setup.sh --tests\``);
  const out = await run(bin, ['-no-color', ...FILES.map((f) => path.join(DIR, f))], { cwd: REPO_ROOT }).catch(
    (err: { output?: string }) => err.output ?? String(err),
  );
  expect(out.trim()).toBe('');
});

test('no literal secrets: secret-like settings come only from ${{ secrets.X }}, endpoints from ${{ vars.X }}', () => {
  const expression = /^\$\{\{ (secrets|vars|inputs|matrix|steps)\.[A-Za-z0-9_.-]+ \}\}$/;
  const literalAllowed: Record<string, RegExp> = {
    TF_CLI_ARGS_plan: /^-lock-timeout=\d+m$/,
    TF_CLI_ARGS_apply: /^-lock-timeout=\d+m$/,
    PG_SKIP_SCHEMA_CREATION: /^true$/,
    PG_SKIP_TABLE_CREATION: /^true$/,
    PG_SKIP_INDEX_CREATION: /^true$/,
  };
  for (const f of FILES) {
    for (const [k, v] of envEntries(f)) {
      if (literalAllowed[k]) expect(v).toMatch(literalAllowed[k]);
      else expect(`${k}: ${v}`).toMatch(new RegExp(`^${k}: ${expression.source.slice(1)}`));
      if (/PASSWORD|USERNAME|TOKEN|SECRET|PRIVATE_KEY|_URI$|^PG_CONN_STR$|^TF_VAR_/.test(k))
        expect(`${k}: ${v}`).toMatch(/: \$\{\{ secrets\.[A-Z0-9_]+ \}\}$/);
    }
    // Nothing that looks like a credential anywhere in the text.
    expect(text[f]).not.toMatch(/\b[a-z][a-z0-9+.-]*:\/\/[^\s/$@]+:[^\s/$@]+@/i); // user:password@ in a URL
    expect(text[f]).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    expect(text[f]).not.toMatch(/\b(gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|xox[bap]-[A-Za-z0-9-]+)/);
    expect(text[f]).not.toMatch(/(password|passwd|secret|token)\s*[:=]\s*['"]?(?!\$\{\{)[^\s'"$]{4,}/i);
    // Expressions never go into scripts (inputs reach them through env).
    for (const job of jobsOf(f)) for (const r of runs(job)) expect(r).not.toContain('${{');
    for (const job of jobsOf(f)) for (const s of job.steps) expect(String(s.with?.script ?? '')).not.toContain('${{');
  }
  // The same in the helper script the workflows run.
  const check = fs.readFileSync(path.join(REPO_ROOT, '.github', 'scripts', 'check-environment.sh'), 'utf8');
  expect(check).not.toMatch(/[a-z]+:\/\/[^\s]+@/i);
});

test('every workflow gives the same cluster, state and secret settings: every provider attribute, PG_CONN_STR, every stack variable', () => {
  const variables = stackVariables();
  expect(variables).toEqual(
    [
      'airline_db_cdc_password',
      'airline_snowflake_private_key',
      'quality_db_sink_password',
      'ratings_db_cdc_password',
      'ratings_mongodb_uri',
    ].sort(),
  );
  const expected: Record<string, string> = {};
  for (const [attr, a] of Object.entries(providerSchema.attributes)) {
    const name = `STREAMFORM_${attr.toUpperCase()}`;
    const secret = (a as { flags: { sensitive?: boolean } }).flags.sensitive === true || /_username$/.test(attr);
    expected[name] = `\${{ ${secret ? 'secrets' : 'vars'}.${name} }}`;
  }
  expected.PG_CONN_STR = '${{ secrets.PG_CONN_STR }}';
  // the roles of docs/ci.md may not create the state's objects: they exist
  for (const k of ['PG_SKIP_SCHEMA_CREATION', 'PG_SKIP_TABLE_CREATION', 'PG_SKIP_INDEX_CREATION']) expected[k] = 'true';
  for (const v of variables) expected[`TF_VAR_${v}`] = `\${{ secrets.${v.toUpperCase()} }}`;
  let checked = 0;
  for (const f of FILES) {
    for (const job of jobsOf(f)) {
      for (const step of streamformSteps(job)) {
        const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, String(v)]));
        expect(Object.fromEntries(Object.keys(expected).map((k) => [k, env[k]]))).toEqual(expected);
        checked++;
      }
    }
  }
  expect(checked).toBe(5);
  // check-environment.sh requires PG_CONN_STR, the endpoints and every stack variable.
  const check = fs.readFileSync(path.join(REPO_ROOT, '.github', 'scripts', 'check-environment.sh'), 'utf8');
  const required = /required=\(\n([\s\S]*?)\n\)/
    .exec(check)![1]
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  expect(required.sort()).toEqual(
    [
      'PG_CONN_STR',
      'STREAMFORM_BOOTSTRAP_SERVERS',
      'STREAMFORM_SCHEMA_REGISTRY_URL',
      'STREAMFORM_CONNECT_URL',
      'STREAMFORM_KSQLDB_URL',
      ...variables.map((v) => `TF_VAR_${v}`),
    ].sort(),
  );
});

test('docs/ci.md explains every workflow and names every secret and variable they read', () => {
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'ci.md'), 'utf8');
  for (const f of FILES) expect(doc).toContain(`\`${f}\``);
  const names = new Set(FILES.flatMap((f) => [...text[f].matchAll(/\$\{\{ (?:secrets|vars)\.([A-Z0-9_]+) \}\}/g)].map((m) => m[1])));
  expect(names.size).toBeGreaterThan(10);
  for (const n of names) expect(doc).toContain(n);
});

/**
 * `plan` and `promote` are being written next to these templates: this test passes once both are
 * in `streamform help` and the command table of src/tools/cli/main.ts.
 */
test('every bin/streamform subcommand the workflows call is in `streamform help` and the command table', () => {
  const used = [...new Set(allRuns().flatMap((r) => [...r.matchAll(/\bbin\/streamform ([a-z][a-z-]*)/g)].map((m) => m[1])))].sort();
  expect(used).toEqual(['apply', 'plan', 'promote']);
  const main = fs.readFileSync(path.join(REPO_ROOT, 'src', 'tools', 'cli', 'main.ts'), 'utf8');
  const help = /const HELP = `([\s\S]*?)`;/.exec(main)![1];
  const table = /const commands: Record<string, Command> = \{([\s\S]*?)\n\};/.exec(main)![1];
  const missing = used.filter(
    (c) => !new RegExp(`^  streamform ${c}\\b`, 'm').test(help) || !new RegExp(`^  async ${c}\\(`, 'm').test(table),
  );
  expect({ used, missing }).toEqual({ used, missing: [] });
});

test('every command of the table of src/tools/cli/main.ts is in `streamform help`, and every one there is in the table', () => {
  const main = fs.readFileSync(path.join(REPO_ROOT, 'src', 'tools', 'cli', 'main.ts'), 'utf8');
  const help = /const HELP = `([\s\S]*?)`;/.exec(main)![1];
  const table = /const commands: Record<string, Command> = \{([\s\S]*?)\n\};/.exec(main)![1];
  const commands = [...table.matchAll(/^ {2}async ([a-z][a-z-]*)\(/gm)].map((m) => m[1]).sort();
  const listed = [...new Set([...help.matchAll(/^ {2}streamform ([a-z][a-z-]*)\b/gm)].map((m) => m[1]))].sort();
  expect(commands).toContain('test');
  expect(listed).toEqual(commands);
});
