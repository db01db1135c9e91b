import type { Client, WorkflowHandle } from '@temporalio/client';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

const closings = [
  ['workflowExecutionCompletedEventAttributes', 'completed'],
  ['workflowExecutionFailedEventAttributes', 'failed'],
  ['workflowExecutionCanceledEventAttributes', 'cancelled'],
  ['workflowExecutionTerminatedEventAttributes', 'terminated'],
  ['workflowExecutionTimedOutEventAttributes', 'timedOut'],
  ['workflowExecutionContinuedAsNewEventAttributes', 'continuedAsNew'],
] as const;

/** What one run of a workflow left in its history. */
export interface RunHistory {
  runId: string;
  events: number;
  /** How the run closed; null while it is open. */
  closedBy: (typeof closings)[number][1] | null;
  activities: string[];
}

/** Every run of an execution so far, first to last, following its continue-as-new chain. */
export async function runsOf(client: Client, workflowId: string, firstRunId: string): Promise<RunHistory[]> {
  const runs: RunHistory[] = [];
  for (let runId: string | undefined = firstRunId; runId; ) {
    const history: History = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    const last: HistoryEvent | undefined = events.at(-1);
    const closedBy = last ? (closings.find(([key]) => last[key] != null)?.[1] ?? null) : null;
    runs.push({
      runId,
      events: events.length,
      closedBy,
      activities: events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter((n): n is string => Boolean(n)),
    });
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

/** Every run of a workflow so far, found from its current run: a run's start names the chain's first. */
export async function runsOfWorkflow(client: Client, workflowId: string): Promise<RunHistory[]> {
  const current: History = await client.workflow.getHandle(workflowId).fetchHistory();
  const firstRunId = current.events?.[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId;
  if (!firstRunId) throw new Error(`The history of ${workflowId} does not start with its start event.`);
  return runsOf(client, workflowId, firstRunId);
}
