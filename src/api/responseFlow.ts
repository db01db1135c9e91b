import type { Response } from 'express';

/**
 * An AbortSignal that fires when the client of `res` is gone (or the response is over). Make it
 * before the route's first await: `close` is emitted once, and a client that left while the
 * route awaited is not heard by a listener attached afterwards. A response already closed gives
 * a signal already aborted.
 */
export function clientGone(res: Response): AbortSignal {
  const controller = new AbortController();
  if (res.closed || res.destroyed || !res.socket || res.socket.destroyed) controller.abort();
  else res.once('close', () => controller.abort());
  return controller.signal;
}

/**
 * Resolves once the response can take more: on `drain`, at once when its buffer is not full, and
 * at once or as soon as the client is gone (a closed response never drains). Leaves no listener.
 */
export function drained(res: Response, gone: AbortSignal): Promise<void> {
  if (gone.aborted || !res.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      gone.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    gone.addEventListener('abort', done);
  });
}
