import { InvalidArgumentError } from '../../lib/errors';

export type Token =
  | { kind: 'op'; text: string; at: number }
  | { kind: 'paren'; text: '(' | ')'; at: number }
  | { kind: 'string'; text: string; at: number }
  | { kind: 'word'; text: string; at: number };

const OPERATORS = ['<=', '>=', '!=', '=', '<', '>', ':'];
const WORD = /[A-Za-z0-9_.@+-]/;

/** Splits a filter into tokens; positions are kept so errors can point at the culprit. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: 'paren', text: c, at: i++ });
    } else if (c === '"' || c === "'") {
      const [value, end] = readString(text, i);
      tokens.push({ kind: 'string', text: value, at: i });
      i = end;
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      if (op) {
        tokens.push({ kind: 'op', text: op, at: i });
        i += op.length;
      } else if (WORD.test(c)) {
        const start = i;
        while (i < text.length && WORD.test(text[i])) i++;
        tokens.push({ kind: 'word', text: text.slice(start, i), at: start });
      } else {
        throw new InvalidArgumentError('filter', `unexpected character ${JSON.stringify(c)} at position ${i}`);
      }
    }
  }
  return tokens;
}

/** Reads a quoted string starting at `start`; `\` escapes the next character. */
function readString(text: string, start: number): [string, number] {
  const quote = text[start];
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === quote) return [value, i + 1];
    if (c === '\\' && i + 1 < text.length) value += text[++i];
    else value += c;
  }
  throw new InvalidArgumentError('filter', `unterminated string starting at position ${start}`);
}
