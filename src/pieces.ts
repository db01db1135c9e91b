/**
 * Below V8's large-object size (128 KiB). A batch of lines rendered as one string (up to about
 * 1 MB) would be allocated straight into the old generation, which only a full collection
 * frees; pieces this size are allocated young and die young.
 */
export const pieceChars = 32 * 1024;

/** Renders each item and joins the results into strings of about `pieceChars` each, in order. */
export function* inPieces<T>(items: Iterable<T>, render: (item: T) => string): Generator<string> {
  let piece = '';
  for (const item of items) {
    piece += render(item);
    if (piece.length >= pieceChars) {
      yield piece;
      piece = '';
    }
  }
  if (piece.length > 0) yield piece;
}
