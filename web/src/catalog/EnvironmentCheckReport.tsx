import { ProblemError } from '../api/client';
import type { EnvironmentCheck } from './catalogApi';

export type CheckState = { state: 'running' } | { state: 'done'; report: EnvironmentCheck } | { state: 'failed'; error: unknown };

/** What a refused check means, in words, before the server's own detail. */
const failureWords: Record<string, string> = {
  SSH_UNREACHABLE: 'The worker could not reach the host.',
  SSH_AUTH_FAILED: 'The host refused the worker’s login (user name or key).',
  HOST_KEY_MISMATCH: 'The host presented a different key than the one pinned: it may have been reinstalled, or someone is in the way. Nothing was changed.',
  UNAVAILABLE: 'No worker answered; check that a worker runs.',
  FORBIDDEN: 'Only admins can check environments.',
};

/** The report of an environment's connectivity check: host key, node, the run protocol's tools. */
export function EnvironmentCheckReport({ name, check }: { name: string; check: CheckState }) {
  return (
    <div role="region" aria-label={`Check of ${name}`} className="check-report">
      {check.state === 'running' && <p>Checking {name}: a worker connects to the host…</p>}
      {check.state === 'failed' && <CheckFailure error={check.error} />}
      {check.state === 'done' && <CheckSuccess report={check.report} />}
    </div>
  );
}

function CheckFailure({ error }: { error: unknown }) {
  const problem = error instanceof ProblemError ? error : null;
  return (
    <p className="error">
      Check failed. {(problem && failureWords[problem.code]) ?? ''} {problem ? problem.detail : 'The server could not be reached.'}
    </p>
  );
}

function CheckSuccess({ report }: { report: EnvironmentCheck }) {
  const missing = Object.entries(report.tools).filter(([, found]) => !found);
  return (
    <dl>
      <dt>Host key</dt>
      <dd>
        <code>{report.hostKeyFingerprint}</code>{' '}
        {report.pinnedNow ? '— pinned now: none was pinned, so this key is trusted from here on.' : '— matches the pinned key.'}
      </dd>
      <dt>Node</dt>
      <dd>{report.node.ok ? `${report.node.version ?? 'found'}${report.node.command ? ` (${report.node.command})` : ''}` : `not found: ${report.node.error ?? 'no node on the host'}`}</dd>
      <dt>Run protocol tools</dt>
      <dd>
        <ul className="tools">
          {Object.entries(report.tools).map(([tool, found]) => (
            <li key={tool}>
              {tool}: {found ? 'found' : 'missing'}
            </li>
          ))}
        </ul>
        {missing.length > 0 && <p className="error">Executions cannot run here until {missing.map(([t]) => t).join(', ')} are installed on the host.</p>}
      </dd>
    </dl>
  );
}
