/**
 * The value after `name` in a command's arguments (`--name value`), or undefined when the option
 * is absent. An option given without a value fails with the command's usage text, so a typo never
 * silently falls back to a default.
 */
export function optionValue(args: readonly string[], name: string, usage: string): string | undefined {
  const index = args.indexOf(name);
  if (index === -1) return undefined;
  const value = args[index + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value\n${usage}`);
  return value;
}
