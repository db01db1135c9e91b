import { useEffect, useRef, useState } from 'react';

/**
 * Which entry a page's form edits (`'new'` for a new one, null when closed), and the ref of the
 * button that opens it: when the form closes, the focus goes back to that button, not to the
 * page's start.
 */
export function useEditing<Item>() {
  const [editing, setEditing] = useState<Item | 'new' | null>(null);
  const newButton = useRef<HTMLButtonElement>(null);
  const formWasOpen = useRef(false);
  useEffect(() => {
    if (editing === null && formWasOpen.current) newButton.current?.focus();
    formWasOpen.current = editing !== null;
  }, [editing]);
  return { editing, setEditing, newButton };
}
