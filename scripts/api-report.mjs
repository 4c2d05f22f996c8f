// The public API, recorded: one API Extractor report per entry point of every package under
// packages/ (each key of its package.json "exports", so a new entry is picked up), kept in
// packages/<package>/api/<entry>.api.md.
//
//   node scripts/api-report.mjs           check (npm run lint:api, part of npm run lint)
//   node scripts/api-report.mjs --update  rewrite the reports (npm run api:update)
//
// The declarations are emitted into a temporary folder (the working tree gets no dist/), then
// API Extractor reads each entry's .d.ts with one TypeScript program per package.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { CompilerState, Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const UPDATE = process.argv.includes('--update');
const REPORT_SUFFIX = '.api.md';
const run = promisify(execFile);

/** The published packages: the workspaces under packages/. */
function packageDirs() {
  const { workspaces } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return workspaces.filter((dir) => dir.startsWith('packages/'));
}

/** `index` for ".", `stores-sqlite` for "./stores/sqlite". */
const reportName = (key) => (key === '.' ? 'index' : key.slice(2).replaceAll('/', '-'));

/** The module entries of a package.json "exports" (not "./package.json", which maps to itself). */
function entriesOf(dir) {
  const manifest = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'));
  const entries = Object.entries(manifest.exports ?? {}).flatMap(([key, target]) => {
    if (typeof target === 'string') return [];
    if (!target.types?.startsWith('./dist/')) {
      throw new Error(`${dir}/package.json: exports["${key}"] has no "types" under ./dist/`);
    }
    return [{ key, name: reportName(key), types: target.types }];
  });
  return { manifest, entries };
}

/** Emits each package's declarations into <tmp>/<dir>/dist, as its build would. */
async function emitDeclarations(tmp, dirs) {
  await symlink(join(ROOT, 'node_modules'), join(tmp, 'node_modules'), 'dir');
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await Promise.all(
    dirs.map(async (dir) => {
      const out = join(tmp, dir);
      await mkdir(out, { recursive: true });
      await copyFile(join(ROOT, dir, 'package.json'), join(out, 'package.json'));
      if (existsSync(join(ROOT, dir, 'node_modules'))) {
        await symlink(join(ROOT, dir, 'node_modules'), join(out, 'node_modules'), 'dir');
      }
      const args = ['-p', join(ROOT, dir, 'tsconfig.build.json'), '--emitDeclarationOnly'];
      args.push('--outDir', join(out, 'dist'), '--sourceMap', 'false', '--incremental', 'false');
      await run(process.execPath, [tsc, ...args], { cwd: ROOT, maxBuffer: 16 << 20 }).catch(
        (error) => {
          throw new Error(`${dir}: tsc could not emit declarations:\n${error.stdout}`);
        },
      );
    }),
  );
}

/** API Extractor's settings for one entry: a report only, warnings written into it. */
function extractorConfig(tmp, dir, entry) {
  const projectFolder = join(tmp, dir);
  return ExtractorConfig.prepare({
    configObjectFullPath: join(projectFolder, `api-extractor.${entry.name}.json`),
    packageJsonFullPath: join(projectFolder, 'package.json'),
    configObject: {
      projectFolder,
      mainEntryPointFilePath: join(projectFolder, entry.types),
      bundledPackages: [],
      newlineKind: 'lf',
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            lib: ['es2023', 'dom', 'dom.iterable'],
            types: ['node'],
            strict: true,
            skipLibCheck: true,
          },
          include: ['dist'],
        },
      },
      apiReport: {
        enabled: true,
        reportFileName: entry.name,
        reportFolder: join(ROOT, dir, 'api'),
        reportTempFolder: join(tmp, 'reports', dir),
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        compilerMessageReporting: { default: { logLevel: 'error' } },
        extractorMessageReporting: {
          default: { logLevel: 'warning', addToApiReportFile: true },
          // No @public/@beta tags: every export of an entry is public.
          'ae-missing-release-tag': { logLevel: 'none' },
          // A {@link} in a doc comment is documentation, not API.
          'ae-unresolved-link': { logLevel: 'none' },
        },
        tsdocMessageReporting: { default: { logLevel: 'none' } },
      },
    },
  });
}

