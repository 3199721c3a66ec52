import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Options } from 'tsup';

/**
 * The built `pulsewatch` bin the CLI tests run as a child process, never the TypeScript source:
 * what a user installs is dist/cli.js, bundled with commander and yaml by its own tsup config,
 * and only running it proves the bundle (its createRequire banner, its bundled JSON, its
 * shebang) works.
 *
 * - `npm test` (scripts/test.mjs) builds the package before vitest and sets
 *   `PULSEWATCH_CLI_BUILT=1`: the tests run `package.json`'s `bin` itself, dist/cli.js.
 * - A targeted run (`npx vitest run test/cli`, a fresh clone without dist/) builds the CLI with
 *   the same config (the `cli` entry of tsup.config.ts) into
 *   node_modules/.cache/pulsewatch-cli/<hash of the sources>/, so a run after an edit never
 *   tests a stale bundle, and a run with nothing changed builds nothing. Test files that ask at
 *   once may each build it the first time; each writes its own directory and renames it into
 *   place, so none reads a half-written file.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'pulsewatch-cli');

let built: Promise<string> | undefined;

/** The path of the built bin (built first when needed); the same promise for every caller in a process. */
export function builtCli(): Promise<string> {
  built ??= locate();
  return built;
}

async function locate(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
  const bin = pkg.bin?.['pulsewatch'];
  if (bin === undefined) throw new Error('package.json has no "bin": { "pulsewatch": ... }');
  if (process.env['PULSEWATCH_CLI_BUILT'] === '1') {
    const path = join(ROOT, bin);
    // Set by scripts/test.mjs after its build step: a missing bin is that build's failure, not a reason to build again.
    if (!existsSync(path)) throw new Error(`PULSEWATCH_CLI_BUILT=1 but ${bin} does not exist: the build step did not write the bin`);
    return path;
  }
  const key = await sourceHash();
  const dir = join(CACHE, key);
  const file = join(dir, 'cli.js');
  if (existsSync(file)) return file;
  const partial = join(CACHE, `${key}.${process.pid}.${Math.random().toString(36).slice(2)}`);
  await buildInto(partial);
  await mkdir(CACHE, { recursive: true });
  try {
    await rename(partial, dir);
  } catch (error) {
    // Another test file renamed its build into place first: the same sources, the same bundle.
    if (!existsSync(file)) throw error;
    await rm(partial, { recursive: true, force: true });
  }
  await prune(key);
  return file;
}

/** Builds of other sources older than an hour: no run still uses them, and each is half a megabyte. */
async function prune(keep: string): Promise<void> {
  const hourAgo = Date.now() - 3_600_000;
  for (const name of await readdir(CACHE)) {
    if (name === keep) continue;
    const path = join(CACHE, name);
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && info.mtimeMs < hourAgo) await rm(path, { recursive: true, force: true });
  }
}

/** Builds the `cli` entry of tsup.config.ts, unchanged but for where it writes. */
async function buildInto(outDir: string): Promise<void> {
  const { build } = await import('tsup');
  const configs = (await import('../../../tsup.config.js')).default as unknown as Options[];
  const cli = configs.find((c) => typeof c.entry === 'object' && c.entry !== null && 'cli' in c.entry);
  if (cli === undefined) throw new Error('tsup.config.ts has no build with a `cli` entry');
  // Absolute entries: the config's are relative to the package root (vitest's cwd, which the hdr-histogram trim also reads).
  const entry = Object.fromEntries(Object.entries(cli.entry as Record<string, string>).map(([name, path]) => [name, join(ROOT, path)]));
  await build({ ...cli, entry, outDir, config: false, silent: true, sourcemap: false, clean: false });
  if (!existsSync(join(outDir, 'cli.js'))) throw new Error(`the CLI build wrote no cli.js into ${outDir}`);
}

/** A hash of everything the bundle is made of: src/, the build config and package.json (the version --version prints). */
async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  const files = [...(await walk(join(ROOT, 'src'))), join(ROOT, 'tsup.config.ts'), join(ROOT, 'package.json')].sort();
  for (const file of files) {
    hash.update(relative(ROOT, file));
    hash.update('\0');
    hash.update(await readFile(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if ((await stat(path)).isFile()) out.push(path);
  }
  return out;
}
