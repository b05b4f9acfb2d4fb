import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Architecture, FunctionName, LayerName } from '../catalogue';

/** One built zip. `zip` is relative to the repository root, so the manifest is the same on every machine. */
export interface ArtifactRecord {
  readonly zip: string;
  /** SHA-256 of the zip bytes, hex. */
  readonly sha256: string;
  readonly bytes: number;
}

export interface LayerArtifactRecord extends ArtifactRecord {
  readonly compatibleRuntimes: readonly string[];
  readonly compatibleArchitectures: readonly Architecture[];
}

/** What `npm run build` (build/build-artifacts.ts) produced: .build/manifest.json. */
export interface BuildManifest {
  readonly functions: Readonly<Record<FunctionName, ArtifactRecord>>;
  readonly layers: Readonly<Record<LayerName, LayerArtifactRecord>>;
  /** The CodeDeploy lifecycle hooks' zip (catalogue/deployment-hooks.ts). */
  readonly deploymentHooks: ArtifactRecord;
  /** The database-admin function's zip (catalogue/database-admin.ts). */
  readonly databaseAdmin: ArtifactRecord;
}

export const REPO_ROOT = path.resolve(__dirname, '..');

/** Reads .build/manifest.json; the error says how to produce it. */
export function readBuildManifest(rootDir: string = REPO_ROOT): BuildManifest {
  const file = path.join(rootDir, '.build', 'manifest.json');
  if (!fs.existsSync(file)) {
    throw new Error(`${path.relative(process.cwd(), file) || file} is missing; run \`npm run build\` (npm run synth builds first)`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as BuildManifest;
}

/** Base64 SHA-256 of a zip, the form Lambda reports as CodeSha256 (so plans show no drift). */
export function sourceCodeHash(record: ArtifactRecord): string {
  return Buffer.from(record.sha256, 'hex').toString('base64');
}
