// `npm run docs:config`: writes docs/configuration.md from the settings table and the demo:
//   packages/server/src/config/settings.ts  every setting: option, variable, default, doc comment,
//   packages/server/src/config/defaults.ts  the fixed defaults and their doc comments,
//   apps/demo/server/main.ts                the variables only `npm run serve` reads.
// Values are imported (tsx); doc comments are read from the source (TypeScript's parser).
// `--check` writes nothing and exits 1 when the committed file differs (a test runs it).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const config = join(root, 'packages/server/src/config');
const target = join(root, 'docs/configuration.md');

/** Variables `npm run serve` reads itself (apps/demo/server/main.ts), not options of the library. */
const SERVE_VARIABLES = {
  PORT: [
    "BACKEND_URL's port",
    "listen on another port than BACKEND_URL's (an instance behind a load balancer)",
  ],
  HOST: ['`localhost`', 'the interface to listen on; `0.0.0.0` in a container'],
  METRICS: [
    '`on`; `off` with `NODE_ENV=production`',
    '`on` serves Prometheus metrics at `/metrics`, `off` removes the route; in production it is off unless set to `on`',
  ],
  METRICS_TOKEN: [
    'none',
    'when set, `/metrics` answers only `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise); set it whenever `/metrics` is reachable by others than your scraper',
  ],
  SHUTDOWN_TIMEOUT: [
    '`10`',
    'seconds that in-flight requests get to finish after SIGTERM or SIGINT, before their connections are closed',
  ],
  TRUST_PROXY: [
    'off',
    "whose `X-Forwarded-For` to believe for the client address in request logs: `true`, or proxies' addresses and CIDR ranges, comma-separated",
  ],
  NODE_ENV: [
    '',
    '`production` turns off the localhost conveniences (generated session secret, http BACKEND_URL)',
  ],
  INIT_CWD: [
    '',
    'set by npm: `.env` and relative store paths are resolved from the folder `npm run serve` ran in',
  ],
};

function parse(file) {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
}

function docOf(node) {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const text = docs.map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '').join(' ');
  return text.replace(/\s+/g, ' ').trim();
}

function find(source, predicate) {
  let found;
  const visit = (node) => {
    if (!found && predicate(node)) found = node;
    else if (!found) ts.forEachChild(node, visit);
  };
  visit(source);
  if (!found)
    throw new Error(`config-reference: expected declaration not found in ${source.fileName}`);
  return found;
}

