// npm run release [-- --dry-run]
//
// 1. Builds and packs every package under packages/ on a copy (the working tree gets no dist/).
// 2. Runs the packaging tests (packaging/) against those very tarballs.
// 3. Publishes each tarball whose version is not on the registry yet:
//    `npm publish <tarball> --provenance --access public`, from CI only (the provenance
//    statement is signed with the CI job's identity), then tags the release in git.
//
// --dry-run stops short of any write: it lists what each tarball holds (its CHANGELOG.md
// included) and runs `npm publish --dry-run --offline`, which needs no login and no network.
// It runs from `node --import tsx` so it can share packaging/support.ts with the tests.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { packPackages, ROOT } from '../packaging/support.ts';

const DRY_RUN = process.argv.includes('--dry-run');
const step = (text) => console.log(`\n==> ${text}`);

function fail(message) {
  console.error(`release: ${message}`);
  process.exit(1);
}

/** Runs a command with its output shown; a failure stops the release. */
function show(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.status !== 0) fail(`${cmd} ${args.join(' ')} failed (${result.status})`);
}

const manifestOf = (dir) => JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'));
const { workspaces } = manifestOf('.');
const packages = workspaces.filter((dir) => dir.startsWith('packages/'));

/** True when name@version is already on the registry (a re-run publishes only what is new). */
function published(name, version) {
  const result = spawnSync('npm', ['view', `${name}@${version}`, 'version'], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.trim() === version;
}

if (!DRY_RUN && process.env.GITHUB_ACTIONS !== 'true') {
  fail(
    'publish from CI: `npm publish --provenance` signs with the CI job identity ' +
      '(GitHub Actions with `id-token: write`). Run `npm run release -- --dry-run` to see what ' +
      'would be published.',
  );
}

const tmp = await mkdtemp(join(tmpdir(), 'gatehouse-release-'));
try {
  step(`build and pack ${packages.join(', ')}`);
  const tarballs = await packPackages(packages, tmp);
  const tarballDir = dirname(tarballs[0]);

  step('packaging tests, on the tarballs to publish');
  show('npx', ['vitest', 'run', '--project', 'node', 'packaging/'], {
    env: { ...process.env, GATEHOUSE_TARBALLS: tarballDir },
  });

  for (const [i, dir] of packages.entries()) {
    const { name, version, private: isPrivate } = manifestOf(dir);
    const tarball = tarballs[i];
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    if (!files.includes('package/CHANGELOG.md')) fail(`${basename(tarball)} has no CHANGELOG.md`);
    step(`${name}@${version}: ${basename(tarball)}, ${files.filter(Boolean).length} files`);
    if (isPrivate) {
      console.log(`${name} is private: not published.`);
      continue;
    }
    if (DRY_RUN) {
      show('npm', ['publish', tarball, '--access', 'public', '--dry-run', '--offline']);
    } else if (published(name, version)) {
      console.log(`${name}@${version} is on the registry already: skipped.`);
    } else {
      show('npm', ['publish', tarball, '--provenance', '--access', 'public']);
    }
  }

  if (!DRY_RUN) {
    step('git tags (push them with `git push --follow-tags`)');
    show('npx', ['changeset', 'tag']);
  }
  step(DRY_RUN ? 'dry run done: nothing was published' : 'released');
} finally {
  await rm(tmp, { recursive: true, force: true });
}
