import { Lazy } from 'cdktf';
import { ConstructPropsError } from './construct-props-error';

/** One IAM policy statement; actions are never wildcards and resources are ARNs (tokens allowed). */
export interface PolicyStatement {
  /** Unique per principal; granting the same sid twice with the same content is a no-op. */
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** Only in resource policies (key, bucket, topic policies): who the statement is about. */
  readonly principal?: Readonly<Record<string, string | readonly string[]>>;
  /** IAM condition block, e.g. { StringEquals: { 'aws:SourceAccount': '123456789012' } }. */
  readonly conditions?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

/** Anything that can be granted permissions (a role, a function). */
export interface IGrantee {
  addToPrincipalPolicy(statement: PolicyStatement): void;
}

/**
 * An ordered, de-duplicated set of statements rendered lazily at synth, so grants made after a
 * resource is created still land in its policy. Adding a sid twice with different content is a
 * programming error and throws, rather than silently keeping one of them.
 */
export class StatementSet {
  private readonly statements = new Map<string, PolicyStatement>();

  add(statement: PolicyStatement): boolean {
    if (statement.actions.some((action) => action === '*' || action.endsWith(':*'))) {
      throw new ConstructPropsError(`Statement ${statement.sid}: wildcard action in [${statement.actions.join(', ')}]; list the actions the caller needs`);
    }
    if (!/^[A-Za-z0-9]+$/.test(statement.sid)) {
      throw new ConstructPropsError(`Statement sid '${statement.sid}' must be alphanumeric (IAM rule)`);
    }
    const existing = this.statements.get(statement.sid);
    if (existing) {
      if (JSON.stringify(existing) !== JSON.stringify(statement)) {
        throw new ConstructPropsError(`Statement ${statement.sid} was granted twice with different content; give the second grant its own sid`);
      }
      return false;
    }
    this.statements.set(statement.sid, statement);
    return true;
  }

  get size(): number {
    return this.statements.size;
  }

  list(): readonly PolicyStatement[] {
    return [...this.statements.values()];
  }

  /** The policy document as a lazily rendered JSON string. */
  toJson(extra: () => readonly object[] = () => []): string {
    return Lazy.stringValue({
      produce: () => JSON.stringify(policyDocument(this.list(), extra())),
    });
  }
}

export function policyDocument(statements: readonly PolicyStatement[], extra: readonly object[] = []): object {
  return {
    Version: '2012-10-17',
    Statement: [
      ...extra,
      ...statements.map((s) => ({
        Sid: s.sid,
        Effect: 'Allow',
        ...(s.principal ? { Principal: s.principal } : {}),
        Action: s.actions.length === 1 ? s.actions[0] : [...s.actions],
        Resource: s.resources.length === 1 ? s.resources[0] : [...s.resources],
        ...(s.conditions ? { Condition: s.conditions } : {}),
      })),
    ],
  };
}

/**
 * The resource-policy statement every bucket, queue and topic of this repository carries: any request
 * not made over TLS is denied, whoever makes it (`action`: e.g. s3:*, sqs:*, sns:Publish).
 */
export function denyInsecureTransport(action: string, resources: string | readonly string[]): object {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: action,
    Resource: typeof resources === 'string' ? resources : [...resources],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}
