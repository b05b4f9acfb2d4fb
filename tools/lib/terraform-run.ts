import { execFile } from 'node:child_process';

/** What one terraform command returned; a non-zero exit is data here, not an exception. */
export interface TerraformResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs terraform in a folder without blocking the event loop: the local stand-ins that answer it
 * (S3, STS) may live in this very process.
 */
export function terraform(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<TerraformResult> {
  return new Promise((resolve) => {
    execFile('terraform', [...args], { cwd, env, maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr: error && !stderr ? error.message : stderr });
    });
  });
}

/** The first `Error:` paragraph terraform printed, for a one-paragraph message. */
export function terraformError(result: TerraformResult): string {
  // eslint-disable-next-line no-control-regex -- the colour codes terraform writes where -no-color is not accepted
  const text = `${result.stderr}\n${result.stdout}`.replace(/\x1b\[[0-9;]*m/g, '');
  const start = text.search(/Error: /);
  if (start === -1) return text.trim().split('\n').slice(-3).join(' ').trim() || `terraform exited ${result.code}`;
  return text
    .slice(start)
    .split(/\n\s*\n/)
    .slice(0, 2)
    .join(' ')
    .replace(/[│╷╵]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
