import { useQuery } from '@tanstack/react-query';

import { api, ProblemError, unwrap } from '../api/client';

/** Who is signed in; `null` when nobody is (the session ended or never began). */
export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: async () => {
      try {
        return await unwrap(api.GET('/api/v1/me'));
      } catch (err) {
        if (err instanceof ProblemError && err.status === 401) return null;
        throw err;
      }
    },
    staleTime: 60_000,
  });
}

export type Me = NonNullable<ReturnType<typeof useMe>['data']>;
