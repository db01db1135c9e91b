import type { ReactNode } from 'react';

import { useMe } from '../auth/useMe';

/** Pages for admins only; others who follow a link are told why there is nothing (the server refuses them anyway). */
export function AdminOnly({ title, children }: { title: string; children: ReactNode }) {
  const me = useMe();
  if (me.data?.role === 'admin') return children;
  return (
    <section aria-labelledby="admin-only-title">
      <h1 id="admin-only-title">{title}</h1>
      <p>Only admins see this page. Ask an admin if you need something here.</p>
    </section>
  );
}
