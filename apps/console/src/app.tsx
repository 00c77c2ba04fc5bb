import { useState } from 'preact/hooks';
import { tokenChanged } from './api/auth-state';
import { readToken, saveToken } from './api/token';
import { HealthStrip } from './components/health-strip';
import { TokenDialog } from './components/token-dialog';
import { CommandPage } from './pages/command-page';
import { CommandsPage } from './pages/commands-page';
import { DevicePage } from './pages/device-page';
import { FleetPage } from './pages/fleet-page';
import { FleetsPage } from './pages/fleets-page';
import { Link, navigate, useLocation } from './router';

function Page() {
  const { path } = useLocation();
  const [, section, id] = path.split('/');
  if (path === '/') return <CommandsPage />;
  if (section === 'commands' && id) return <CommandPage commandId={decodeURIComponent(id)} />;
  if (section === 'devices' && id) return <DevicePage deviceId={decodeURIComponent(id)} />;
  if (section === 'fleets' && id) return <FleetPage fleetCommandId={decodeURIComponent(id)} />;
  if (section === 'fleets') return <FleetsPage />;
  return (
    <div class="card">
      <h1>Not found</h1>
      <p>
        Nothing at this address. <Link to="/">All commands</Link>
      </p>
    </div>
  );
}

function DeviceSearch() {
  const [value, setValue] = useState('');
  return (
    <form
      class="device-search"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) navigate(`/devices/${encodeURIComponent(value.trim())}`);
        setValue('');
      }}
    >
      <input
        placeholder="Go to device…"
        value={value}
        aria-label="device id"
        onInput={(e) => setValue((e.target as HTMLInputElement).value)}
      />
    </form>
  );
}

export function App() {
  const { path } = useLocation();
  const at = (prefix: string) =>
    prefix === '/' ? path === '/' || path.startsWith('/commands') : path.startsWith(prefix);
  return (
    <>
      <header class="topbar">
        <div class="brand">
          <span class="logo" aria-hidden="true">
            ◆
          </span>{' '}
          Ratchet
        </div>
        <nav>
          <Link to="/" class={at('/') ? 'active' : ''}>
            Commands
          </Link>
          <Link to="/fleets" class={at('/fleets') ? 'active' : ''}>
            Fleets
          </Link>
        </nav>
        <DeviceSearch />
        <HealthStrip />
        {readToken() && (
          <button
            class="link"
            title="Forget the token of this tab"
            onClick={() => {
              saveToken(null);
              tokenChanged();
            }}
          >
            Sign out
          </button>
        )}
      </header>
      <main>
        <Page />
      </main>
      <TokenDialog />
    </>
  );
}
