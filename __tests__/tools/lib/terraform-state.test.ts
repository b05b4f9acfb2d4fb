import * as fs from 'node:fs';
import * as path from 'node:path';
import { assignOwners, parseState, resourceAddress, type StateFile, StateFormatError, stackAddresses } from '../../../tools/lib/terraform-state';
import { tempDir } from '../../helpers/temp';

const AWS = 'provider["registry.terraform.io/hashicorp/aws"]';
const resource = (type: string, name: string, mode: 'managed' | 'data' = 'managed') => ({ mode, type, name, provider: AWS, instances: [{ attributes: {} }] });
const state = (resources: StateFile['resources']): StateFile => ({ version: 4, terraform_version: '1.11.0', serial: 1, lineage: 'l', outputs: {}, resources });

function stackDir(body: object): string {
  const dir = tempDir('stack-');
  fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(body));
  return dir;
}

test('a state resource has the address terraform state list prints, data sources and modules included', () => {
  expect(resourceAddress(resource('aws_vpc', 'Network_Vpc'))).toBe('aws_vpc.Network_Vpc');
  expect(resourceAddress(resource('terraform_remote_state', 'x', 'data'))).toBe('data.terraform_remote_state.x');
  expect(resourceAddress({ ...resource('aws_vpc', 'v'), module: 'module.net' })).toBe('module.net.aws_vpc.v');
});

test("a synthesized stack's addresses are its resource and data blocks", () => {
  const dir = stackDir({ resource: { aws_vpc: { A: {} }, aws_subnet: { B: {}, C: {} } }, data: { terraform_remote_state: { R: {} } } });
  expect(stackAddresses(dir)).toEqual({ managed: ['aws_vpc.A', 'aws_subnet.B', 'aws_subnet.C'], data: ['data.terraform_remote_state.R'] });
});

test('every resource goes to the unit that declares its address; one no unit declares is unowned, never guessed', () => {
  const old = state([resource('aws_kms_key', 'Key'), resource('aws_vpc', 'Vpc'), resource('aws_sqs_queue', 'Lost'), resource('aws_caller_identity', 'Me', 'data')]);
  const ownership = assignOwners(old, [
    { unit: 'foundation', addresses: { managed: ['aws_kms_key.Key'], data: [] } },
    { unit: 'network', addresses: { managed: ['aws_vpc.Vpc', 'aws_subnet.New'], data: [] } },
  ]);
  expect([...ownership.owner]).toEqual([
    ['aws_kms_key.Key', 'foundation'],
    ['aws_vpc.Vpc', 'network'],
  ]);
  expect(ownership.unowned).toEqual(['aws_sqs_queue.Lost']);
  expect(ownership.droppedData).toEqual(['data.aws_caller_identity.Me']);
  expect(ownership.notInState).toEqual([{ address: 'aws_subnet.New', unit: 'network' }]);
  expect(ownership.duplicates).toEqual([]);
});

test('a managed resource two units declare is a duplicate; a data source many units read is not', () => {
  const ownership = assignOwners(state([resource('aws_vpc', 'Vpc')]), [
    { unit: 'network', addresses: { managed: ['aws_vpc.Vpc'], data: ['data.terraform_remote_state.f'] } },
    { unit: 'data', addresses: { managed: ['aws_vpc.Vpc'], data: ['data.terraform_remote_state.f'] } },
  ]);
  expect(ownership.duplicates).toEqual([{ address: 'aws_vpc.Vpc', units: ['network', 'data'] }]);
});

test('an empty pull is no state; anything but a version 4 state is refused with its source', () => {
  expect(parseState('\n', 'the state of dev')).toBeUndefined();
  expect(() => parseState('{"version":3,"modules":[]}', 'the state of dev')).toThrow(new StateFormatError('the state of dev is a state of format version 3; this command reads version 4 (Terraform 0.12 and newer)'));
  expect(() => parseState('<html>', 'the state of dev')).toThrow(/the state of dev is not JSON/);
});
