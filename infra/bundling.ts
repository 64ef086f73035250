/**
 * How every Lambda function is bundled, in one place: infra/stacks/function.ts hands these settings to
 * NodejsFunction (which runs the repository's own esbuild with them), and bench/lambda-bundles.ts runs esbuild's
 * JS API with the very same options to measure what ships. Pure data (esbuild is only a type here), so the CDK
 * app and the benchmark import it cheaply.
 */
import type { BuildOptions } from 'esbuild';
import { functions, type FunctionDefinition } from './functions.ts';

export const lambdaBundling = {
  /** Lambda runs Node.js 22 (arm64; the architecture does not matter to JavaScript). */
  target: 'node22',
  platform: 'node',
  format: 'esm',
  minify: true,
  /** Stack traces in the logs point into the TypeScript sources (the bundle ships its source map). */
  sourceMap: true,
  mainFields: ['module', 'main'],
  /** Some bundled CommonJS dependencies call require(); an ESM bundle has no require unless we make one. */
  banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
  /**
   * Bundle the AWS SDK too: the functions then run the SDK versions of package-lock.json that the tests ran, not
   * whichever version the Lambda runtime happens to ship. Except the credential providers that the SDK's default
   * chain only `import()`s when no credentials are in the environment: Lambda always puts the function role's
   * credentials there, so `fromEnv` answers first and these are never loaded (if one ever were, the Node.js 22
   * runtime ships them). Leaving them out takes ~140 KB off every bundle (bench/lambda-bundles.ts).
   */
  externalModules: [
    '@aws-sdk/credential-provider-http',
    '@aws-sdk/credential-provider-ini',
    '@aws-sdk/credential-provider-login',
    '@aws-sdk/credential-provider-process',
    '@aws-sdk/credential-provider-sso',
    '@aws-sdk/credential-provider-web-identity',
    '@aws-sdk/nested-clients',
    '@aws-sdk/token-providers',
    '@smithy/credential-provider-imds',
  ] as string[],
  /** NodejsFunction's file name for an ESM bundle. */
  outFile: 'index.mjs',
} as const;

/**
 * npm's platform settings for installing a function's `nodeModules` (infra/functions.ts) into its asset: the
 * packages whose native binaries esbuild cannot bundle (sharp) are left external and installed, from the
 * repository's package-lock.json (`npm ci`), for the platform Lambda runs (arm64, Amazon Linux's glibc) rather
 * than the machine that builds; sharp then finds `@img/sharp-linux-arm64` and its libvips. npm reads these from
 * the environment NodejsFunction runs its install in.
 */
export const lambdaNpmPlatform = {
  npm_config_os: 'linux',
  npm_config_cpu: 'arm64',
  npm_config_libc: 'glibc',
} as const;

/** The modules left out of a function's bundle: every bundle's, but those the function imports for real. */
export function externalModulesOf(
  definition: Pick<FunctionDefinition, 'bundledModules'> | undefined,
): string[] {
  return lambdaBundling.externalModules.filter((name) => !definition?.bundledModules?.includes(name));
}

/**
 * The esbuild JS API options equal to the command line NodejsFunction builds from `lambdaBundling`
 * (`esbuild --bundle <entry> --target=node22 --platform=node --format=esm --outfile=.../index.mjs --minify
 * --sourcemap --tsconfig=... --banner:js=... --main-fields=module,main`, run in the repository root).
 */
export function lambdaEsbuildOptions(input: {
  projectRoot: string;
  entry: string;
  outdir: string;
  tsconfig: string;
  /** Packages installed beside the bundle instead of bundled; default: the `nodeModules` of the entry's function. */
  nodeModules?: readonly string[];
}): BuildOptions {
  const definition = (Object.values(functions) as FunctionDefinition[]).find(
    (fn) => fn.entry === input.entry,
  );
  const nodeModules = input.nodeModules ?? definition?.nodeModules ?? [];
  return {
    absWorkingDir: input.projectRoot,
    entryPoints: [input.entry],
    bundle: true,
    target: lambdaBundling.target,
    platform: lambdaBundling.platform,
    format: lambdaBundling.format,
    outfile: `${input.outdir}/${lambdaBundling.outFile}`,
    minify: lambdaBundling.minify,
    sourcemap: lambdaBundling.sourceMap,
    external: [...externalModulesOf(definition), ...nodeModules],
    tsconfig: input.tsconfig,
    banner: { js: lambdaBundling.banner },
    mainFields: [...lambdaBundling.mainFields],
    logLevel: 'warning',
  };
}
