import { useQuery } from '@tanstack/react-query';
import type { Environment } from '@migrator/api-client';
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';

import { api, unwrap } from '../api/client';

const storageKey = 'migrator.environmentId';

interface Selection {
  environments: Environment[];
  /** The environment chosen in the header; '' for all of them. */
  selectedId: string;
  selected: Environment | undefined;
  select(id: string): void;
}

const SelectionContext = createContext<Selection | null>(null);

/** The environments every page names, read once and shared. */
export function useEnvironments() {
  return useQuery({ queryKey: ['environments', 'list'], queryFn: async () => (await unwrap(api.GET('/api/v1/environments', { params: { query: {} } }))).items });
}

function stored(): string {
  try {
    return window.localStorage.getItem(storageKey) ?? '';
  } catch {
    return '';
  }
}

/** The header's environment, remembered in this browser. */
export function SelectedEnvironmentProvider({ children }: { children: ReactNode }) {
  const environments = useEnvironments();
  const [selectedId, setSelectedId] = useState(stored);
  const select = useCallback((id: string) => {
    setSelectedId(id);
    try {
      if (id) window.localStorage.setItem(storageKey, id);
      else window.localStorage.removeItem(storageKey);
    } catch {
      // Storage refused (private mode): the choice lasts for this tab.
    }
  }, []);
  const value = useMemo<Selection>(() => {
    const list = environments.data ?? [];
    return { environments: list, selectedId, selected: list.find((e) => e.id === selectedId), select };
  }, [environments.data, selectedId, select]);
  return <SelectionContext.Provider value={value}>{children}</SelectionContext.Provider>;
}

export function useSelectedEnvironment(): Selection {
  const value = useContext(SelectionContext);
  if (!value) throw new Error('useSelectedEnvironment needs SelectedEnvironmentProvider.');
  return value;
}
