import type { ExecutionListItem } from '@migrator/api-client';
import { useEffect, useRef, useState } from 'react';

import { statusWords } from './words';

/**
 * Says a status change of a row on screen to screen readers (aria-live), once: the rows' badges
 * change silently, this line speaks for them.
 */
export function StatusAnnouncer({ items }: { items: ExecutionListItem[] }) {
  const known = useRef(new Map<string, string>());
  const [message, setMessage] = useState('');
  useEffect(() => {
    const changed: string[] = [];
    for (const e of items) {
      const before = known.current.get(e.id);
      if (before !== undefined && before !== e.status) changed.push(`${e.jobName} on ${e.environmentName} is now ${statusWords(e.status)}.`);
      known.current.set(e.id, e.status);
    }
    if (changed.length) setMessage(changed.join(' '));
  }, [items]);
  return (
    <p className="visually-hidden" aria-live="polite">
      {message}
    </p>
  );
}
