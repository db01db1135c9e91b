import type { Environment } from '@migrator/api-client';

/** An environment's name, production said in red words (not by colour alone). */
export function EnvironmentName({ environment, fallback }: { environment: Environment | undefined; fallback: string }) {
  if (!environment) return <>{fallback}</>;
  if (!environment.production) return <>{environment.name}</>;
  return (
    <>
      {environment.name} <strong className="production">production</strong>
    </>
  );
}
