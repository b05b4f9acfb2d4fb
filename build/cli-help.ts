/**
 * `--help` and `-h` on any command of package.json: its usage on stdout and exit 0, before the
 * command reads, writes or starts anything (a newcomer's first try must be safe). Called first
 * thing where the command starts.
 */
export function answerHelp(usage: string, args: readonly string[] = process.argv.slice(2)): void {
  if (!args.includes('--help') && !args.includes('-h')) return;
  console.log(usage);
  process.exit(0);
}
