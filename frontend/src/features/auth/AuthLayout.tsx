import type { ReactNode } from 'react';
import { Link } from 'react-router';

/** The centred card shared by the sign-in and sign-up pages. */
export function AuthLayout({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="auth-page">
      <title>{`${title} · GoChat`}</title>
      <main className="auth-card">
        <Link to="/" className="brand brand--large">
          <span className="brand__mark" aria-hidden="true" />
          GoChat
        </Link>
        <h1 className="auth-card__title">{title}</h1>
        {children}
      </main>
      <footer className="auth-page__footer">
        <Link to="/status">System status</Link>
      </footer>
    </div>
  );
}
