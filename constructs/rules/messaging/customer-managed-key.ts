/** AWS-managed keys: encrypted, but their policy cannot be scoped and they cannot be shared. */
export function isAwsManagedAlias(key: unknown): boolean {
  return typeof key === 'string' && key.startsWith('alias/aws/');
}
