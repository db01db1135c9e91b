import { validationError } from './problem';

/**
 * Opaque keyset cursors: the sort key of the last item of a page, as base64url JSON. Clients
 * pass them back untouched; anything else is a 400 naming `cursor`.
 */
export function encodeCursor(key: string[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor whose parts must each match their pattern. */
export function decodeCursor(cursor: string, parts: RegExp[]): string[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (!Array.isArray(key) || key.length !== parts.length || !key.every((part, i) => typeof part === 'string' && parts[i]!.test(part))) {
    throw validationError([{ path: 'cursor', message: 'is not a cursor this API returned; start again without it' }]);
  }
  return key as string[];
}
