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
    const onRun = location.pathname === '/run';
    if (location.pathname !== '/' && !onRun) return;
    const params = new URLSearchParams(location.search);
    if (id) params.set('environmentId', id);
    else params.delete('environmentId');
    const search = params.toString();
    navigate({ pathname: location.pathname, search: search ? `?${search}` : '' }, { replace: onRun });
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
