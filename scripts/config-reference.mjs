// `npm run docs:config`: writes docs/configuration.md from the files that define the settings:
//   packages/server/src/config/options.ts   every option and its doc comment,
//   packages/server/src/config/env.ts       the environment variable of each option,
//   packages/server/src/config/defaults.ts  every default and its doc comment (values imported),
//   apps/demo/server/main.ts                the variables only `npm run serve` reads.
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

/** Words for options whose doc comment names only the variable. */
const UNDOCUMENTED = {
  clientId: "the application's client id at the provider",
  clientSecret: 'its client secret, sent with HTTP Basic authentication (client_secret_basic)',
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

/** options.ts: `interface GatehouseOptions` members in order, with type, optionality and doc. */
function readOptions() {
  const source = parse(join(config, 'options.ts'));
  const options = find(
    source,
    (node) => ts.isInterfaceDeclaration(node) && node.name.text === 'GatehouseOptions',
  );
  return options.members.filter(ts.isPropertySignature).map((member) => ({
    name: propertyName(member),
    required: !member.questionToken,
    type: member.type?.getText() ?? '',
    doc: docOf(member),
  }));
}

/** env.ts: which variable feeds each option, from `optionsFromEnv`'s object literal. */
function readVariables() {
  const source = parse(join(config, 'env.ts'));
  const fn = find(
    source,
    (node) => ts.isFunctionDeclaration(node) && node.name?.text === 'optionsFromEnv',
  );
  const literal = find(fn, (node) => ts.isReturnStatement(node)).expression;
  const variables = new Map();
  for (const property of literal.properties.filter(ts.isPropertyAssignment)) {
    const text = property.initializer.getText();
    const variable =
      /env\.([A-Z0-9_]+)/.exec(text)?.[1] ?? /\(\s*'([A-Z0-9_]+)'\s*\)/.exec(text)?.[1];
    if (!variable) continue;
    const kind = /^number\(/.test(text)
      ? 'number'
      : /^list\(/.test(text)
        ? 'list'
        : /===/.test(text)
          ? 'flag'
          : 'string';
    variables.set(propertyName(property), { variable, kind, text });
  }
  return variables;
}

/** defaults.ts: each default's doc comment; the values come from importing the module. */
async function readDefaults() {
  const source = parse(join(config, 'defaults.ts'));
  const call = find(
    source,
    (node) => ts.isVariableDeclaration(node) && node.name.getText() === 'defaults',
  ).initializer;
  const literal = call.arguments[0];
  const docs = new Map(
    literal.properties.map((property) => [propertyName(property), docOf(property)]),
  );
  const { defaults } = await tsImport(
    pathToFileURL(join(config, 'defaults.ts')).href,
    import.meta.url,
  );
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

function formatValue(value, doc) {
  if (Array.isArray(value))
    return value.length ? value.map((item) => `\`${item}\``).join(', ') : 'none';
  if (typeof value === 'number') {
    if (!/second/i.test(doc)) return `\`${value}\``;
    const human = duration(value);
    return `\`${value}\` s${human ? ` (${human})` : ''}`;
  }
  return `\`${value}\``;
}

const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** An option's doc without its leading `VARIABLE` (and unit), which the table shows apart. */
function optionDoc(doc, variable) {
  let text = doc.replace(new RegExp(`^\`${variable}\`(?:\\s*\\([^)]*\\))?[\\s,:]*`), '');
  let unit = '';
  const seconds = /^seconds\b[\s,:.]*/.exec(text);
  if (seconds) {
    unit = 'seconds';
    text = text.slice(seconds[0].length);
  }
  return { text: text.trim(), unit };
}

function sentence(text) {
  const trimmed = text.trim();
  if (!trimmed) return '';
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** The option's own words, then the default's, unless one already says the other. */
function meaningOf(own, extra) {
  const a = own.replace(/\.$/, '');
  const b = extra.replace(/\.$/, '');
  if (!a) return sentence(b);
  if (!b) return sentence(a);
  const words = (text) => new Set(text.toLowerCase().match(/[\w`]+/g));
  const [wa, wb] = [words(a), words(b)];
  const shared = [...wa].filter((word) => wb.has(word)).length;
  if (shared / Math.min(wa.size, wb.size) > 0.7) return sentence(a.length >= b.length ? a : b);
  return `${sentence(a)} ${sentence(b)}`;
}

/** parse.ts: options it requires outside local development, and the library's own store default. */
function readParseRules() {
  const text = readFileSync(join(config, 'parse.ts'), 'utf8');
  const requiredOutsideDev = new Set(
    [...text.matchAll(/name\('(\w+)'\)\} is required outside local development/g)].map(
      (match) => match[1],
    ),
  );
  const libraryStore = /sessionStore: options\.sessionStore \?\? '([^']+)'/.exec(text)?.[1];
  return { requiredOutsideDev, libraryStore };
}

async function generate() {
  const options = readOptions();
  const variables = readVariables();
  const { docs, values } = await readDefaults();
  const used = new Set();

  let out = `# Configuration reference

<!-- Generated by scripts/config-reference.mjs from packages/server/src/config/{options,env,defaults}.ts
     and apps/demo/server/main.ts. Do not edit: change those files, then run npm run docs:config. -->

Every setting is an environment variable (read by \`npm run serve\`, \`npx gatehouse doctor\` and
\`optionsFromEnv()\`) and an option of \`createGatehouse()\`. The configuration is checked once, at
startup: a mistake stops the server with a message that names the variable. \`npx gatehouse doctor\`
checks the same variables against your provider (see [troubleshooting](troubleshooting.md)).

## Environment variables

| variable | option | default | meaning |
| --- | --- | --- | --- |
`;
  const { requiredOutsideDev, libraryStore } = readParseRules();
  for (const option of options) {
    const env = variables.get(option.name);
    if (!env) continue;
    used.add(option.name);
    const { text, unit } = optionDoc(option.doc, env.variable);
    let fallback = option.required
      ? 'required'
      : requiredOutsideDev.has(option.name)
        ? 'required outside local development'
        : '';
    let extra = '';
    if (option.name in values && values[option.name] !== undefined) {
      used.add(`default:${option.name}`);
      fallback = formatValue(values[option.name], `${unit} ${docs.get(option.name) ?? ''}`);
      extra = docs.get(option.name) ?? '';
      if (option.name === 'sessionStore' && libraryStore)
        fallback += ` (\`${libraryStore}\` for \`createGatehouse()\`)`;
    }
    const format = env.kind === 'list' ? ' Comma-separated.' : '';
    const meaning = meaningOf(text || UNDOCUMENTED[option.name] || '', extra);
    out += `| \`${env.variable}\` | \`${option.name}\` | ${cell(fallback)} | ${cell(meaning + format)} |\n`;
  }

  const serveVariables = readServeVariables().filter(
    (name) => ![...variables.values()].some((env) => env.variable === name),
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

  const programmatic = options.filter((option) => !used.has(option.name));
  if (programmatic.length) {
    out += `
## Options without a variable

| option | type | meaning |
| --- | --- | --- |
`;
    for (const option of programmatic) {
      out += `| \`${option.name}\` | \`${cell(option.type)}\` | ${cell(sentence(option.doc))} |\n`;
    }
  }

  if (values.routes) {
    used.add('default:routes');
    out += `
## Route paths

${sentence(docs.get('routes') ?? '')} Change them with the \`routes\` option.

| route | default path |
| --- | --- |
`;
    for (const [route, path] of Object.entries(values.routes))
      out += `| \`${route}\` | \`${path}\` |\n`;
  }

  const fixed = Object.keys(values).filter((key) => !used.has(`default:${key}`));
  if (fixed.length) {
    out += `
## Other defaults

Fixed in \`packages/server/src/config/defaults.ts\`.

| name | value | meaning |
| --- | --- | --- |
`;
    for (const key of fixed) {
      const doc = docs.get(key) ?? '';
      out += `| \`${key}\` | ${cell(formatValue(values[key], doc))} | ${cell(sentence(doc))} |\n`;
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
