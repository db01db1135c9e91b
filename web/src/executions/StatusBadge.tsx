import { statusWords } from './words';

/** An execution's status in words, coloured by kind. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`status status-${status}`}>{statusWords(status)}</span>;
}
