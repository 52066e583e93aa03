import { describe, expect, it } from 'vitest';
import { jsonbProblem } from '../../src/worker/import-csv/jsonb-problem.js';

/** JSON that jsonb would store with another meaning: an object holding a key twice (DESIGN §4). */
describe('jsonbProblem: duplicate keys', () => {
  it.each([
    ['{"a":1,"a":2}', 'a'],
    ['{"a":1, "b":2 ,\n "a" : 3}', 'a'],
    ['[{"x":{"k":1,"k":2}}]', 'k'],
    ['{"a":1,"\\u0061":2}', 'a'],
    ['{"":1,"":2}', ''],
    [`{${Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',')},"k39":0}`, 'k39'],
    [`{"deep":${'['.repeat(200)}{"a":1,"a":1}${']'.repeat(200)}}`, 'a'],
  ])('finds the repeated key in %j', (json, key) => {
    expect(jsonbProblem(json)).toBe(`holds the key "${key}" twice in one object; PostgreSQL would keep only the last value`);
  });

  it.each([
    '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}',
    '{"a":"a","b":"a:","c":["a","a"]}',
    '{"a\\"":1,"a":2}',
    '{"A":1,"a":2}',
    '{"é":1,"e\u0301":2}',
    '[{"a":1},{"a":1}]',
    `{${Array.from({ length: 1_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`,
  ])('accepts %j, whose keys are distinct in each object', (json) => {
    expect(jsonbProblem(json)).toBeUndefined();
  });

  it('checks an object of 100,000 keys in linear time', () => {
    const json = `{${Array.from({ length: 100_000 }, (_, i) => `"k${i}":${i}`).join(',')},"k5":0}`;
    const started = performance.now();
    expect(jsonbProblem(json)).toMatch(/key "k5" twice/);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
