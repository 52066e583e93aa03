import { describe, expect, it } from 'vitest';
import { inferTypes, isJsonContainer } from '../../src/worker/import-csv/infer-types.js';

const none = new Set<number>();

describe('isJsonContainer', () => {
  it.each(['{}', '[]', '{"a":1}', '[1,"x",null]', '  {"a": [1, 2]}', '{"nested":{"b":[{}]}}'])('counts %j as JSON', (value) => {
    expect(isJsonContainer(value)).toBe(true);
  });

  it.each(['1', '00123', 'true', 'null', '"text"', '{a:1}', "{'a':1}", '[1,2', '{"a":1} trailing', 'plain text', ''])(
    'does not count %j (scalars and broken JSON stay strings)',
    (value) => {
      expect(isJsonContainer(value)).toBe(false);
    },
  );
});

describe('isJsonContainer: what jsonb would change in meaning', () => {
  it.each(['{"a":1,"a":2}', '[{"id":1},{"id":2,"id":3}]', '{"a":{"b":1,"\\u0062":2}}', '[1e131072]', '{"a":"\\u0000"}'])(
    'does not count %j: jsonb would drop a value or refuse it',
    (value) => {
      expect(isJsonContainer(value)).toBe(false);
    },
  );

  it.each(['{"a":1,"b":{"a":2}}', '[1.50,1e2,-0]', '{"b":1,"a":2}'])('counts %j: jsonb only normalises its spelling or key order', (value) => {
    expect(isJsonContainer(value)).toBe(true);
  });
});

describe('inferTypes', () => {
  it('makes a column json when every non-empty sampled value is a JSON object or array', () => {
    const sample = [
      ['1', '{"a":1}'],
      ['2', ''],
      ['3', '[1,2]'],
    ];
    expect(inferTypes(2, sample, [], none)).toEqual(['string', 'json']);
  });

  it('keeps a column string when one sampled value is not JSON', () => {
    const sample = [['{"a":1}'], ['{"a":2}'], ['n/a']];
    expect(inferTypes(1, sample, [], none)).toEqual(['string']);
  });

  it('keeps a column of JSON scalars string, so numbers and ids are not coerced', () => {
    expect(inferTypes(1, [['00123'], ['12345678901234567890'], ['true']], [], none)).toEqual(['string']);
  });

  it('keeps an all-empty column string', () => {
    expect(inferTypes(1, [[''], [''], []], [], none)).toEqual(['string']);
  });

  it('treats cells missing from short rows as empty', () => {
    expect(inferTypes(2, [['1', '{"a":1}'], ['2']], [], none)).toEqual(['string', 'json']);
  });

  it('lets a type hint win over the sample, both ways', () => {
    const sample = [['plain', '{"a":1}']];
    expect(inferTypes(2, sample, ['json', 'string'], none)).toEqual(['json', 'string']);
  });

  it('makes a column forced by an earlier pass string, whatever the sample holds', () => {
    expect(inferTypes(2, [['{"a":1}', '{"b":2}']], [], new Set([1]))).toEqual(['json', 'string']);
  });

  it('prefers a json hint over an earlier pass having forced the column to string', () => {
    expect(inferTypes(1, [['x']], ['json'], new Set([0]))).toEqual(['json']);
  });

  it('gives string to every column of an empty sample', () => {
    expect(inferTypes(3, [], [], none)).toEqual(['string', 'string', 'string']);
  });
});
