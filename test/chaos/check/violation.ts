/** One broken rule, with the command it concerns when there is one. */
export interface Violation {
  readonly kind: string;
  readonly commandId?: string;
  readonly detail: string;
}

export const violation = (kind: string, detail: string, commandId?: string): Violation => ({
  kind,
  detail,
  ...(commandId === undefined ? {} : { commandId }),
});
