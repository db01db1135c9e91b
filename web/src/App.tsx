import { createBrowserRouter, RouterProvider } from 'react-router';

import { RouteError } from './layout/RouteError';
import { Shell } from './layout/Shell';
import { Audit } from './pages/Audit';
import { Environments } from './pages/Environments';
import { Execution } from './pages/Execution';
import { Executions } from './pages/Executions';
import { Jobs } from './pages/Jobs';
import { Notifications } from './pages/Notifications';
import { Run } from './pages/Run';
import { Schedule } from './pages/Schedule';
import { Schedules } from './pages/Schedules';
import { SignIn } from './pages/SignIn';
import { Sources } from './pages/Sources';
import { Tokens } from './pages/Tokens';

const router = createBrowserRouter([
  { path: '/sign-in', element: <SignIn /> },
  {
    element: <Shell />,
    errorElement: <RouteError />,
    children: [
      {
        // A page that breaks keeps the header around its error.
        errorElement: <RouteError />,
        children: [
          { index: true, element: <Executions /> },
          { path: 'executions/:id', element: <Execution /> },
          { path: 'run', element: <Run /> },
          { path: 'jobs', element: <Jobs /> },
          { path: 'sources', element: <Sources /> },
          { path: 'environments', element: <Environments /> },
          { path: 'schedules', element: <Schedules /> },
          { path: 'schedules/:id', element: <Schedule /> },
          { path: 'notifications', element: <Notifications /> },
          { path: 'tokens', element: <Tokens /> },
          { path: 'audit', element: <Audit /> },
        ],
      },
    ],
  },
]);

export function App() {
  return <RouterProvider router={router} />;
}
