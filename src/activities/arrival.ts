import { Context } from '@temporalio/activity';

/**
 * Temporal can lose an activity task on its way to a worker after it recorded the task as
 * started: Matching gives History one second to record the start of a task it hands straight to
 * a waiting poll, and when History answers later (a loaded server) the start stands but the task
 * is never delivered (server 1.29; temporalio/temporal#11733). Nothing but a timeout frees such
 * an attempt, so a step that only had a startToCloseTimeout waited all of it (two minutes for
 * `validateScript` in bench item 6, where about one delivery in fifty was lost).
 *
 * An activity given a short `heartbeatTimeout` calls this first: it heartbeats at once ("it
 * arrived") and every third of the timeout until `stop()`, so a lost delivery is retried after
 * the heartbeat timeout while a slow step is never taken for a lost one. Without a heartbeat
 * timeout (an older workflow's schedule) it does nothing.
 */
export function announceArrival(activity: Context = Context.current()): { stop(): void } {
  const timeoutMs = activity.info.heartbeatTimeoutMs;
  if (!timeoutMs) return { stop: () => undefined };
  // No details: a later attempt reads where a run stands from PostgreSQL, not from heartbeats.
  activity.heartbeat();
  const timer = setInterval(() => activity.heartbeat(), Math.max(100, timeoutMs / 3));
  return { stop: () => clearInterval(timer) };
}

/**
 * Wraps every step so that it heartbeats while it runs (`announceArrival`): the steps of an
 * execution but `runScript`, which beats its own way.
 */
export function announcingArrival<T extends Record<string, (...args: never[]) => Promise<unknown>>>(steps: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, step] of Object.entries(steps)) {
    const announced = async (...args: never[]) => {
      const arrival = announceArrival();
      try {
        return await step(...args);
      } finally {
        arrival.stop();
      }
    };
    Object.defineProperty(announced, 'name', { value: name });
    wrapped[name] = announced;
  }
  return wrapped as T;
}
