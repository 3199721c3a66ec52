import pkg from '../../package.json' with { type: 'json' };

/**
 * The package's version, which `pulsewatch --version` prints: bundled into dist/cli.js at build
 * time (esbuild inlines the JSON), so the bin answers it without finding package.json at run time.
 */
export const VERSION: string = pkg.version;
