import type { Execution } from '@migrator/api-client';

/** The script's latest `::progress done/total`, as a bar and in numbers; nothing before its first. */
export function ProgressBar({ progress, label }: { progress: Execution['progress']; label: string }) {
  if (progress.percent === null) return null;
  return (
    <span className="progress">
      <progress aria-label={label} max={100} value={progress.percent} />{' '}
      <span>
        {progress.percent}% ({progress.done} of {progress.total})
      </span>
    </span>
  );
}
