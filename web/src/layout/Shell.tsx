import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router';

import { api, unwrap } from '../api/client';
import { type Me, useMe } from '../auth/useMe';
import { EnvironmentSwitcher } from '../environment/EnvironmentSwitcher';
import { SelectedEnvironmentProvider } from '../environment/SelectedEnvironment';
import { FeedNotice, StatusFeedProvider } from '../live/StatusFeed';

const sections = [
  { to: '/', label: 'Executions', end: true },
  { to: '/jobs', label: 'Jobs' },
  { to: '/sources', label: 'Sources' },
  { to: '/environments', label: 'Environments' },
  { to: '/schedules', label: 'Schedules' },
  { to: '/notifications', label: 'Notifications', admin: true },
  { to: '/tokens', label: 'Tokens', admin: true },
  { to: '/audit', label: 'Audit', admin: true },
];

/** The frame of every signed-in page: who is signed in, the sections, sign-out. */
export function Shell() {
  const me = useMe();
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();

  // A session that ended sends the operator to sign in, and back here afterwards.
  useEffect(() => {
    const toSignIn = () => navigate(`/sign-in?returnTo=${encodeURIComponent(location.pathname + location.search + location.hash)}`, { replace: true });
    if (me.data === null) toSignIn();
    window.addEventListener('migrator:signed-out', toSignIn);
    return () => window.removeEventListener('migrator:signed-out', toSignIn);
  }, [me.data, navigate, location]);

  if (me.isPending) return <p className="loading">Loading…</p>;
  if (me.isError) return <p role="alert">The API could not be reached: {me.error.message}. It retries; check that the API runs.</p>;
  if (!me.data) return null;

  const signOut = async () => {
    await unwrap(api.DELETE('/api/v1/session')).catch(() => undefined);
    queryClient.clear();
    navigate('/sign-in', { replace: true });
  };

  return (
    <StatusFeedProvider>
      <SelectedEnvironmentProvider>
        <ShellFrame me={me.data} signOut={signOut} />
      </SelectedEnvironmentProvider>
    </StatusFeedProvider>
  );
}

function ShellFrame({ me, signOut }: { me: Me; signOut: () => Promise<void> }) {
  return (
    <>
      <header className="shell-header">
        <span className="brand">Migrator</span>
        <nav aria-label="Sections">
          <ul>
            {sections
              .filter((s) => !s.admin || me.role === 'admin')
              .map((s) => (
                <li key={s.to}>
                  <NavLink to={s.to} end={s.end}>
                    {s.label}
                  </NavLink>
                </li>
              ))}
          </ul>
        </nav>
        <EnvironmentSwitcher />
        <span className="who">
          Signed in as <strong>{me.login}</strong> ({me.role})
        </span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <FeedNotice />
      <main>
        <Outlet />
      </main>
    </>
  );
}
