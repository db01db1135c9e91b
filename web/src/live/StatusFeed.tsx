import { type InfiniteData, type QueryClient, useQueryClient } from '@tanstack/react-query';
import type { Execution, ExecutionListItem } from '@migrator/api-client';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';

/** What the list-wide feed says about one execution (GET /api/v1/executions/events). */
interface StatusChange {
  id: string;
  status?: Execution['status'];
  progress?: Execution['progress'];
}

export type FeedState = 'connecting' | 'live' | 'lost';

const FeedContext = createContext<FeedState>('connecting');

/** Whether the page hears status changes as they happen, or has lost the connection. */
export function useFeedState(): FeedState {
  return useContext(FeedContext);
}

interface ListPage {
  items: ExecutionListItem[];
  nextCursor: string | null;
}

function patchLists(queryClient: QueryClient, change: StatusChange): void {
  queryClient.setQueriesData<InfiniteData<ListPage>>({ queryKey: ['executions'] }, (data) =>
    data && {
      ...data,
      pages: data.pages.map((page) => ({
        ...page,
        items: page.items.map((item) => (item.id === change.id ? { ...item, ...(change.status ? { status: change.status } : {}), ...(change.progress ? { progress: change.progress } : {}) } : item)),
      })),
    },
  );
  queryClient.setQueryData<Execution>(['execution', change.id], (old) =>
    old && { ...old, ...(change.status ? { status: change.status } : {}), ...(change.progress ? { progress: change.progress } : {}) },
  );
}

/**
 * One EventSource per tab on the list-wide status feed: each change patches what is on screen
 * at once, then the affected queries are read again (for actions, timings, queue positions and
 * new rows), a few changes at a time. No page polls.
 */
export function StatusFeedProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<FeedState>('connecting');

  useEffect(() => {
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let refresh: ReturnType<typeof setTimeout> | undefined;
    const touched = new Set<string>();
    // Set when the feed was away: changes in that time were not heard, so the page reads again.
    let missed = false;

    const refreshSoon = (id?: string) => {
      if (id) touched.add(id);
      refresh ??= setTimeout(() => {
        refresh = undefined;
        for (const t of touched) void queryClient.invalidateQueries({ queryKey: ['execution', t] });
        touched.clear();
        void queryClient.invalidateQueries({ queryKey: ['executions'] });
      }, 250);
    };
    const resyncAll = () => {
      void queryClient.invalidateQueries({ queryKey: ['execution'] });
      void queryClient.invalidateQueries({ queryKey: ['executions'] });
    };

    const connect = () => {
      source = new EventSource('/api/v1/executions/events', { withCredentials: true });
      source.addEventListener('ready', () => {
        setState('live');
        if (missed) resyncAll();
        missed = false;
      });
      source.addEventListener('status', (event) => {
        const change = JSON.parse((event as MessageEvent<string>).data) as StatusChange;
        patchLists(queryClient, change);
        refreshSoon(change.id);
      });
      source.addEventListener('progress', (event) => {
        patchLists(queryClient, JSON.parse((event as MessageEvent<string>).data) as StatusChange);
      });
      source.addEventListener('resync', resyncAll);
      source.addEventListener('unauthenticated', () => {
        source?.close();
        window.dispatchEvent(new CustomEvent('migrator:signed-out'));
      });
      source.onerror = () => {
        missed = true;
        setState('lost');
        // The browser retries a dropped stream by itself; a refused one (closed) is retried here.
        if (source?.readyState === EventSource.CLOSED) {
          retry = setTimeout(connect, 3000);
        }
      };
    };
    connect();
    return () => {
      source?.close();
      clearTimeout(retry);
      clearTimeout(refresh);
    };
  }, [queryClient]);

  return <FeedContext.Provider value={state}>{children}</FeedContext.Provider>;
}

/** Shown while live updates are away: what is on screen may be old, and it comes back by itself. */
export function FeedNotice() {
  const state = useFeedState();
  return (
    <div role="status" className="feed-notice">
      {state === 'lost' ? 'Connection to the server lost: live updates are paused and resume by themselves when it is back.' : ''}
    </div>
  );
}
