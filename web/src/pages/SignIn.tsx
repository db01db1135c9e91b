import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';

import { api, ProblemError, unwrap } from '../api/client';
import { safeReturnTo } from '../auth/returnTo';

/** Sign in with an API token; the server answers with a session cookie the page never sees. */
export function SignIn() {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await unwrap(api.POST('/api/v1/session', { body: { token: token.trim() } }));
      // Whatever was read before (as nobody) is stale; who is signed in is known from the answer.
      queryClient.clear();
      queryClient.setQueryData(['me'], { ...me, authenticatedBy: 'session' });
      navigate(safeReturnTo(params.get('returnTo')), { replace: true });
    } catch (err) {
      setError(err instanceof ProblemError ? err.detail : 'The server could not be reached; check your connection and try again.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <h1>Sign in to Migrator</h1>
      <form onSubmit={submit} aria-describedby="sign-in-help">
        <p id="sign-in-help">Paste the API token an admin gave you. It is exchanged for a session; the console does not keep it.</p>
        <label htmlFor="token">API token</label>
        <input id="token" name="token" type="password" autoComplete="off" required value={token} onChange={(e) => setToken(e.target.value)} />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
