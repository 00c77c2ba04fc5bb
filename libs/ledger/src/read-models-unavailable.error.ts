/** A query that needs the read models, on a module configured without them. */
export class ReadModelsUnavailableError extends Error {
  override readonly name = 'ReadModelsUnavailableError';
  constructor(query: string) {
    super(
      `${query} reads the read models, and RatchetModule has none: pass \`readModels\` ` +
        '(createPgliteReadModelStore or createPostgresReadModelStore from @ratchet/read-models)',
    );
  }
}
