import { Cursor } from '../../lib/cursor';
import { Code } from '../../lib/code';
import { CursorText } from '../../lib/cursorText';

const cursors = new CursorText('LOG1', new Set([0, 1, 2]));

describe('CursorText', () => {
  it('round-trips a snapshot cursor: its position, the last user sent and the filter', () => {
    const text = cursors.formatSnapshot(Cursor.parse('0:5,2:7'), { afterId: 'user-ü/1', filterKey: '0123abcd' });
    expect(text.endsWith('@LOG1')).toBe(true);
    const resume = cursors.parseResume(text, 'subscribe.cursor');
    expect(resume.cursor.toString()).toBe('0:5,2:7');
    expect(resume.snapshot).toEqual({ afterId: 'user-ü/1', filterKey: '0123abcd' });
    // Where only a position makes sense (users-min-cursor), a snapshot cursor stands for its position.
    expect(cursors.parse(text, 'users-min-cursor').toString()).toBe('0:5,2:7');
  });

  it('a plain cursor has no snapshot mark', () => {
    expect(cursors.parseResume('0:5@LOG1', 'subscribe.cursor').snapshot).toBeUndefined();
  });

  it.each(['0:5~@LOG1', '0:5~dXNlcg~xyz@LOG1', '0:5~dXNlcg~0123abcd~more@LOG1', '0:5~***~0123abcd@LOG1'])(
    'refuses the malformed snapshot cursor %j with INVALID_ARGUMENT',
    (text) => {
      expect(() => cursors.parseResume(text, 'subscribe.cursor')).toThrow(expect.objectContaining({ code: Code.INVALID_ARGUMENT, field: 'subscribe.cursor' }));
    },
  );

  it('refuses a snapshot cursor of another log with OUT_OF_RANGE', () => {
    const text = new CursorText('LOG2', new Set([0])).formatSnapshot(Cursor.parse('0:1'), { afterId: 'u', filterKey: '0123abcd' });
    expect(() => cursors.parseResume(text, 'subscribe.cursor')).toThrow(expect.objectContaining({ code: Code.OUT_OF_RANGE }));
  });
});
