/**
 * JSON text as Go's encoding/json writes it, which is what cloudcore and edgecore put on the wire.
 * JSON.stringify already agrees with Go on structure, number spelling and control-character escapes;
 * Go additionally escapes `<`, `>`, `&`, U+2028 and U+2029, and never emits a lone surrogate.
 */

/**
 * Go's `HTMLEscape` substitutions, plus lone surrogates. JSON.stringify writes a lone surrogate as a
 * `\udXXX` escape; Go's decoder would have turned it into U+FFFD, and its encoder writes that as the
 * raw character. `\\` is matched first so that an escaped backslash followed by `ud800` is left alone.
 */
const FIXUP = /\\\\|\\ud[89a-f][0-9a-f]{2}|[<>&\u2028\u2029]/g;

function fixup(match: string): string {
  switch (match) {
    case '\\\\':
      return match;
    case '<':
      return '\\u003c';
    case '>':
      return '\\u003e';
    case '&':
      return '\\u0026';
    case '\u2028':
      return '\\u2028';
    case '\u2029':
      return '\\u2029';
    default:
      return '\uFFFD';
  }
}

/**
 * Rewrite JSON.stringify output into Go's spelling. The indexOf probes are native scans that are
 * several times cheaper than a regex test, so the common case (none of these present) costs almost
 * nothing; the regex runs only when there is something to rewrite.
 */
export function toGoSpelling(json: string): string {
  if (
    json.indexOf('<') < 0 &&
    json.indexOf('>') < 0 &&
    json.indexOf('&') < 0 &&
    json.indexOf('\u2028') < 0 &&
    json.indexOf('\u2029') < 0 &&
    json.indexOf('\\ud') < 0
  ) {
    return json;
  }
  return json.replace(FIXUP, fixup);
}

/** A string as a Go JSON string literal, quotes included. */
export function goJsonString(value: string): string {
  // Envelope strings (UUIDs, module names, resources) are short printable ASCII: quote them directly.
  if (value.length <= 128) {
    let plain = true;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) {
        plain = false;
        break;
      }
    }
    if (plain) return '"' + value + '"';
  }
  return toGoSpelling(JSON.stringify(value));
}

/**
 * Any JSON-compatible value as Go's encoding/json would write it. Object keys keep insertion order
 * (Go writes struct fields in declaration order and sorts map keys, so build objects in that order
 * when bytes matter). Like JSON.stringify, `undefined` becomes `null` at the top level and is dropped
 * inside objects. Known difference: a float -0 is written `0` (Go writes `-0`); no message twinlab
 * builds carries one, and decoded messages keep their original text (see codec.ts).
 * Throws RangeError when nesting exceeds the call stack and TypeError on cycles or BigInt.
 */
export function goJsonStringify(value: unknown): string {
  const json = JSON.stringify(value);
  return json === undefined ? 'null' : toGoSpelling(json);
}
