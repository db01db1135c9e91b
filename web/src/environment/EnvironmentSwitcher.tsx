import { useLocation, useNavigate } from 'react-router';

import { EnvironmentOptions } from './EnvironmentOptions';
import { useSelectedEnvironment } from './SelectedEnvironment';

/**
 * The header's environment: it filters the executions (into the URL, so a shared link says what
 * it shows) and preselects Run's environment. Production is said in words, in red.
 */
export function EnvironmentSwitcher() {
  const { environments, selectedId, selected, select } = useSelectedEnvironment();
  const location = useLocation();
  const navigate = useNavigate();

  const change = (id: string) => {
    select(id);
    // The Run form takes it as its environment; the executions (list or one of them) show the
    // list of that environment; other pages only remember it.
    const onRun = location.pathname === '/run';
    const onExecutions = location.pathname === '/' || location.pathname.startsWith('/executions/');
    if (!onRun && !onExecutions) return;
    const params = new URLSearchParams(onExecutions && location.pathname !== '/' ? '' : location.search);
    if (id) params.set('environmentId', id);
    else params.delete('environmentId');
    const search = params.toString();
    navigate({ pathname: onRun ? '/run' : '/', search: search ? `?${search}` : '' }, { replace: onRun });
  };

  return (
    <div className="environment-switcher">
      <label htmlFor="current-environment">Current environment</label>
      <select id="current-environment" value={selected ? selectedId : ''} onChange={(e) => change(e.target.value)}>
        <option value="">All environments</option>
        <EnvironmentOptions environments={environments} />
      </select>
      {selected?.production && (
        <strong className="production-warning" role="status">
          Production: {selected.name}
        </strong>
      )}
    </div>
  );
}