const propertyName = (member) => member.name.getText().replace(/^['"]|['"]$/g, '');

const load = (file) => tsImport(pathToFileURL(join(config, file)).href, import.meta.url);

/**
 * The entries of the object literal `name` declared in `file`, in order; a spread of another
 * table (`...BEARER_SETTINGS`, imported from `./bearer-settings.js`) is read from its own file.
 */
function tableEntries(file, name) {
  const source = parse(join(config, file));
  let literal = find(
    source,
    (node) => ts.isVariableDeclaration(node) && node.name.getText() === name,
  ).initializer;
  while (!ts.isObjectLiteralExpression(literal)) literal = literal.expression;
  return literal.properties.flatMap((property) => {
    if (!ts.isSpreadAssignment(property)) return [property];
    const spread = property.expression.getText();
    const from = find(
      source,
      (node) =>
        ts.isImportDeclaration(node) &&
        node.importClause?.namedBindings?.elements?.some((element) => element.name.text === spread),
    ).moduleSpecifier.text;
    return tableEntries(from.replace(/^\.\//, '').replace(/\.js$/, '.ts'), spread);
  });
}

/** settings.ts: the table's entries in order, each with its doc comment and option type. */
async function readSettings() {
  const { SETTINGS } = await load('settings.ts');
  return tableEntries('settings.ts', 'SETTINGS').map((property) => {
    const name = propertyName(property);
    // The option type is what the parser takes (only options without a variable show it).
    let parser;
    const visit = (node) => {
      if (parser) return;
      if (ts.isMethodDeclaration(node) && propertyName(node) === 'parse') parser = node;
      else if (ts.isPropertyAssignment(node) && propertyName(node) === 'parse')
        parser = ts.isFunctionLike(node.initializer) ? node.initializer : undefined;
      else ts.forEachChild(node, visit);
    };
    visit(property);
    const parameter = parser?.parameters?.[0];
    const type = (parameter?.type?.getText() ?? '').replace(/\s*\|\s*undefined$/, '');
    return { name, doc: docOf(property), type, ...SETTINGS[name] };
  });
}

/** defaults.ts: the fixed defaults' doc comments; the values come from importing the module. */
async function readDefaults() {
  const source = parse(join(config, 'defaults.ts'));
  const call = find(
    source,
    (node) => ts.isVariableDeclaration(node) && node.name.getText() === 'defaults',
  ).initializer;
  const docs = new Map(
    call.arguments[0].properties
      .filter(ts.isPropertyAssignment)
      .map((property) => [propertyName(property), docOf(property)]),
  );
  const { defaults } = await load('defaults.ts');
  return { docs, values: defaults };
}

/** Variables read by main.ts, in order of first use. */
function readServeVariables() {
  const text = readFileSync(join(root, 'apps/demo/server/main.ts'), 'utf8');
  return [...new Set([...text.matchAll(/process\.env\.([A-Z0-9_]+)/g)].map((match) => match[1]))];
}

function duration(seconds) {
  const units = [
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${unit}${n === 1 ? '' : 's'}`;
    }
  }
  return undefined;
}

function formatValue(value, unit) {
  if (Array.isArray(value))
    return value.length ? value.map((item) => `\`${item}\``).join(', ') : 'none';
  if (typeof value === 'number') {
    if (unit !== 'seconds') return `\`${value}\``;
    const human = duration(value);
    return `\`${value}\` s${human ? ` (${human})` : ''}`;
  }
  return `\`${value}\``;
}

const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

function sentence(text) {
  const trimmed = text.trim();
  if (!trimmed) return '';
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

async function generate() {
  const settings = await readSettings();
  const { docs, values } = await readDefaults();

  let out = `# Configuration reference

<!-- Generated by scripts/config-reference.mjs from the settings table (packages/server/src/config/settings.ts),
     packages/server/src/config/defaults.ts and apps/demo/server/main.ts. Do not edit: change those files,
     then run npm run docs:config. -->

Every setting is an environment variable (read by \`npm run serve\`, \`npx gatehouse doctor\` and
\`optionsFromEnv()\`) and an option of \`createGatehouse()\`. The configuration is checked once, at
startup: a mistake stops the server with a message that names the variable. \`npx gatehouse doctor\`
checks the same variables against your provider (see [troubleshooting](troubleshooting.md)).
The provider's variables carry the \`OKTA_\` names of the Okta tutorial Gatehouse grew from; the
issuer, client id and secret, audience and scopes also have a provider-neutral \`OIDC_\` name
(\`OIDC_ISSUER_URL\`, ...), for Auth0, Entra ID, Keycloak or any other OpenID provider.

## Environment variables

| variable | option | default | meaning |
| --- | --- | --- | --- |
`;
  for (const setting of settings.filter((setting) => setting.env)) {
    let fallback = setting.required
      ? 'required'
      : setting.requiredOutsideDev
        ? 'required outside local development'
        : '';
    if (setting.serveDefault !== undefined) {
      fallback = `${formatValue(setting.serveDefault)} (${formatValue(setting.default)} for \`createGatehouse()\`)`;
    } else if (setting.default !== undefined) {
      fallback = formatValue(setting.default, setting.unit);
    }
    const format = setting.read === 'list' ? ' Comma-separated.' : '';
    out += `| \`${setting.env}\` | \`${setting.name}\` | ${cell(fallback)} | ${cell(sentence(setting.doc) + format)} |\n`;
    if (setting.alias) {
      out += `| \`${setting.alias}\` | \`${setting.name}\` | | The provider-neutral name of \`${setting.env}\`: set either one (both only to the same value). |\n`;
    }
  }

  const serveVariables = readServeVariables().filter(
    (name) => !settings.some((setting) => setting.env === name),
  );
  if (serveVariables.length) {
    out += `
## Variables of \`npm run serve\`

Read by the demo backend (\`apps/demo/server/main.ts\`), not by the library.

| variable | default | meaning |
| --- | --- | --- |
`;
    for (const name of serveVariables) {
      const [fallback, meaning] = SERVE_VARIABLES[name] ?? [
        '',
        '(undocumented: describe it in scripts/config-reference.mjs)',
      ];
      out += `| \`${name}\` | ${cell(fallback)} | ${cell(sentence(meaning))} |\n`;
    }
  }

  const programmatic = settings.filter((setting) => !setting.env);
  if (programmatic.length) {
    out += `
## Options without a variable

| option | type | default | meaning |
| --- | --- | --- | --- |
`;
    for (const setting of programmatic) {
      const fallback =
        setting.name === 'routes'
          ? 'see below'
          : setting.default === undefined
            ? ''
            : formatValue(setting.default);
      out += `| \`${setting.name}\` | \`${cell(setting.type)}\` | ${fallback} | ${cell(sentence(setting.doc))} |\n`;
    }
  }

  const routes = settings.find((setting) => setting.name === 'routes');
  if (routes) {
    out += `
## Route paths

${sentence(routes.doc)} Change them with the \`routes\` option.

| route | default path |
| --- | --- |
`;
    for (const [route, path] of Object.entries(routes.default))
      out += `| \`${route}\` | \`${path}\` |\n`;
  }

  const fixed = Object.keys(values).filter(
    (key) => !settings.some((setting) => setting.name === key),
  );
  if (fixed.length) {
    out += `
## Other defaults

Fixed in \`packages/server/src/config/defaults.ts\`.

| name | value | meaning |
| --- | --- | --- |
`;
    for (const key of fixed) {
      const doc = docs.get(key) ?? '';
      const unit = /\bseconds\b/.test(doc) ? 'seconds' : undefined;
      out += `| \`${key}\` | ${cell(formatValue(values[key], unit))} | ${cell(sentence(doc))} |\n`;
    }
  }
  return out;
}

const text = await generate();
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (committed !== text) {
    console.error('docs/configuration.md is stale: run npm run docs:config');
    process.exit(1);
  }
} else if (process.argv.includes('--stdout')) {
  process.stdout.write(text);
} else {
  writeFileSync(target, text);
  console.log('wrote docs/configuration.md');
}
