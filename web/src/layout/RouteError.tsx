import { Link, useRouteError } from 'react-router';

/** What a page that broke shows: the error in words and a way back, instead of a blank screen. */
export function RouteError() {
  const error = useRouteError();
  const message = error instanceof Error ? error.message : 'The page could not be shown.';
  return (
    <section>
      <h1>Something went wrong on this page</h1>
      <p role="alert">{message}</p>
      <p>
        Reload the page to try again, or go back to the <Link to="/">executions</Link>.
      </p>
    </section>
  );
}
