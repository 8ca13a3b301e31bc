import { describe, expect, it } from 'vitest';
import { parseJsonBody } from './json-body';

describe('parseJsonBody', () => {
  it.each([
    ['{"a": }', 6, 1, 7],
    ['{"a": 1,\n "b": tru}', 18, 2, 10],
    ['[1, 2', 5, 1, 6],
    ['{"a": 1} extra', 9, 1, 10],
    ['{"a": "x\ny"}', 8, 1, 9],
  ])('locates the fault in %j', (text, position, line, column) => {
    expect(parseJsonBody(text)).toMatchObject({ ok: false, position, line, column });
  });

  it('parses valid JSON and says so for an empty body', () => {
    expect(parseJsonBody('{"a":[1,true,null,"\\u00e9"]}')).toEqual({ ok: true, value: { a: [1, true, null, 'é'] } });
    expect(parseJsonBody('  ')).toEqual({ ok: false, message: 'empty body' });
  });
});
