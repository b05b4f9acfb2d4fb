import type { ChangeKind, PlannedChange } from '../ci/plan-summary';
import { graphFromPlan, type PlanGraphJson } from './graph';
import { renderMermaid } from './mermaid';
import { buildDiagram, type Diagram } from './model';

/**
 * The change as a picture: the nodes of the architecture diagram that hold a resource the plan
 * creates, updates, replaces or destroys, coloured by the most serious action among them, plus
 * their immediate neighbours in grey. Drawn from the saved plan alone (its resource changes and
 * the configuration's references), so CI needs nothing but `terraform show -json`.
 */

/** The picture's share of a comment; GitHub caps a comment at 65,536 characters (DESIGN.md section 8). */
export const MAX_PICTURE_CHARS = 20_000;

const SEVERITY: readonly ChangeKind[] = ['destroy', 'replace', 'change', 'add'];
const VERB: Record<ChangeKind, string> = { add: 'create', change: 'update', replace: 'replace', destroy: 'destroy' };

/** GitHub's Primer colours: success, attention, severe, danger; neutral for neighbours. */
export const ACTION_CLASSES: ReadonlyArray<readonly [string, string]> = [
  ['create', 'fill:#dafbe1,stroke:#1a7f37,color:#1f2328'],
  ['update', 'fill:#fff8c5,stroke:#9a6700,color:#1f2328'],
  ['replace', 'fill:#ffe2cc,stroke:#bc4c00,stroke-width:3px,color:#1f2328'],
  ['destroy', 'fill:#ffebe9,stroke:#cf222e,stroke-width:3px,color:#1f2328'],
  ['unchanged', 'fill:#f6f8fa,stroke:#d0d7de,color:#59636e'],
];

export interface PlanPicture {
  readonly mermaid: string;
  readonly changedNodes: number;
  readonly neighbourNodes: number;
}

function subset(diagram: Diagram, ids: ReadonlySet<string>): Diagram {
  return { nodes: diagram.nodes.filter((n) => ids.has(n.id)), edges: diagram.edges.filter((e) => ids.has(e.from) && ids.has(e.to)) };
}

/**
 * The picture of the changes, or undefined when nothing changes. Neighbours are left out when
 * the picture would be larger than `maxChars`; undefined also when even the changed nodes alone
 * are too many to draw (the text summary lists them all).
 */
export function planPicture(plan: PlanGraphJson, changes: readonly PlannedChange[], maxChars = MAX_PICTURE_CHARS): PlanPicture | undefined {
  if (!changes.length) return undefined;
  const diagram = buildDiagram([{ graph: graphFromPlan(plan) }]);
  const kindOf = new Map(changes.map((c) => [c.address, c.kind]));
  const classes = new Map<string, string>();
  const notes = new Map<string, string>();
  for (const node of diagram.nodes) {
    const counts = new Map<ChangeKind, number>();
    for (const member of node.members) {
      const kind = kindOf.get(member);
      if (kind) counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    if (!counts.size) continue;
    classes.set(node.id, VERB[SEVERITY.find((kind) => counts.has(kind))!]);
    notes.set(node.id, SEVERITY.filter((kind) => counts.has(kind)).map((kind) => `${counts.get(kind)} ${VERB[kind]}`).join(', '));
  }
  const changed = new Set(classes.keys());
  const neighbours = new Set<string>();
  for (const edge of diagram.edges) {
    if (changed.has(edge.from) && !changed.has(edge.to)) neighbours.add(edge.to);
    if (changed.has(edge.to) && !changed.has(edge.from)) neighbours.add(edge.from);
  }
  for (const id of neighbours) classes.set(id, 'unchanged');
  const style = { classDefs: ACTION_CLASSES, classes, notes };
  const withNeighbours = renderMermaid(subset(diagram, new Set([...changed, ...neighbours])), style);
  if (withNeighbours.length <= maxChars) return { mermaid: withNeighbours, changedNodes: changed.size, neighbourNodes: neighbours.size };
  const changedOnly = renderMermaid(subset(diagram, changed), style);
  if (changedOnly.length <= maxChars) return { mermaid: changedOnly, changedNodes: changed.size, neighbourNodes: 0 };
  return undefined;
}

/** The collapsed Markdown section for the plan comment, or '' when there is nothing to draw. */
export function planPictureSection(picture: PlanPicture | undefined): string {
  if (!picture) return '';
  const neighbours = picture.neighbourNodes ? ` and ${picture.neighbourNodes} unchanged neighbour${picture.neighbourNodes === 1 ? '' : 's'}` : '';
  return [
    `<details><summary>Picture of the change (${picture.changedNodes} changed node${picture.changedNodes === 1 ? '' : 's'}${neighbours})</summary>`,
    '',
    'Green: create, yellow: update, orange: replace, red: destroy, grey: unchanged neighbour. Each node counts its actions.',
    '',
    '```mermaid',
    picture.mermaid.trimEnd(),
    '```',
    '',
    '</details>',
  ].join('\n');
}
