/**
 * The composer checks message content itself for instant feedback; the server's rule is the one
 * that counts. This pins the copy to the public API document, so a change of the limit on the
 * server side fails here until the frontend follows.
 */
import { describe, expect, it } from 'vitest';
import openapi from '../../../../docs/openapi.yaml?raw';
import { MAX_MESSAGE_CHARS, messageLength } from './messagesSlice';

type Schema = Record<string, string>;

/** The lines of `components.schemas.<name>` (the document indents schemas by four spaces). */
function schemaLines(name: string): string[] {
  const lines = openapi.split('\n');
  const start = lines.findIndex((line) => line === `    ${name}:`);
  if (start < 0) throw new Error(`docs/openapi.yaml has no schema ${name}`);
  const end = lines.findIndex((line, i) => i > start && line.trim() !== '' && !line.startsWith('     '));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** `key: value` pairs of a flow mapping (`{type: string, maxLength: 4000}`) or of block lines. */
function pairs(text: string): Schema {
  const schema: Schema = {};
  for (const [, key, value] of text.matchAll(/([$\w]+):\s*("[^"]*"|[^,{}\n]+)/g)) {
    if (key && value) schema[key] = value.trim().replace(/^"|"$/g, '');
  }
  return schema;
}

/** A property of an object schema, following a `$ref` to another schema of the document. */
function propertySchema(schemaName: string, property: string): Schema {
  const lines = schemaLines(schemaName);
  const at = lines.findIndex((line) => line.trimStart().startsWith(`${property}:`));
  if (at < 0) throw new Error(`schema ${schemaName} has no property ${property}`);
  const line = lines[at] ?? '';
  const indent = line.length - line.trimStart().length;
  const inline = line.slice(line.indexOf(':') + 1).trim();
  const body = inline
    ? inline
    : lines
        .slice(at + 1)
        .filter((_, i, rest) => rest.slice(0, i + 1).every((l) => l.length - l.trimStart().length > indent))
        .join('\n');
  const schema = pairs(body);
  const ref = schema.$ref?.match(/^#\/components\/schemas\/(\w+)$/)?.[1];
  return ref ? { ...pairs(schemaLines(ref).join('\n')), ...schema } : schema;
}

describe('message content limits', () => {
  const content = pairs(schemaLines('MessageContent').join('\n'));
  const stored = propertySchema('Message', 'content');

  it('match the server: 1 to MAX_MESSAGE_CHARS characters', () => {
    expect(Number(content.maxLength)).toBe(MAX_MESSAGE_CHARS);
    expect(Number(content.minLength)).toBe(1);
    expect(Number(stored.maxLength)).toBe(MAX_MESSAGE_CHARS);
  });

  it('count code points of the trimmed text, as JSON Schema and the server do', () => {
    expect(messageLength(`  ${'😀'.repeat(MAX_MESSAGE_CHARS)}\n`)).toBe(MAX_MESSAGE_CHARS);
    expect(messageLength(' \t\n ')).toBe(0);
  });
});
