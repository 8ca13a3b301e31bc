/**
 * JSON values that came from outside can be shaped to break the code that handles them: nesting
 * deep enough to overflow `JSON.stringify`'s stack, lone UTF-16 surrogates that other JSON parsers
 * (Redis's cjson) refuse, NUL characters PostgreSQL refuses. These helpers look at a value without
 * recursion, so no input can make them throw.
 */

/** Deepest nesting (objects and arrays) a value may have before `safeJsonText` leaves `JSON.stringify`. */
const NATIVE_STRINGIFY_DEPTH = 256;

/** Nesting depth of a JSON value: 0 for a scalar, 1 for `[]` or `{"a":1}`, ... Stops counting past `limit`. */
export function jsonDepth(value: unknown, limit = Number.MAX_SAFE_INTEGER): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > limit) return deepest;
    const children = Array.isArray(current) ? current : Object.values(current as Record<string, unknown>);
    for (const child of children) if (child !== null && typeof child === 'object') stack.push([child, here]);
  }
  return deepest;
}

/**
 * `JSON.stringify(value)` for JSON data (what `JSON.parse` returns), at any nesting depth. Shallow
 * values take the native path; deep ones are written by an explicit stack instead of recursion.
 */
export function safeJsonText(value: unknown): string {
  if (jsonDepth(value, NATIVE_STRINGIFY_DEPTH) <= NATIVE_STRINGIFY_DEPTH) return JSON.stringify(value) ?? 'null';
  const out: string[] = [];
  type Frame = { kind: 'array'; items: unknown[]; i: number } | { kind: 'object'; entries: Array<[string, unknown]>; i: number };
  const stack: Frame[] = [];
  const open = (current: unknown): void => {
    if (current === null || typeof current !== 'object') {
      out.push(JSON.stringify(current) ?? 'null');
    } else if (Array.isArray(current)) {
      out.push('[');
      stack.push({ kind: 'array', items: current, i: 0 });
    } else {
      out.push('{');
      const entries = Object.entries(current as Record<string, unknown>).filter(
        ([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol',
      );
      stack.push({ kind: 'object', entries, i: 0 });
    }
  };
  open(value);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    const length = frame.kind === 'array' ? frame.items.length : frame.entries.length;
    if (frame.i >= length) {
      out.push(frame.kind === 'array' ? ']' : '}');
      stack.pop();
      continue;
    }
    if (frame.i > 0) out.push(',');
    if (frame.kind === 'array') {
      open(frame.items[frame.i++]);
    } else {
      const [key, child] = frame.entries[frame.i++] as [string, unknown];
      out.push(JSON.stringify(key), ':');
      open(child);
    }
  }
  return out.join('');
}

/** Why a string cannot travel safely to every store Vigil writes to, or undefined when it can. */
export function unsafeTextReason(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0) return `contains a NUL character (U+0000) at offset ${i}`;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `contains a lone UTF-16 surrogate (\\u${code.toString(16)}) at offset ${i}`;
    }
    if (code >= 0xdc00 && code <= 0xdfff) return `contains a lone UTF-16 surrogate (\\u${code.toString(16)}) at offset ${i}`;
  }
  return undefined;
}

/** A string with NUL and lone surrogates written out as `\u0000`-style escapes: safe to store, still readable. */
export function escapeUnsafeText(text: string): string {
  if (unsafeTextReason(text) === undefined) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += text.slice(i, i + 2);
      i++;
    } else if (code === 0 || (code >= 0xd800 && code <= 0xdfff)) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else {
      out += text[i];
    }
  }
  return out;
}

/** The first `maxChars` UTF-16 units of `text`, never ending inside a surrogate pair. */
export function textPrefix(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const last = text.charCodeAt(maxChars - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? maxChars - 1 : maxChars);
}

interface Frame {
  value: unknown;
  depth: number;
  parent: Frame | undefined;
  key: string | number | undefined;
}

function pathOf(frame: Frame): string {
  const parts: string[] = [];
  for (let f: Frame | undefined = frame; f?.key !== undefined; f = f.parent) parts.push(String(f.key));
  return parts.length === 0 ? '(root)' : parts.reverse().join('.');
}

/**
 * Where a value holds what no store downstream takes: strings (values and keys) with NUL or a lone
 * surrogate (when `checkText`), nesting past `maxDepth`. Paths are dotted (`a.0.b`); at most `maxReported`.
 * Walks without recursion, so no input can make it throw.
 */
export function unsafeContent(
  value: unknown,
  options: { checkText: boolean; maxDepth: number; maxReported?: number },
): Array<{ path: string; message: string }> {
  const limit = options.maxReported ?? 10;
  const problems: Array<{ path: string; message: string }> = [];
  const stack: Frame[] = [{ value, depth: 0, parent: undefined, key: undefined }];
  while (stack.length > 0 && problems.length < limit) {
    const frame = stack.pop() as Frame;
    const current = frame.value;
    if (typeof current === 'string') {
      const reason = options.checkText ? unsafeTextReason(current) : undefined;
      if (reason !== undefined) problems.push({ path: pathOf(frame), message: `the string ${reason}` });
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    const depth = frame.depth + 1;
    if (depth > options.maxDepth) {
      problems.push({ path: pathOf(frame), message: `nested deeper than ${options.maxDepth} levels` });
      continue;
    }
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], depth, parent: frame, key: i });
      continue;
    }
    const entries = Object.entries(current as Record<string, unknown>);
    // Pushed last-first so fields are reported in the order they were written.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i] as [string, unknown];
      const childFrame = { value: child, depth, parent: frame, key };
      const keyReason = options.checkText ? unsafeTextReason(key) : undefined;
      if (keyReason !== undefined) problems.push({ path: pathOf(childFrame), message: `the key ${keyReason}` });
      else stack.push(childFrame);
    }
  }
  return problems;
}
