import { ConfigError } from '@vigil/runtime';
import { unsafeContent } from '@vigil/schema';
import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Node } from 'yaml';

export type FieldPath = ReadonlyArray<string | number>;

/** One YAML document of a rules file: its value, and where each of its fields sits. */
export interface RuleDocument {
  file: string;
  /** 0-based position in a multi-document file. */
  index: number;
  value: unknown;
  /** The 1-based line of the field at `path` (of its deepest existing ancestor when it is absent). */
  lineOf(path: FieldPath): number;
}

/** Parses every document of a rules file; a YAML syntax error is a problem with its line. */
export function parseRuleFile(file: string, text: string, problems: Problems): RuleDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const out: RuleDocument[] = [];
  if (!Array.isArray(docs)) return out;
  docs.forEach((doc, index) => {
    for (const error of doc.errors) {
      const line = lineCounter.linePos(error.pos[0]).line;
      problems.add(`${file}:${line}: not valid YAML: ${error.message.split('\n')[0] ?? ''}`);
    }
    if (doc.errors.length > 0 || doc.contents === null) return;
    const root = doc.contents as Node;
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    // Titles, keys and values end up in detections and the register, which refuse NUL and lone surrogates.
    const unsafe = unsafeContent(value, { checkText: true, maxDepth: 32 });
    for (const problem of unsafe) problems.add(`${file}: ${problem.path}: ${problem.message}`);
    if (unsafe.length > 0) return;
    out.push({
      file,
      index,
      value,
      lineOf: (path) => lineCounter.linePos(offsetOf(root, path)).line,
    });
  });
  return out;
}

function offsetOf(root: Node, path: FieldPath): number {
  let node: unknown = root;
  let offset = root.range?.[0] ?? 0;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && item.key.value === segment,
      );
      if (!pair) return offset;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (!item) return offset;
      offset = (item as Node).range?.[0] ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

/** Every problem found while loading rules, each saying file, line and what is wrong. */
export class Problems {
  readonly list: string[] = [];
  add(problem: string): void {
    this.list.push(problem);
  }
  /** `file:line: path: message` for a field of a document. */
  at(doc: RuleDocument, path: FieldPath, message: string): void {
    const where = path.length > 0 ? ` ${path.join('.')}:` : '';
    this.add(`${doc.file}:${doc.lineOf(path)}:${where} ${message}`);
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new ConfigError([...this.list]);
  }
}

/** A plain object (a YAML map), or undefined. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
