import { createBrowserRouter, RouterProvider } from 'react-router';

import { RouteError } from './layout/RouteError';
import { Shell } from './layout/Shell';
import { Execution } from './pages/Execution';
import { Executions } from './pages/Executions';
import { Run } from './pages/Run';
import { SignIn } from './pages/SignIn';

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
        ],
      },
    ],
  },
]);

export function App() {
  return <RouterProvider router={router} />;
}
