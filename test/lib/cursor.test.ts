import { Cursor } from '../../lib/cursor';
import { Code } from '../../lib/code';

describe('Cursor', () => {
  it('parses and prints partition:offset pairs in partition order', () => {
    expect(Cursor.parse('2:5, 0:10').toString()).toBe('0:10,2:5');
    expect(Cursor.parse('').isEmpty()).toBe(true);
  });

  it.each(['x', '0:', ':1', '0:1,0:2', '0:-1', '1:2:3'])('refuses %j with INVALID_ARGUMENT naming the field', (text) => {
    expect(() => Cursor.parse(text, 'users-min-cursor')).toThrow(expect.objectContaining({ code: Code.INVALID_ARGUMENT, field: 'users-min-cursor' }));
  });

  it('compares per partition: covers, after, max', () => {
    const a = Cursor.parse('0:5,1:3');
    expect(a.covers(Cursor.parse('0:5'))).toBe(true);
    expect(a.covers(Cursor.parse('0:6'))).toBe(false);
    expect(a.covers(Cursor.parse('2:0'))).toBe(true);
    expect(a.covers(Cursor.parse('2:1'))).toBe(false);
    expect(a.after(1, 7).toString()).toBe('0:5,1:8');
    expect(a.after(0, 2)).toBe(a);
    expect(a.max(Cursor.parse('0:2,2:9')).toString()).toBe('0:5,1:3,2:9');
  });
});
