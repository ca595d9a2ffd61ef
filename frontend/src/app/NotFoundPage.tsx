import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <main className="center-screen center-screen--column">
      <title>Not found · GoChat</title>
      <h1>Page not found</h1>
      <p className="muted">There is nothing at this address.</p>
      <Link to="/" className="button button--primary">
        Go home
      </Link>
    </main>
  );
}
