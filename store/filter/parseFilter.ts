import { InvalidArgumentError } from '../../lib/errors';
import { FIELDS, type FieldName, type FilterNode, type Operator } from './filterAst';
import { tokenize, type Token } from './filterTokens';
import { convertValue } from './filterValues';

const MAX_LENGTH = 4096;
const MAX_DEPTH = 64;

/**
 * Parses the AIP-160 subset we support:
 *   expr := term (('AND' | 'OR' | juxtaposition) term)*, AND binding tighter than OR
 *   term := 'NOT' term | '(' expr ')' | field op value
 * Returns undefined for an empty filter. Every error is INVALID_ARGUMENT on `filter`.
 */
export function parseFilter(text: string): FilterNode | undefined {
  if (text.length > MAX_LENGTH) throw new InvalidArgumentError('filter', `longer than ${MAX_LENGTH} characters`);
  const parser = new Parser(tokenize(text));
  if (parser.done()) return undefined;
  const node = parser.or(0);
  if (!parser.done()) parser.fail('unexpected', parser.peek());
  return node;
}

class Parser {
  private i = 0;

  constructor(private readonly tokens: Token[]) {}

  done(): boolean {
    return this.i >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.i];
  }

  or(depth: number): FilterNode {
    let node = this.and(depth);
    while (this.keyword('OR')) node = { type: 'or', left: node, right: this.and(depth) };
    return node;
  }

  private and(depth: number): FilterNode {
    let node = this.term(depth);
    // AIP-160: terms side by side are joined by AND, as if it were written.
    while (this.keyword('AND') || this.startsTerm()) node = { type: 'and', left: node, right: this.term(depth) };
    return node;
  }

  private term(depth: number): FilterNode {
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels at`, this.peek());
    if (this.keyword('NOT')) return { type: 'not', operand: this.term(depth + 1) };
    const token = this.next('a field name or "("');
    if (token.kind === 'paren' && token.text === '(') {
      const node = this.or(depth + 1);
      const close = this.next('")"');
      if (close.kind !== 'paren' || close.text !== ')') this.fail('expected ")" but found', close);
      return node;
    }
    if (token.kind !== 'word') this.fail('expected a field name but found', token);
    return this.comparison(token);
  }

  private comparison(fieldToken: Token): FilterNode {
    const field = fieldToken.text as FieldName;
    if (!(field in FIELDS)) {
      throw new InvalidArgumentError('filter', `unknown field "${fieldToken.text}" at position ${fieldToken.at} (known: ${Object.keys(FIELDS).join(', ')})`);
    }
    const opToken = this.next(`an operator after "${field}"`);
    const op = opToken.text as Operator;
    if (opToken.kind !== 'op') this.fail(`expected an operator after "${field}" but found`, opToken);
    if (!FIELDS[field].ops.includes(op)) {
      throw new InvalidArgumentError('filter', `"${field}" does not support "${op}" (position ${opToken.at}); it supports ${FIELDS[field].ops.join(' ')}`);
    }
    const valueToken = this.next(`a value after "${field} ${op}"`);
    if (valueToken.kind !== 'word' && valueToken.kind !== 'string') this.fail('expected a value but found', valueToken);
    return { type: 'compare', field, op, value: convertValue(field, valueToken.text, valueToken.at) };
  }

  private keyword(word: 'AND' | 'OR' | 'NOT'): boolean {
    const token = this.peek();
    if (token?.kind === 'word' && token.text === word) {
      this.i++;
      return true;
    }
    return false;
  }

  private startsTerm(): boolean {
    const token = this.peek();
    return !!token && ((token.kind === 'word' && token.text !== 'OR') || (token.kind === 'paren' && token.text === '('));
  }

  private next(expected: string): Token {
    const token = this.tokens[this.i++];
    if (!token) throw new InvalidArgumentError('filter', `ended early: expected ${expected}`);
    return token;
  }

  fail(what: string, token: Token | undefined): never {
    if (!token) throw new InvalidArgumentError('filter', `${what} the end of the filter`);
    throw new InvalidArgumentError('filter', `${what} "${token.text}" at position ${token.at}`);
  }
}
