import { anyWordQuery } from '@genaug/memory';

describe('memory search query', () => {
  it("joins the query's words with `or`, so a fact sharing any word is a candidate", () => {
    expect(anyWordQuery('Which seat on flights?')).toBe('Which or seat or on or flights');
  });

  it('keeps no search syntax from the input: quotes, negation and the word "or" are dropped', () => {
    expect(anyWordQuery('"window" -aisle or café, it\'s 2 late')).toBe('window or aisle or café or it or s or 2 or late');
    expect(anyWordQuery('?!')).toBe('');
  });
});
