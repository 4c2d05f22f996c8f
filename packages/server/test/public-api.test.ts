/**
 * The public surface, said once: the root holds what an app calls, every error class lives in
 * `@gatehouse/server/errors`, `GatehouseErrorCode` is exactly the codes the classes carry, and
 * the adapters spell their extras alike. A name added to an entry point fails here until it is
 * added to its list below (and to the changelog).
 */
import * as root from '@gatehouse/server';
import {
  GatehouseError,
  isGatehouseError,
  type GatehouseErrorCode,
  type Principal,
} from '@gatehouse/server';
import * as errors from '@gatehouse/server/errors';
import {
  ConfigError,
  InsufficientScopeError,
  SessionExpiredError,
  StateMismatchError,
} from '@gatehouse/server/errors';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, expectTypeOf, test } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '../src');

/** Every name an entry point exports, types included, as TypeScript sees it. */
function compile(...files: string[]): { program: ts.Program; checker: ts.TypeChecker } {
  const program = ts.createProgram(
    files.map((file) => join(SRC, file)),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      customConditions: ['@gatehouse/source'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    },
  );
  return { program, checker: program.getTypeChecker() };
}

function moduleExports(program: ts.Program, checker: ts.TypeChecker, file: string): ts.Symbol[] {
  const source = program.getSourceFile(join(SRC, file));
  const symbol = source && checker.getSymbolAtLocation(source);
  if (!symbol) throw new Error(`${file} is not a module`);
  return checker.getExportsOfModule(symbol);
}

const { program, checker } = compile('index.ts', 'errors.ts');

/** The root: what an app calls. Values and types, sorted. */
const ROOT = [
  'AuthLevel',
  'AuthorizeOptions',
  'BearerPrincipal',
  'Claims',
  'ClaimsPredicate',
  'Config',
  'ConfigError',
  'ENV_NAMES',
  'Gatehouse',
  'GatehouseError',
  'GatehouseErrorCode',
  'GatehouseLogger',
  'GatehouseMetrics',
  'GatehouseOptions',
  'GatehouseRequest',
  'GatehouseResponse',
  'LogFn',
  'MemoryStore',
  'MetricsOptions',
  'OptionNames',
  'Principal',
  'ProviderOptions',
  'Readiness',
  'RouteHandler',
  'RoutePaths',
  'Rule',
  'SessionPrincipal',
  'SessionRecord',
  'SessionStore',
  'SessionUser',
  'channels',
  'createGatehouse',
  'defaults',
  'gatehouseMetrics',
  'isGatehouseError',
  'optionsFromEnv',
  'parseConfig',
  'requireAuthLevel',
  'requireClaims',
  'requireGroup',
  'requireProvider',
  'requireScope',
];

/** The root's values: ROOT without the types. */
const ROOT_VALUES = [
  'ConfigError',
  'ENV_NAMES',
  'GatehouseError',
  'MemoryStore',
  'channels',
  'createGatehouse',
  'defaults',
  'gatehouseMetrics',
  'isGatehouseError',
  'optionsFromEnv',
  'parseConfig',
  'requireAuthLevel',
  'requireClaims',
  'requireGroup',
  'requireProvider',
  'requireScope',
];

const RULES = [
  'requireAuthLevel',
  'requireClaims',
  'requireGroup',
  'requireProvider',
  'requireScope',
];

/**
 * Each adapter's values: `gatehouse<Host>` serves the routes; `requireAuth` and `optionalAuth`
 * guard the app's; `gatehouseErrorHandler` and `gatehouseCors` are the same concept under the
 * same name wherever the host needs them; the rules; the host's request and response mapping.
 */
const ADAPTERS: Record<string, string[]> = {
  express: ['gatehouseErrorHandler', 'gatehouseExpress', 'optionalAuth', 'requireAuth', ...RULES],
  fastify: [
    'gatehouseAuth',
    'gatehouseCors',
    'gatehouseFastify',
    'optionalAuth',
    'requireAuth',
    ...RULES,
  ],
  hono: [
    'fromWebRequest',
    'gatehouseErrorHandler',
    'gatehouseHono',
    'optionalAuth',
    'requireAuth',
    ...RULES,
    'toWebResponse',
  ],
  node: [
    'gatehouseCors',
    'gatehouseNode',
    'optionalAuth',
    'readNodeBody',
    'requireAuth',
    ...RULES,
    'writeNodeResponse',
  ],
  next: ['fromWebRequest', 'gatehouseNext', ...RULES, 'toWebResponse'],
};

const sorted = (names: Iterable<string>) => [...names].sort();

/** The error classes: every export of the errors entry that is GatehouseError or extends it. */
const errorClasses = Object.entries(errors).filter(
  (entry): entry is [string, typeof GatehouseError] =>
    typeof entry[1] === 'function' &&
    (entry[1] === GatehouseError || entry[1].prototype instanceof GatehouseError),
);

/** The code a class's instances carry (a field, so a bare construction tells it). */
const codeOf = (Class: typeof GatehouseError): string =>
  (Reflect.construct(Class, []) as GatehouseError).code;

describe('the root holds what an app calls', () => {
  test('exactly these names, types included: an accidental export fails here', () => {
    const names = moduleExports(program, checker, 'index.ts').map((symbol) => symbol.name);
    expect(sorted(names)).toEqual(sorted(ROOT));
  });

  test('exactly these values at run time', () => {
    expect(sorted(Object.keys(root))).toEqual(sorted(ROOT_VALUES));
  });

  test('no error class but the GatehouseError base and ConfigError: they live in /errors', () => {
    const atRoot = Object.keys(root).filter((name) => /^[A-Z]\w*Error$/.test(name));
    expect(sorted(atRoot)).toEqual(['ConfigError', 'GatehouseError']);
    expect(errorClasses.length).toBeGreaterThan(30);
    for (const [name] of errorClasses) {
      if (name !== 'GatehouseError') expect(root).not.toHaveProperty(name);
    }
  });
});

