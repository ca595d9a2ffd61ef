/**
 * Components whose code loads on first use, as a chunk of its own: the dialogs and pickers no
 * page shows when it opens. The first load of the app then fetches and evaluates less before
 * anything can paint, and a dialog costs a short fetch the first time it opens (the modules are
 * then held, so later openings are immediate).
 *
 * Meant for things that float above the page (modal dialogs, rendered into `body`): while the
 * chunk loads nothing is shown in their place (a `null` fallback), so nothing on the page moves.
 * Render one only while it is open: rendering it starts the load. A dialog moves focus in when it
 * mounts, i.e. once its code is there; focus stays on what opened it meanwhile, so it still goes
 * back there on close.
 *
 * If the chunk cannot be loaded (offline, or a new deployment replaced it), nothing shows, the
 * component's `onClose` is called so its opener works again, and the next render tries again.
 */
import { Component, lazy, Suspense, type ComponentType, type LazyExoticComponent, type ReactNode } from 'react';

interface Closable {
  onClose?: () => void;
}

/** Renders nothing after a failed load and tells the component's owner, once. */
class LoadFailure extends Component<{ onFailure: () => void; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError() {
    return { failed: true };
  }

  override componentDidCatch(error: unknown) {
    console.error('a part loaded on demand failed to load or render', error);
    this.props.onFailure();
  }

  override render() {
    return this.state.failed ? null : this.props.children;
  }
}

/** `load` resolves to the component, e.g. `() => import('./SearchDialog').then((m) => m.SearchDialog)`. */
export function onDemand<P extends Closable>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  const makeLazy = () => lazy(async () => ({ default: await load() }));
  // Replaced after a failure: React keeps a lazy component's rejected load for good.
  let Loaded: LazyExoticComponent<ComponentType<P>> = makeLazy();
  function OnDemand(props: P) {
    return (
      <LoadFailure
        onFailure={() => {
          Loaded = makeLazy();
          props.onClose?.();
        }}
      >
        <Suspense fallback={null}>
          <Loaded {...props} />
        </Suspense>
      </LoadFailure>
    );
  }
  return OnDemand;
}
