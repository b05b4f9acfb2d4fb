import { Construct } from 'constructs';
import { AssetType, TerraformAsset } from 'cdktf';
import { LambdaLayerVersion } from '@cdktf/provider-aws/lib/lambda-layer-version';
import { ConstructPropsError } from './construct-props-error';

export interface PythonLayerProps {
  /** Layer name in the account, e.g. pg-driver. */
  readonly layerName: string;
  readonly description: string;
  /** The built layer zip (python/... layout). */
  readonly zipPath: string;
  /** SHA-256 of the zip, hex: versions the layer, so unchanged content publishes nothing. */
  readonly zipSha256: string;
  readonly compatibleRuntimes: readonly string[];
  readonly compatibleArchitectures: readonly ('arm64' | 'x86_64')[];
}

/**
 * A Lambda layer version built from a deterministic zip. Terraform publishes a new version only
 * when the content hash changes; the zip is copied into the stack as an asset whose folder is
 * named by that hash, so the synthesized path is the same on every machine.
 */
export class PythonLayer extends Construct {
  /** Versioned ARN that functions attach. */
  readonly layerVersionArn: string;
  readonly layerName: string;
  readonly compatibleRuntimes: readonly string[];
  readonly compatibleArchitectures: readonly ('arm64' | 'x86_64')[];

  constructor(scope: Construct, id: string, props: PythonLayerProps) {
    super(scope, id);
    if (!/^[0-9a-f]{64}$/.test(props.zipSha256)) {
      throw new ConstructPropsError(`PythonLayer ${id}: zipSha256 '${props.zipSha256}' is not a hex SHA-256; pass the sha256 from .build/manifest.json`);
    }
    if (props.compatibleRuntimes.length === 0 || props.compatibleArchitectures.length === 0) {
      throw new ConstructPropsError(`PythonLayer ${id}: list at least one compatible runtime and architecture (those of the functions using it)`);
    }
    const asset = new TerraformAsset(this, 'Zip', { path: props.zipPath, type: AssetType.FILE, assetHash: props.zipSha256 });
    const layer = new LambdaLayerVersion(this, 'Layer', {
      layerName: props.layerName,
      description: props.description,
      filename: asset.path,
      sourceCodeHash: Buffer.from(props.zipSha256, 'hex').toString('base64'),
      compatibleRuntimes: [...props.compatibleRuntimes],
      compatibleArchitectures: [...props.compatibleArchitectures],
    });
    this.layerVersionArn = layer.arn;
    this.layerName = props.layerName;
    this.compatibleRuntimes = props.compatibleRuntimes;
    this.compatibleArchitectures = props.compatibleArchitectures;
  }
}