/** Report files in packages/<pkg>/api/ that no entry of "exports" writes any more. */
async function orphans(dir, entries) {
  const folder = join(ROOT, dir, 'api');
  if (!existsSync(folder)) return [];
  const expected = new Set(entries.map((e) => `${e.name}${REPORT_SUFFIX}`));
  const files = await readdir(folder);
  return files
    .filter((f) => f.endsWith(REPORT_SUFFIX) && !expected.has(f))
    .map((f) => join(folder, f));
}

async function diff(recorded, generated) {
  const labels = ['--label', `${relative(ROOT, recorded)} (recorded)`, '--label', 'the code'];
  try {
    await run('diff', ['-u', ...labels, recorded, generated]);
    return '';
  } catch (error) {
    return error.stdout ?? '';
  }
}

async function main() {
  const started = performance.now();
  const dirs = packageDirs();
  const tmp = await mkdtemp(join(tmpdir(), 'gatehouse-api-'));
  const problems = [];
  try {
    await emitDeclarations(tmp, dirs);
    for (const dir of dirs) {
      const { manifest, entries } = entriesOf(dir);
      const configs = entries.map((entry) => ({ entry, config: extractorConfig(tmp, dir, entry) }));
      if (!configs.length) continue;
      const compilerState = CompilerState.create(configs[0].config, {
        additionalEntryPoints: configs.map((c) => c.config.mainEntryPointFilePath),
      });
      for (const { entry, config } of configs) {
        const report = join(ROOT, dir, 'api', `${entry.name}${REPORT_SUFFIX}`);
        const shown = relative(ROOT, report);
        const specifier =
          entry.key === '.' ? manifest.name : `${manifest.name}${entry.key.slice(1)}`;
        if (!UPDATE && !existsSync(report)) {
          problems.push(
            `${shown} is missing: the entry "${entry.key}" of ${manifest.name} has no API report.\n` +
              `  Create it with \`npm run api:update\`, read it, and commit it.`,
          );
          continue;
        }
        if (UPDATE) await mkdir(join(ROOT, dir, 'api'), { recursive: true });
        const messages = [];
        const result = Extractor.invoke(config, {
          localBuild: UPDATE,
          compilerState,
          messageCallback: (message) => {
            message.handled = true;
            // API Extractor's own lines about the report files name temporary files; ours follow.
            if (String(message.messageId).startsWith('console-')) return;
            if (message.logLevel === 'error' || message.logLevel === 'warning') {
              messages.push(message.formatMessageWithLocation(tmp));
            }
          },
        });
        if (messages.length) problems.push(`${specifier}:\n  ${messages.join('\n  ')}`);
        if (!result.succeeded && !result.apiReportChanged) {
          problems.push(`${specifier}: API Extractor failed (${result.errorCount} errors)`);
        }
        if (!UPDATE && result.apiReportChanged) {
          const generated = join(tmp, 'reports', dir, `${entry.name}${REPORT_SUFFIX}`);
          problems.push(
            `${shown} is out of date: the public API of ${specifier} changed.\n` +
              `  If the change is meant, run \`npm run api:update\`, commit the report, and add a ` +
              `changeset (\`npx changeset\`) that says what changed.\n${await diff(report, generated)}`,
          );
        }
      }
      for (const file of await orphans(dir, entries)) {
        if (UPDATE) await unlink(file);
        else {
          problems.push(
            `${relative(ROOT, file)} has no entry in ${dir}/package.json "exports": ` +
              'delete it (`npm run api:update` does).',
          );
        }
      }
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (problems.length) {
    console.error(
      `${problems.join('\n\n')}\n\napi-report: ${problems.length} problem(s), ${seconds} s`,
    );
    process.exitCode = 1;
  } else {
    console.log(
      `api-report: ${UPDATE ? 'reports written' : 'every entry matches its report'}, ${seconds} s`,
    );
  }
}

await main();
