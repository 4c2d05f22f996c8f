// The import graph of @gatehouse/server, checked by `npm run lint` (docs/architecture.md).
//
// packages/server/src is cut into layers that follow the protocol's steps. A file may import
// its own layer and the layers below it, never a layer above; and no import cycle anywhere.
// Every source file belongs to exactly one layer: a new folder or top-level file must be
// placed here before lint accepts it.
const SRC = '^packages/server/src/';

/** Lowest first. `paths` are regular expressions relative to packages/server/src. */
const LAYERS = [
  {
    name: 'ground',
    why: 'errors, events, the caller (principal), the session-store contract, the logger contract, the HTTP shapes',
    paths: ['(bounded-map|errors|events|logger|principal|session-store)[.]ts$', 'http/'],
  },
  {
    name: 'config',
    why: 'options, environment variables, defaults, validation: pure data',
    paths: ['config/'],
  },
  {
    name: 'provider',
    why: 'talking to the OpenID provider: discovery, keys, provider calls, Bearer verification',
    paths: ['provider/', 'bearer/'],
  },
  {
    name: 'session',
    why: 'server-side sessions: the store, sealing, cookies, self-service',
    paths: ['session/'],
  },
  {
    name: 'routes',
    why: 'the protocol steps as handlers, and the guard of the app routes',
    paths: ['oidc/', 'guard/', 'remote/'],
  },
  {
    name: 'core',
    why: 'the route table, handle() and createGatehouse()',
    paths: ['(core|gatehouse)[.]ts$'],
  },
  {
    name: 'edge',
    why: 'adapters, entry points, the doctor, metrics, the OpenTelemetry bridge, the test kit',
    paths: ['adapters/', 'doctor/', 'metrics/', 'otel/', 'testing/', 'index[.]ts$'],
  },
];

const pattern = (layer) => layer.paths.map((path) => SRC + path);

const layerRules = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `layer-${layer.name}`,
  severity: 'error',
  comment: `${layer.name} (${layer.why}) may not import the layers above it: ${LAYERS.slice(
    index + 1,
  )
    .map((above) => above.name)
    .join(', ')}`,
  from: { path: pattern(layer) },
  to: { path: LAYERS.slice(index + 1).flatMap(pattern) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Import cycles make the layers meaningless: break them by moving the shared part down.',
      from: { path: SRC },
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'otel-only-in-otel',
      severity: 'error',
      comment:
        '@opentelemetry/api is an optional peer: only the @gatehouse/server/otel entry point may load it.',
      from: { path: SRC, pathNot: SRC + 'otel/' },
      to: { path: '(^|/)node_modules/@opentelemetry/' },
    },
    {
      name: 'in-a-layer',
      severity: 'error',
      comment:
        'Every file of packages/server/src belongs to a layer: add it to .dependency-cruiser.cjs.',
      from: { path: SRC, pathNot: LAYERS.flatMap(pattern) },
      to: { path: '.' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // node_modules stay in the graph as leaves (not followed), for otel-only-in-otel.
    exclude: { path: '^packages/[^/]+/dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'],
    },
  },
};
