import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The console's build, made once if `npm run build` has not (e.g. `npm run jest -- console`). */
export function ensureConsoleBuilt(): void {
  if (existsSync(join(process.cwd(), 'apps', 'console', 'dist', 'index.html'))) return;
  execFileSync('npm', ['run', 'build', '--silent', '-w', '@ratchet/console'], { stdio: 'inherit' });
}
