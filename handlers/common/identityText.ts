import { InvalidArgumentError } from '../../lib/errors';

/*
 * Rules on new emails and names that the decider does not apply. They run at the handler edge,
 * so a command that breaks them is refused before it is appended; the decider (and so the replay
 * of every record already in a log) stays as it was: an old `аda@…` still folds as it did.
 */

/** Control, format (zero-width, bidi), private-use, unassigned, lone surrogates, and other default-ignorable code points. */
const EMAIL_REFUSED = /[\p{C}\p{Default_Ignorable_Code_Point}]/u;
/**
 * Control characters, line and paragraph separators, lone surrogates, bidi controls (embeddings,
 * overrides and isolates U+202A-202E and U+2066-2069, and the marks U+200E, U+200F, U+061C: a
 * mark can move digits and punctuation on screen as well), and the other invisible format characters.
 * ZWJ and ZWNJ stay: Persian and Indic names and emoji sequences need them.
 */
const NAME_REFUSED = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\p{Bidi_Control}]|(?![\u200C\u200D])\p{Cf}/u;

// A list of names reads best as a paragraph, not one name a line.
// prettier-ignore
const SCRIPTS = [
  'Latin', 'Greek', 'Cyrillic', 'Armenian', 'Hebrew', 'Arabic', 'Syriac', 'Thaana', 'Nko', 'Devanagari', 'Bengali',
  'Gurmukhi', 'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala', 'Thai', 'Lao', 'Tibetan',
  'Myanmar', 'Georgian', 'Hangul', 'Ethiopic', 'Cherokee', 'Khmer', 'Mongolian', 'Hiragana', 'Katakana', 'Bopomofo',
  'Han', 'Yi', 'Coptic', 'Tifinagh', 'Canadian_Aboriginal', 'Ogham', 'Runic', 'Gothic',
].map((name) => ({ name, pattern: new RegExp(`\\p{Script=${name}}`, 'u') }));
const NO_SCRIPT = /[\p{Script=Common}\p{Script=Inherited}]/u;
/** UTS #39 "highly restrictive": one script, or Latin with the scripts East Asian text mixes with it. */
const ALLOWED_MIXES = [
  ['Latin', 'Han', 'Hiragana', 'Katakana'],
  ['Latin', 'Han', 'Bopomofo'],
  ['Latin', 'Han', 'Hangul'],
];

/**
 * A new email in the form it is stored: NFKC-normalised (full-width `ＡＤＡ` is `ADA`, ligatures are
 * split), case kept as typed; uniqueness compares it lower-cased, as it always has. Refused with
 * INVALID_ARGUMENT naming `field` when it holds an invisible, control or bidi character, or a
 * local part or domain label that mixes scripts (a Cyrillic `а` in `аda`). The decider's own
 * checks (`checkEmail`) still follow.
 */
export function edgeEmail(email: string, field = 'email'): string {
  const normalized = email.normalize('NFKC').trim();
  const hidden = EMAIL_REFUSED.exec(normalized);
  if (hidden)
    throw new InvalidArgumentError(field, `contains ${codePoint(hidden[0])}, an invisible, control or formatting character; type the address without it`);
  const at = normalized.lastIndexOf('@');
  const parts = at < 0 ? [normalized] : [normalized.slice(0, at), ...normalized.slice(at + 1).split('.')];
  for (const part of parts) {
    const scripts = scriptsOf(part);
    if (!mixAllowed(scripts)) {
      throw new InvalidArgumentError(
        field,
        `mixes ${[...scripts].join(' and ')} letters in "${part}", the way look-alike addresses are made; write it in one script`,
      );
    }
  }
  return normalized;
}

/** A new name (trimmed), refused when it holds a control, bidi or invisible formatting character. */
export function edgeName(name: string, field = 'name'): string {
  const trimmed = name.trim();
  const hidden = NAME_REFUSED.exec(trimmed);
  if (hidden)
    throw new InvalidArgumentError(
      field,
      `contains ${codePoint(hidden[0])}, a control, invisible or bidirectional formatting character that can make the name display as something else; remove it`,
    );
  return trimmed;
}

function scriptsOf(text: string): Set<string> {
  const scripts = new Set<string>();
  for (const char of text) {
    if (NO_SCRIPT.test(char) || !/[\p{L}\p{N}\p{M}]/u.test(char)) continue;
    scripts.add(SCRIPTS.find((s) => s.pattern.test(char))?.name ?? 'other');
  }
  return scripts;
}

function mixAllowed(scripts: Set<string>): boolean {
  if (scripts.size <= 1) return true;
  return ALLOWED_MIXES.some((mix) => [...scripts].every((s) => mix.includes(s)));
}

const codePoint = (char: string) => `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
