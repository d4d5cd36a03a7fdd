import { mentionsIn } from './mentions';

describe('mentionsIn', () => {
  it('finds each mentioned name once, lower-cased, ignoring e-mail addresses', () => {
    expect(mentionsIn('hi @Ann and @bob_2, @ann again; mail x@y.org or @carol-b.')).toEqual(['ann', 'bob_2', 'carol-b']);
    expect(mentionsIn('nobody here @ or @@')).toEqual([]);
  });
});
