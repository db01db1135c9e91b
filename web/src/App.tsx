import { createBrowserRouter, RouterProvider } from 'react-router';

import { Shell } from './layout/Shell';
import { Audit } from './pages/Audit';
import { Environments } from './pages/Environments';
import { Execution } from './pages/Execution';
import { Executions } from './pages/Executions';
import { Jobs } from './pages/Jobs';
import { SignIn } from './pages/SignIn';
import { Sources } from './pages/Sources';
import { Tokens } from './pages/Tokens';

const router = createBrowserRouter([
  { path: '/sign-in', element: <SignIn /> },
  {
    element: <Shell />,
    children: [
      { index: true, element: <Executions /> },
      { path: 'executions/:id', element: <Execution /> },
      { path: 'jobs', element: <Jobs /> },
      { path: 'sources', element: <Sources /> },
      { path: 'environments', element: <Environments /> },
      { path: 'tokens', element: <Tokens /> },
      { path: 'audit', element: <Audit /> },
    ],
  },
]);

export function App() {
  return <RouterProvider router={router} />;
}
