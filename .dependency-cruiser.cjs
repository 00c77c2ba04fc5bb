/**
 * The import direction of DESIGN.md, checked on every test run (`npm run depcheck`).
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'lifecycle-is-pure',
      comment:
        'libs/lifecycle imports nothing but itself (and node:crypto for deterministic ids): no Nest, MQTT, SQL, clock.',
      severity: 'error',
      from: { path: '^libs/lifecycle/src', pathNot: '\\.spec\\.ts$' },
      to: { pathNot: ['^libs/lifecycle/src', '^crypto$', '^node:crypto$'] },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^(apps|test)/' },
    },
    {
      name: 'adapters-stay-below-the-ledger',
      comment: 'the event store, MQTT and read-model libraries never import the ledger module',
      severity: 'error',
      from: { path: '^libs/(event-store|mqtt|read-models)/' },
      to: { path: '^libs/ledger/' },
    },
    {
      name: 'event-store-and-mqtt-are-independent',
      severity: 'error',
      from: { path: '^libs/(event-store|mqtt)/' },
      to: { path: '^libs/(read-models|ledger|mqtt|event-store)/', pathNot: '^libs/$1/' },
    },
    {
      name: 'apps-are-independent',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'packages-through-their-names',
      comment:
        'another package (libs/x, apps/x) is imported by its name (@ratchet/x), never by a relative path into it',
      severity: 'error',
      from: { path: '^(apps|libs)/([^/]+)/' },
      to: { path: '^(apps|libs)/', pathNot: '^$1/$2/', dependencyTypesNot: ['aliased-workspace'] },
    },
    {
      name: 'tests-use-packages-through-their-names',
      severity: 'error',
      from: { path: '^test/' },
      to: { path: '^(apps|libs)/', dependencyTypesNot: ['aliased-workspace'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Each package's manifest merged with the root's, whose `workspaces` make `@ratchet/*`
    // imports 'aliased-workspace' dependencies.
    combinedDependencies: true,
    tsConfig: { fileName: 'test/tsconfig.json' },
    tsPreCompilationDeps: true,
    // Workspace packages resolve to their sources, as in the type check and in Jest.
    enhancedResolveOptions: {
      extensions: ['.ts', '.js'],
      exportsFields: ['exports'],
      conditionNames: ['ratchet-source', 'import', 'node', 'default'],
    },
  },
};
