export type JsonParse =
  | { ok: true; value: unknown }
  | { ok: false; message: string; position?: number; line?: number; column?: number };

/** JSON.parse, and on failure the offset, line and column of the first fault so a sender can find it. */
export function parseJsonBody(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    if (text.trim() === '') return { ok: false, message: 'empty body' };
    const position = findSyntaxError(text);
    const before = text.slice(0, position);
    const line = before.split('\n').length;
    const column = position - before.lastIndexOf('\n');
    return { ok: false, message: (error as Error).message, position, line, column };
  }
}

/**
 * V8's messages carry a position only for some faults, so locate it with a small scanner. Only
 * called for bodies JSON.parse already refused; returns the offset where the grammar breaks.
 */
export function findSyntaxError(text: string): number {
  let i = 0;
  const fault = (): never => {
    throw i;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fault();
      i++;
    }
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      const code = text.charCodeAt(i);
      if (code < 0x20) fault();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fault();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fault();
      }
      i++;
    }
    if (i >= text.length) fault();
    i++;
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match || match[0] === '' || match[0] === '-') fault();
    i += (match as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fault();
        string();
        ws();
        if (text[i] !== ':') fault();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fault();
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fault();
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    return number();
  };
  try {
    value();
    ws();
    return i < text.length ? i : text.length;
  } catch (position) {
    // A body nested past the stack is reported at its end rather than not at all.
    return typeof position === "number" ? Math.min(position, text.length) : text.length;
  }
}
