/**
 * Locates the first JSON syntax error in a text. JSON.parse on Node 20 often does not say where it failed
 * ("Unexpected token '}', ... is not valid JSON"), and an artist with a 5 MB scene needs a line and column.
 * Only run after JSON.parse has failed, so speed does not matter; the scan is iterative so that deeply
 * nested input cannot overflow the stack.
 */
export interface JsonSyntaxProblem {
  line: number;
  column: number;
  problem: string;
}

class JsonScanError extends Error {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

export function findJsonSyntaxError(text: string): JsonSyntaxProblem | undefined {
  try {
    scanDocument(text);
    return undefined;
  } catch (error) {
    if (!(error instanceof JsonScanError)) throw error;
    return { ...lineAndColumn(text, error.offset), problem: error.problem };
  }
}

/** 1-based line and column (in UTF-16 code units, as editors count them). */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function scanDocument(text: string): void {
  // Each stack entry is the closing character we wait for; `expectValue` says what the next token must be.
  const stack: string[] = [];
  let i = skipSpace(text, 0);
  let expectValue = true;
  for (;;) {
    if (expectValue) {
      i = skipSpace(text, i);
      const c = text[i];
      if (c === '{' || c === '[') {
        stack.push(c === '{' ? '}' : ']');
        i = skipSpace(text, i + 1);
        if (text[i] === stack[stack.length - 1]) {
          stack.pop();
          i++;
          expectValue = false;
          continue;
        }
        if (c === '{') i = scanKey(text, i);
        continue;
      }
      i = scanScalar(text, i);
      expectValue = false;
      continue;
    }
    i = skipSpace(text, i);
    if (stack.length === 0) {
      if (i < text.length) fail(i, `unexpected ${describe(text, i)} after the end of the document`);
      return;
    }
    const closer = stack[stack.length - 1];
    if (text[i] === closer) {
      stack.pop();
      i++;
    } else if (text[i] === ',') {
      i = skipSpace(text, i + 1);
      if (closer === '}') i = scanKey(text, i);
      expectValue = true;
    } else {
      fail(i, `expected "," or "${closer}" but found ${describe(text, i)}`);
    }
  }
}

function scanKey(text: string, i: number): number {
  if (text[i] !== '"') fail(i, `expected a double-quoted property name but found ${describe(text, i)}`);
  i = skipSpace(text, scanString(text, i));
  if (text[i] !== ':') fail(i, `expected ":" after the property name but found ${describe(text, i)}`);
  return i + 1;
}

function scanScalar(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return scanString(text, i);
  for (const literal of ['true', 'false', 'null']) {
    if (text.startsWith(literal, i)) return i + literal.length;
  }
  const number = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
  if (number) return i + number[0].length;
  return fail(i, `expected a value but found ${describe(text, i)}`);
}

function scanString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 34) return i + 1;
    if (code < 32) fail(i, 'control character inside a string (escape it, e.g. \\n)');
    if (code === 92) {
      const next = text[i + 1];
      if (next === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail(i, 'bad \\u escape in a string');
        i += 5;
      } else if (next !== undefined && '"\\/bfnrt'.includes(next)) {
        i++;
      } else {
        fail(i, 'bad escape in a string');
      }
    }
  }
  return fail(start, 'unterminated string');
}

function skipSpace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    i++;
  }
  return i;
}

function describe(text: string, i: number): string {
  return i >= text.length ? 'the end of the input' : JSON.stringify(text[i]);
}

function fail(offset: number, problem: string): never {
  throw new JsonScanError(offset, problem);
}
