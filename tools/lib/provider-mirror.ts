import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The hashicorp/aws version the bindings were generated for (stacks/account-stack.ts pins it). */
export const AWS_PROVIDER_VERSION = '5.100.0';

/** Terraform's name for this machine's platform, e.g. linux_amd64 or darwin_arm64. */
export function terraformPlatform(platform: string = process.platform, arch: string = process.arch): string {
  const cpu: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' };
  return `${platform === 'win32' ? 'windows' : platform}_${cpu[arch] ?? arch}`;
}

/**
 * Whether `mirror` is a Terraform filesystem mirror holding hashicorp/aws at `version` for
 * `platform`, in either layout Terraform reads: unpacked
 * (registry.terraform.io/hashicorp/aws/<version>/<platform>/) or packed
 * (registry.terraform.io/hashicorp/aws/terraform-provider-aws_<version>_<platform>.zip).
 * https://developer.hashicorp.com/terraform/cli/config/config-file#filesystem_mirror
 */
export function holdsProvider(mirror: string, version = AWS_PROVIDER_VERSION, platform = terraformPlatform()): boolean {
  const aws = path.join(mirror, 'registry.terraform.io', 'hashicorp', 'aws');
  return fs.existsSync(path.join(aws, version, platform)) || fs.existsSync(path.join(aws, `terraform-provider-aws_${version}_${platform}.zip`));
}

const SKIPPED = new Set(['proc', 'sys', 'dev', 'node_modules', '.git']);

export interface FindOptions {
  /** Folders to search from. Default: the file system root. */
  readonly roots?: readonly string[];
  /** How deep below a root a mirror's folder may be. Default: 4, like the former shell search. */
  readonly maxDepth?: number;
  /** Never search here: folders under it belong to other processes (test runs, builds) that may delete them at any moment. Default: os.tmpdir(). */
  readonly tempDir?: string;
  readonly version?: string;
  readonly platform?: string;
}

/**
 * The first folder on this machine that is a mirror holding the pinned provider for this platform,
 * or undefined. Breadth-first, so the shallowest mirror wins; the temp folder is never searched.
 */
export function findProviderMirror(options: FindOptions = {}): string | undefined {
  const tempDir = path.resolve(options.tempDir ?? os.tmpdir());
  const maxDepth = options.maxDepth ?? 4;
  let level = (options.roots ?? [path.parse(process.cwd()).root]).map((dir) => path.resolve(dir));
  for (let depth = 0; depth <= maxDepth && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level.sort()) {
      if (dir === tempDir || dir.startsWith(`${tempDir}${path.sep}`)) continue;
      if (fs.existsSync(path.join(dir, 'registry.terraform.io')) && holdsProvider(dir, options.version, options.platform)) return dir;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) if (entry.isDirectory() && !SKIPPED.has(entry.name)) next.push(path.join(dir, entry.name));
    }
    level = next;
  }
  return undefined;
}

/** What to do when no mirror is found: said by plan:local and npm test. */
export function noMirrorHint(version = AWS_PROVIDER_VERSION, platform = terraformPlatform()): string {
  return (
    `No Terraform filesystem mirror holding hashicorp/aws ${version} for ${platform} was found, so terraform init will use the registry. ` +
    `Without registry access, point TF_PROVIDER_MIRROR at a mirror (the folder containing registry.terraform.io), ` +
    `e.g. one written by \`terraform providers mirror <dir>\` in a synthesized stack folder on a machine with access.`
  );
}

if (require.main === module) {
  // tools/dev/test.sh and .ci/run: print the mirror (or nothing) for TF_PROVIDER_MIRROR.
  const found = findProviderMirror();
  if (found) console.log(found);
  else console.error(noMirrorHint());
}