describe('@gatehouse/server/errors', () => {
  test('holds every error class, ConfigError, isGatehouseError and GatehouseErrorCode: nothing else', () => {
    const values = Object.keys(errors).filter(
      (name) => !errorClasses.some(([className]) => className === name),
    );
    expect(sorted(values)).toEqual(['ConfigError', 'isGatehouseError']);
    const types = moduleExports(program, checker, 'errors.ts')
      .filter((symbol) => symbol.flags & ts.SymbolFlags.TypeAlias)
      .map((symbol) => symbol.name);
    expect(types).toEqual(['GatehouseErrorCode']);
  });

  test('GatehouseErrorCode is exactly the codes of the classes: none missing, none stale, none shared', () => {
    const alias = moduleExports(program, checker, 'errors.ts').find(
      (symbol) => symbol.name === 'GatehouseErrorCode',
    )!;
    const union = checker.getDeclaredTypeOfSymbol(alias);
    const declared = (union.isUnion() ? union.types : [union]).map(
      (member) => (member as ts.StringLiteralType).value,
    );
    const carried = errorClasses.map(([, Class]) => codeOf(Class));
    expect(new Set(carried).size).toBe(carried.length); // one class per failure
    expect(sorted(carried)).toEqual(sorted(declared));
    for (const code of declared) expect(code).toMatch(/^ERR_[A-Z_]+$/);
  });

  test('the same classes as the root: GatehouseError and ConfigError are one class each', () => {
    expect(errors.GatehouseError).toBe(root.GatehouseError);
    expect(errors.ConfigError).toBe(root.ConfigError);
    expect(errors.isGatehouseError).toBe(root.isGatehouseError);
  });
});

describe('isGatehouseError', () => {
  test('narrows to the code it was asked about (type level)', () => {
    const error: unknown = new InsufficientScopeError('orders:read', 'Needs orders:read.');
    if (isGatehouseError(error, 'ERR_INSUFFICIENT_SCOPE')) {
      expectTypeOf(error.code).toEqualTypeOf<'ERR_INSUFFICIENT_SCOPE'>();
      expectTypeOf(error.status).toEqualTypeOf<number>();
    }
    if (isGatehouseError(error)) expectTypeOf(error).toEqualTypeOf<GatehouseError>();
    expectTypeOf<GatehouseError['code']>().toEqualTypeOf<GatehouseErrorCode>();
    expectTypeOf<SessionExpiredError['code']>().toEqualTypeOf<'ERR_SESSION_EXPIRED'>();
    expectTypeOf<ConfigError['code']>().toEqualTypeOf<'ERR_CONFIG'>();
    expectTypeOf<'ERR_SESSION_EXPIRED'>().toExtend<GatehouseErrorCode>();
    expectTypeOf<'ERR_CONFIG'>().not.toExtend<GatehouseErrorCode>();
    // @ts-expect-error a code no error carries is refused at compile time
    isGatehouseError(error, 'ERR_NO_SUCH_CODE');
  });

  test('tells a Gatehouse error, and one with a given code, from anything else (run time)', () => {
    const expired = new SessionExpiredError('Your session has ended.');
    expect(isGatehouseError(expired)).toBe(true);
    expect(isGatehouseError(expired, 'ERR_SESSION_EXPIRED')).toBe(true);
    expect(isGatehouseError(expired, 'ERR_STATE_MISMATCH')).toBe(false);
    expect(isGatehouseError(new StateMismatchError('x'), 'ERR_STATE_MISMATCH')).toBe(true);
    expect(isGatehouseError(new GatehouseError('x'), 'ERR_GATEHOUSE')).toBe(true);
    // A look-alike is not ours: the code alone proves nothing.
    const lookAlike = Object.assign(new Error('x'), { code: 'ERR_SESSION_EXPIRED', status: 401 });
    expect(isGatehouseError(lookAlike)).toBe(false);
    expect(isGatehouseError(lookAlike, 'ERR_SESSION_EXPIRED')).toBe(false);
    expect(isGatehouseError(new ConfigError('SESSION_SECRET is missing'))).toBe(false);
    for (const value of [undefined, null, 'ERR_SESSION_EXPIRED', 401, {}]) {
      expect(isGatehouseError(value)).toBe(false);
    }
  });

  test('knows an error made by another copy of the module (a Next.js bundle of its own)', async () => {
    const copy = './../src/errors.js?another-bundle';
    const other = (await import(/* @vite-ignore */ copy)) as typeof errors;
    expect(other.SessionExpiredError).not.toBe(SessionExpiredError); // a copy indeed
    const error: unknown = new other.SessionExpiredError('Your session has ended.');
    expect(error instanceof GatehouseError).toBe(false);
    expect(isGatehouseError(error, 'ERR_SESSION_EXPIRED')).toBe(true);
    expect(other.isGatehouseError(new SessionExpiredError('x'), 'ERR_SESSION_EXPIRED')).toBe(true);
  });
});

describe('the adapters spell their extras alike', () => {
  test.each(Object.entries(ADAPTERS))(
    '@gatehouse/server/%s exports exactly these',
    async (name, names) => {
      const adapter = (await import(`@gatehouse/server/${name}`)) as Record<string, unknown>;
      expect(sorted(Object.keys(adapter))).toEqual(sorted(names));
    },
  );
});

test('Principal stays the one caller type the guards resolve to', () => {
  expectTypeOf<Awaited<ReturnType<root.Gatehouse['authorize']>>>().toEqualTypeOf<Principal>();
});
