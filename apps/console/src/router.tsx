import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** The console lives under /console/; its pages are paths below it (history API, no hash). */
export const BASE = '/console';

export interface Location {
  readonly path: string;
  readonly search: URLSearchParams;
}

const current = (): Location => ({
  path: location.pathname.replace(/^\/console\/?/, '/').replace(/\/+$/, '') || '/',
  search: new URLSearchParams(location.search),
});

const listeners = new Set<() => void>();
addEventListener('popstate', () => listeners.forEach((l) => l()));

export function navigate(to: string, replace = false): void {
  const url = `${BASE}${to.startsWith('/') ? to : `/${to}`}`;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  listeners.forEach((l) => l());
  if (!replace) scrollTo(0, 0);
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    listeners.add(update);
    return () => listeners.delete(update);
  }, []);
  return loc;
}

export function Link(props: {
  to: string;
  class?: string;
  title?: string;
  children: ComponentChildren;
}) {
  return (
    <a
      href={`${BASE}${props.to}`}
      class={props.class}
      title={props.title}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}
