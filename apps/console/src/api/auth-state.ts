import { useEffect, useState } from 'preact/hooks';

/**
 * Whether the ledger wants a token the console does not have (`missing`) or refused the one
 * it sent (`refused`); `epoch` moves when a new token is saved, so that pages load again.
 */
export interface AuthState {
  readonly need: 'none' | 'missing' | 'refused';
  readonly epoch: number;
}

let state: AuthState = { need: 'none', epoch: 0 };
const listeners = new Set<(s: AuthState) => void>();

const set = (next: AuthState) => {
  state = next;
  for (const l of listeners) l(state);
};

export const authNeeded = (refused: boolean) => {
  const need = refused ? 'refused' : 'missing';
  if (state.need !== need) set({ ...state, need });
};
export const tokenChanged = () => set({ need: 'none', epoch: state.epoch + 1 });

export function useAuth(): AuthState {
  const [value, setValue] = useState(state);
  useEffect(() => {
    listeners.add(setValue);
    setValue(state);
    return () => listeners.delete(setValue);
  }, []);
  return value;
}
