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
}

function linksOf(e: ExecutionFacts, bases: LinkBases) {
  const base = bases.publicUrl.replace(/\/+$/, '');
  return {
    console: `${base}/executions/${e.id}`,
    api: `${base}/api/v1/executions/${e.id}`,
    temporalUi: `${bases.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(bases.namespace)}/workflows/${encodeURIComponent(e.workflowId)}`,
  };
}

/** The generic JSON body. */
export function jsonPayload(facts: EventFacts, bases: LinkBases) {
  return {
    id: facts.deliveryId,
    event: facts.event,
    occurredAt: facts.occurredAt,
    target: facts.target,
    execution: facts.execution ? { ...facts.execution, links: linksOf(facts.execution, bases) } : null,
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
