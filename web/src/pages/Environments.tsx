import type { Environment } from '@migrator/api-client';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import { CatalogForm } from '../catalog/CatalogForm';
import { CatalogPage, type CatalogFormProps } from '../catalog/CatalogPage';
import { checkEnvironment, environments } from '../catalog/catalogApi';
import { type CheckState, EnvironmentCheckReport } from '../catalog/EnvironmentCheckReport';
import { CheckboxField, numberOrUndefined, TextField, textOrNull } from '../catalog/fields';
import { useRole } from '../catalog/useRole';

/** Environments: where executions run, and how the worker reaches them. */
export function Environments() {
  const { isAdmin } = useRole();
  const [checks, setChecks] = useState<Record<string, CheckState>>({});
  const queryClient = useQueryClient();
  const check = async (env: Environment, announce: (message: string) => void) => {
    setChecks((c) => ({ ...c, [env.id]: { state: 'running' } }));
    announce(`Checking ${env.name}…`);
    try {
      const report = await checkEnvironment(env.id);
      setChecks((c) => ({ ...c, [env.id]: { state: 'done', report } }));
      // A first check pins the key: the list shows it from now on.
      if (report.pinnedNow) void queryClient.invalidateQueries({ queryKey: ['catalog', environments.key] });
      announce(`Check of ${env.name} done${report.pinnedNow ? ': its host key is pinned now' : ''}. The report is under its row.`);
    } catch (error) {
      setChecks((c) => ({ ...c, [env.id]: { state: 'failed', error } }));
      announce(`Check of ${env.name} failed. The reason is under its row.`);
    }
  };

  return (
    <CatalogPage
      title="Environments"
      noun="environment"
      kind={environments}
      intro="An environment is an SSH host executions run on. Check one to see that a worker reaches it; the first check pins its host key."
      columns={[
        { header: 'Host', cell: (e) => `${e.username}@${e.host}:${e.port}` },
        { header: 'Kind', cell: (e) => (e.production ? <strong className="production">production</strong> : 'not production') },
        { header: 'Host key', cell: (e) => (e.hostKeyFingerprint ? <code>{e.hostKeyFingerprint}</code> : 'not pinned yet') },
        { header: 'At once', cell: (e) => e.maxConcurrency },
      ]}
      empty={{ admin: 'No environments yet. Create one with “New environment”, then Check it.', others: 'No environments yet. An admin creates them.' }}
      rowActions={(env, announce) =>
        isAdmin && (
          <button type="button" aria-label={`Check ${env.name}`} disabled={checks[env.id]?.state === 'running'} onClick={() => void check(env, announce)}>
            Check
          </button>
        )
      }
      rowDetails={(env) => checks[env.id] && <EnvironmentCheckReport name={env.name} check={checks[env.id]!} />}
      Form={EnvironmentForm}
    />
  );
}

const text = (v: string | number | null | undefined) => (v === null || v === undefined ? '' : String(v));

function EnvironmentForm({ editing, onSaved, onCancel }: CatalogFormProps<Environment>) {
  const [v, setV] = useState({
    name: text(editing?.name),
    host: text(editing?.host),
    port: text(editing?.port ?? 22),
    username: text(editing?.username),
    privateKeyPath: text(editing?.privateKeyPath),
    passphraseEnv: text(editing?.passphraseEnv),
    useAgent: editing?.useAgent ?? false,
    hostKeyFingerprint: text(editing?.hostKeyFingerprint),
    nodePath: text(editing?.nodePath),
    shellInit: text(editing?.shellInit),
    production: editing?.production ?? false,
    maxConcurrency: text(editing?.maxConcurrency ?? 1),
    approvalTimeoutSeconds: text(editing?.approvalTimeoutSeconds ?? 86400),
  });
  const field = (key: Exclude<keyof typeof v, 'useAgent' | 'production'>) => ({ path: key, value: v[key], onChange: (value: string) => setV((s) => ({ ...s, [key]: value })) });
  const flag = (key: 'useAgent' | 'production') => ({ path: key, checked: v[key], onChange: (checked: boolean) => setV((s) => ({ ...s, [key]: checked })) });

  const save = () => {
    const body = {
      name: v.name,
      host: v.host,
      port: numberOrUndefined(v.port),
      username: v.username,
      privateKeyPath: textOrNull(v.privateKeyPath),
      passphraseEnv: textOrNull(v.passphraseEnv),
      useAgent: v.useAgent,
      hostKeyFingerprint: textOrNull(v.hostKeyFingerprint),
      nodePath: textOrNull(v.nodePath),
      shellInit: textOrNull(v.shellInit),
      production: v.production,
      maxConcurrency: numberOrUndefined(v.maxConcurrency),
      approvalTimeoutSeconds: numberOrUndefined(v.approvalTimeoutSeconds),
    };
    return editing ? environments.patch(editing.id, body) : environments.create(body);
  };

  return (
    <CatalogForm noun="environment" editing={editing} save={save} onSaved={onSaved} onCancel={onCancel}>
      <TextField label="Name" {...field('name')} required />
      <TextField label="Host" {...field('host')} required hint="Host name or IP address the workers connect to." />
      <TextField label="Port" type="number" {...field('port')} />
      <TextField label="User name" {...field('username')} required />
      <TextField label="Private key file" {...field('privateKeyPath')} hint="A key file in the workers’ SSH key directory; leave empty to use the SSH agent." />
      <TextField label="Passphrase variable" {...field('passphraseEnv')} hint="The workers’ environment variable holding the key’s passphrase, if it has one." />
      <CheckboxField label="Use the workers’ SSH agent" {...flag('useAgent')} />
      <TextField
        label="Host key fingerprint"
        {...field('hostKeyFingerprint')}
        hint="SHA256:… as ssh-keygen -lf prints it. Leave empty and the first Check pins the key the host presents."
      />
      <TextField label="Node path" {...field('nodePath')} hint="Absolute path of node on the host, for node jobs (non-interactive shells do not see nvm)." />
      <TextField label="Shell setup" {...field('shellInit')} multiline hint="Run before each script, e.g. . &quot;$HOME/.nvm/nvm.sh&quot;" />
      <CheckboxField label="Production" {...flag('production')} hint="Executions here need the environment’s name typed back and a second person’s approval." />
      <TextField label="Executions at once" type="number" {...field('maxConcurrency')} />
      <TextField label="Approval timeout (seconds)" type="number" {...field('approvalTimeoutSeconds')} />
    </CatalogForm>
  );
}
