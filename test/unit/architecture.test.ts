/**
 * The import boundaries of docs/architecture.md, checked on every TypeScript file of the tree.
 */
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../../src/tools/toolchain/paths';
import { violations, wingOf } from '../support/import-boundaries';
import { sourceFiles } from '../support/spawned-commands';

test('no file imports across a boundary', () => {
  const files = sourceFiles(REPO_ROOT, ['src', 'constructs', 'stacks', 'bench', 'examples', 'test']).map((f) =>
    path.relative(REPO_ROOT, f),
  );
  expect(files.filter((f) => wingOf(f) === 'library').length).toBeGreaterThan(20);
  expect(files.filter((f) => wingOf(f) === 'provider').length).toBeGreaterThan(10);
  expect(files.flatMap((f) => violations(f, fs.readFileSync(path.join(REPO_ROOT, f), 'utf8')))).toEqual([]);
});

test('a construct that imports provider code or a Kafka client is reported (fixture)', () => {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'test', 'unit', 'fixtures', 'construct-imports-provider.ts.txt'), 'utf8');
  expect(violations('constructs/bad-topic.ts', text)).toEqual([
    {
      file: 'constructs/bad-topic.ts',
      line: 4,
      imports: 'src/provider/resources/topic',
      rule: 'the library wing may import only library, core; this is provider',
    },
    { file: 'constructs/bad-topic.ts', line: 5, imports: 'kafkajs', rule: 'the library wing never talks to servers or runs commands' },
  ]);
});

test('the provider never imports the tools, nothing outside test/ imports test/, the stacks use the public API', () => {
  expect(violations('src/provider/resources/x.ts', "import { run } from '../../tools/toolchain/run';")).toHaveLength(1);
  expect(violations('src/tools/cli/x.ts', "import { a } from '../../../test/support/a';")).toHaveLength(1);
  expect(violations('bench/x.ts', "import { a } from '../test/support/a';")).toHaveLength(1);
  expect(violations('src/core/ksql/x.ts', "import { a } from '../../provider/a';")).toHaveLength(1);
  expect(violations('stacks/x.ts', "import { a } from '../src/tools/gitops/a';")).toHaveLength(1);
  expect(violations('stacks/x.ts', "import { Topic } from '../constructs';")).toEqual([]);
  expect(violations('stacks/x.ts', "import { LocalKafkaPlatform } from '../constructs/platform';")).toEqual([]);
  expect(violations('stacks/x.ts', "import { literal } from '../constructs/private/literal';")).toHaveLength(1);
  expect(violations('stacks/x.ts', "import { Topic } from '../constructs/topic';")).toHaveLength(1);
  expect(violations('src/tools/cli/x.ts', "import { a } from '../../provider/clients/kafka';")).toEqual([]);
});
