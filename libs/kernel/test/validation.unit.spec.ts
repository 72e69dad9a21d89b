import { z } from 'zod';
import { AppError, parseOrThrow } from '@genaug/kernel';

// A 400 names the field at fault, as a client wrote it.
describe('parseOrThrow', () => {
  const schema = z.object({ start_date: z.string().optional(), items: z.array(z.object({ n: z.number() })).optional() }).strict();
  const failure = (value: unknown, root?: string) => {
    try {
      parseOrThrow(schema, value, root);
    } catch (err) {
      return { status: (err as AppError).status, param: (err as AppError).param, message: (err as AppError).message };
    }
    throw new Error('expected a failure');
  };

  it('names a nested field by its path', () => {
    expect(failure({ items: [{ n: 1 }, { n: 'two' }] })).toMatchObject({ status: 400, param: 'items[1].n' });
  });

  it('names an unknown field itself, not the object holding it', () => {
    expect(failure({ start_date: '2026-01-01', from: '2026-01-01' })).toEqual({ status: 400, param: 'from', message: "Unknown field 'from'" });
    expect(failure({ from: 'x' }, 'query')).toMatchObject({ param: 'query.from' });
  });
});
