/** The record of a saved plan: what makes one stale, and the errors for files that are not one. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readRecord, savePlan, staleness } from '../../src/tools/gitops/saved-plan';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-saved-plan-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const base = {
  stack: 'ratings-staging',
  env: 'staging',
  configHash: 'abc',
  commit: '0123456789abcdef0123',
  cleanTree: true,
  createdAt: '2026-12-01T00:00:00Z',
  refused: false,
  totals: { create: 1, update: 0, replace: 0, delete: 0, dataLoss: 0 },
};

test('a saved plan and its record round-trip; the record names the stack, the commit and the verdict', () => {
  const tfplan = path.join(dir, 'source.tfplan');
  fs.writeFileSync(tfplan, 'binary plan');
  const target = path.join(dir, 'nested', 'ratings.tfplan');
  savePlan(tfplan, target, base);
  expect(fs.readFileSync(target, 'utf8')).toBe('binary plan');
  expect(readRecord(target)).toEqual({ format: 'streamform-saved-plan/1', ...base });
});

test('stale when the configuration differs, refused when the review refused it, else fine', () => {
  const record = { format: 'streamform-saved-plan/1' as const, ...base };
  expect(staleness(record, 'abc')).toBeUndefined();
  expect(staleness(record, 'abd')).toBe(
    'the code changed since this plan was made at 0123456789ab: the configuration synthesized now differs from the planned one; plan again and review that plan',
  );
  expect(staleness({ ...record, refused: true }, 'abc')).toContain('the review of this plan refused it (staging forbids a change in it)');
});

test('a file without a record, or with a foreign one, is named with the fix', () => {
  const bare = path.join(dir, 'bare.tfplan');
  fs.writeFileSync(bare, 'x');
  expect(() => readRecord(bare)).toThrow(
    `${bare} has no readable record ${bare}.json: only plans saved by \`streamform plan --save\` can be applied`,
  );
  fs.writeFileSync(`${bare}.json`, JSON.stringify({ format: 'other' }));
  expect(() => readRecord(bare)).toThrow(`${bare}.json is not a streamform-saved-plan/1 record`);
  expect(() => readRecord(path.join(dir, 'missing.tfplan'))).toThrow('no plan file at');
});
