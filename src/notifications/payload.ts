import type { DeliveredEvent, NotificationFormat } from './events';

/** What an event says about an execution: ids, names, status and error code, never params or log text. */
export interface ExecutionFacts {
  id: string;
  status: string;
  errorCode: string | null;
  exitCode: number | null;
  jobId: string;
  jobName: string;
  environmentId: string;
  environmentName: string;
  production: boolean;
  startedBy: string;
  approvalDeadline: string | null;
  workflowId: string;
}

/** What an event says about a schedule: ids, names, version and the skipped run's reason code, never params. */
export interface ScheduleFacts {
  id: string;
  name: string;
  version: number | null;
  jobId: string;
  jobName: string;
  environmentId: string;
  environmentName: string;
  production: boolean;
  temporalScheduleId: string;
  /** The run a `schedule.run_skipped` event announces. */
  run: { id: string; at: string; reasonCode: string | null } | null;
}

export interface LinkBases {
  /** MIGRATOR_PUBLIC_URL: where people reach the console. */
  publicUrl: string;
  temporalUiUrl: string;
  namespace: string;
}

export interface EventFacts {
  deliveryId: string;
  event: DeliveredEvent;
  occurredAt: string;
  target: { id: string; name: string };
  execution: ExecutionFacts | null;
  schedule?: ScheduleFacts | null;
}

/** The console page, its API resource, and the Temporal UI page of what an event is about. */
function linkSet(bases: LinkBases, path: string, temporalPath: string) {
  const base = bases.publicUrl.replace(/\/+$/, '');
  return {
    console: `${base}/${path}`,
    api: `${base}/api/v1/${path}`,
    temporalUi: `${bases.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(bases.namespace)}/${temporalPath}`,
  };
}

const linksOf = (e: ExecutionFacts, bases: LinkBases) => linkSet(bases, `executions/${e.id}`, `workflows/${encodeURIComponent(e.workflowId)}`);

const scheduleLinksOf = (s: ScheduleFacts, bases: LinkBases) => linkSet(bases, `schedules/${s.id}`, `schedules/${encodeURIComponent(s.temporalScheduleId)}`);

/** The generic JSON body; `schedule` only on schedule events. */
export function jsonPayload(facts: EventFacts, bases: LinkBases) {
  return {
    id: facts.deliveryId,
    event: facts.event,
    occurredAt: facts.occurredAt,
    target: facts.target,
    execution: facts.execution ? { ...facts.execution, links: linksOf(facts.execution, bases) } : null,
    ...(facts.schedule ? { schedule: { ...facts.schedule, links: scheduleLinksOf(facts.schedule, bases) } } : {}),
  };
}

const scheduleHeadlines: Record<string, (s: ScheduleFacts) => string> = {
  'schedule.run_skipped': (s) => `:fast_forward: A run of schedule ${s.name} (${s.jobName} on ${s.environmentName}) was skipped${s.run?.reasonCode ? ` (${s.run.reasonCode})` : ''}`,
  'schedule.awaiting_approval': (s) => `:hourglass: Version ${s.version ?? '?'} of schedule ${s.name} (${s.jobName} on ${s.environmentName}) awaits a second operator's approval`,
};

function scheduleSlackPayload(facts: EventFacts, s: ScheduleFacts, bases: LinkBases) {
  const text = (scheduleHeadlines[facts.event] ?? ((x: ScheduleFacts) => `Schedule ${x.name}: ${facts.event}`))(s);
  const links = scheduleLinksOf(s, bases);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Schedule \`${s.id}\` · version ${s.version ?? '?'}${s.production ? ' · production' : ''}` }] },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'Open in Migrator' }, url: links.console },
          { type: 'button', text: { type: 'plain_text', text: 'Open in Temporal UI' }, url: links.temporalUi },
        ],
      },
    ],
  };
}

const headlines: Record<string, (e: ExecutionFacts) => string> = {
  'execution.awaiting_approval': (e) => `:hourglass: ${e.jobName} on ${e.environmentName} awaits approval (started by ${e.startedBy})`,
  'execution.succeeded': (e) => `:white_check_mark: ${e.jobName} on ${e.environmentName} succeeded`,
  'execution.failed': (e) => `:x: ${e.jobName} on ${e.environmentName} failed${e.errorCode ? ` (${e.errorCode})` : ''}`,
  'execution.cancelled': (e) => `:no_entry_sign: ${e.jobName} on ${e.environmentName} was cancelled`,
  'execution.rejected': (e) => `:no_entry: ${e.jobName} on ${e.environmentName} was rejected`,
};

/** Slack's incoming-webhook shape: `text` for notifications, `blocks` with the links. */
export function slackPayload(facts: EventFacts, bases: LinkBases) {
  const e = facts.execution;
  if (!e && facts.schedule) return scheduleSlackPayload(facts, facts.schedule, bases);
  if (!e) {
    const text = `Migrator test notification for target "${facts.target.name}" (delivery ${facts.deliveryId})`;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const text = (headlines[facts.event] ?? ((x: ExecutionFacts) => `${x.jobName} on ${x.environmentName}: ${facts.event}`))(e);
  const links = linksOf(e, bases);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `Execution \`${e.id}\` · status *${e.status}*${e.production ? ' · production' : ''}` }],
      },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'Open in Migrator' }, url: links.console },
          { type: 'button', text: { type: 'plain_text', text: 'Open in Temporal UI' }, url: links.temporalUi },
        ],
      },
    ],
  };
}

export function payloadBody(format: NotificationFormat, facts: EventFacts, bases: LinkBases): string {
  return JSON.stringify(format === 'slack' ? slackPayload(facts, bases) : jsonPayload(facts, bases));
}
