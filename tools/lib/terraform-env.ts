import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where the repository keeps tool caches (gitignored). Override with INFRA_CACHE_DIR. */
export function cacheDir(): string {
  return path.resolve(process.env.INFRA_CACHE_DIR ?? path.join(__dirname, '..', '..', '.cache'));
}

/**
 * Environment for running Terraform here: a CLI config of our own (the machine-wide
 * TF_CLI_CONFIG_FILE may point at a missing file), the provider from the filesystem mirror named
 * by TF_PROVIDER_MIRROR when it is set (registry otherwise), and a plugin cache so each
 * `terraform init` links the provider instead of copying it.
 */
export function terraformEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const dir = cacheDir();
  const pluginCache = base.TF_PLUGIN_CACHE_DIR ?? path.join(dir, 'terraform-plugins');
  fs.mkdirSync(pluginCache, { recursive: true });
  const mirror = base.TF_PROVIDER_MIRROR;
  if (mirror && !fs.existsSync(path.join(mirror, 'registry.terraform.io'))) {
    throw new Error(
      `TF_PROVIDER_MIRROR=${mirror} is not a Terraform filesystem mirror (no registry.terraform.io folder in it); ` +
        'point it at the folder that contains registry.terraform.io/hashicorp/aws, or unset it to use the registry',
    );
  }
  const config = mirror
    ? [
        'provider_installation {',
        `  filesystem_mirror {\n    path    = ${JSON.stringify(path.resolve(mirror))}\n    include = ["registry.terraform.io/*/*"]\n  }`,
        '  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }',
        '}',
      ].join('\n')
    : '';
  const configFile = path.join(dir, mirror ? 'terraformrc-mirror' : 'terraformrc');
  if (!fs.existsSync(configFile) || fs.readFileSync(configFile, 'utf8') !== config) fs.writeFileSync(configFile, config);
  return {
    ...base,
    TF_CLI_CONFIG_FILE: configFile,
    TF_PLUGIN_CACHE_DIR: pluginCache,
    // Without a lock file entry for this platform Terraform ignores the cache; we pin the version
    // exactly in required_providers instead.
    TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE: 'true',
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
    CDKTF_DISABLE_PLUGIN_CACHE_ENV: '1',
  };
}
