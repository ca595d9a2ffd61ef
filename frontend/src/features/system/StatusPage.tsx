import { useEffect } from 'react';
import { AppHeader } from '../../app/AppHeader';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import {
  SERVICES,
  checkAllServices,
  selectReachableCount,
  selectServiceChecks,
  type ServiceCheck,
} from './systemSlice';

/** Pause between the end of one round of checks and the start of the next. */
export const POLL_INTERVAL_MS = 5_000;

const LABELS: Record<ServiceCheck['reachability'], string> = {
  unknown: 'Checking…',
  reachable: 'Reachable',
  unreachable: 'Unreachable',
};

/** Which gateway routes answer, re-checked every few seconds while the page is open. */
export function StatusPage() {
  const dispatch = useAppDispatch();
  const checks = useAppSelector(selectServiceChecks);
  const reachable = useAppSelector(selectReachableCount);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const round = async () => {
      await dispatch(checkAllServices());
      if (!stopped) timer = setTimeout(round, POLL_INTERVAL_MS);
    };
    void round();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [dispatch]);

  return (
    <>
      <title>System status · GoChat</title>
      <AppHeader />
      <main className="page">
        <div className="page__heading">
          <div>
            <h1>System status</h1>
            <p className="muted" aria-live="polite">
              {reachable} of {SERVICES.length} services answer through the gateway.
            </p>
          </div>
          <button type="button" className="button" onClick={() => dispatch(checkAllServices())}>
            Check now
          </button>
        </div>
        <div className="panel">
          <table className="status-table">
            <caption className="visually-hidden">Version endpoint of each service</caption>
            <thead>
              <tr>
                <th scope="col">Route</th>
                <th scope="col">Service</th>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {SERVICES.map((name) => {
                const check = checks[name];
                return (
                  <tr
                    key={name}
                    data-testid={`service-${name}`}
                    data-status={check.reachability}
                    aria-busy={check.checking}
                  >
                    <th scope="row" data-label="Route">
                      <code>{check.route}</code>
                    </th>
                    <td data-label="Service">{check.service ?? '—'}</td>
                    <td data-label="Version">{check.version ?? '—'}</td>
                    <td data-label="Status">
                      <span className={`badge badge--${check.reachability}`}>
                        {LABELS[check.reachability]}
                      </span>
                      {check.reachability === 'unreachable' && check.error && (
                        <span className="status-table__error">{check.error}</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </main>
    </>
  );
}
