import { limitMessage, TITLE_MAX } from './limits.ts';

describe('the words under a text field with a limit', () => {
  it('says nothing well under the limit, counts from 90% of it', () => {
    expect(limitMessage(179, TITLE_MAX, 'Title')).toBeNull();
    expect(limitMessage(180, TITLE_MAX, 'Title')).toEqual({ text: '180/200', over: false });
    expect(limitMessage(200, TITLE_MAX, 'Title')).toEqual({ text: '200/200', over: false });
    expect(limitMessage(45_000, 50_000, 'Description')).toEqual({ text: '45,000/50,000', over: false });
  });

  it('says by how much a text is over the limit', () => {
    expect(limitMessage(300, TITLE_MAX, 'Title')).toEqual({
      text: 'Title is 100 characters over the 200-character limit: shorten it to save.',
      over: true,
    });
    expect(limitMessage(50_001, 50_000, 'Description')?.text).toBe(
      'Description is 1 character over the 50,000-character limit: shorten it to save.',
    );
  });
});
