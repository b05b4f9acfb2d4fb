import { type Diagram, type DiagramNode, LAYERS } from './model';

/**
 * Mermaid flowchart text of a diagram, using a small part of the syntax only: subgraphs with
 * quoted titles, nodes with quoted labels in four shapes, three edge styles (one labelled),
 * classDef and class. GitHub renders it in Markdown files and in comments.
 */

export interface MermaidStyle {
  /** classDef name -> style (`fill:#...,stroke:#...`), declared in this order. */
  readonly classDefs?: ReadonlyArray<readonly [string, string]>;
  /** Node id -> classDef name. */
  readonly classes?: ReadonlyMap<string, string>;
  /** Extra label line per node id (e.g. the plan's counts). */
  readonly notes?: ReadonlyMap<string, string>;
  /**
   * Subgraphs by group instead of by layer (an account's units), in this order, and the edges
   * between groups (a unit's dependencies). Default: by layer.
   */
  readonly groups?: {
    readonly order: ReadonlyArray<{ readonly id: string; readonly title: string }>;
    readonly of: (node: DiagramNode) => string;
    readonly edges: ReadonlyArray<readonly [string, string]>;
  };
}

/** A label is quoted: quotes, angle brackets, `#` and backticks become Mermaid entity codes. */
export function escapeLabel(text: string): string {
  return text.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/`/g, '#96;');
}

function nodeLine(node: DiagramNode, note: string | undefined): string {
  const text = [...node.lines, ...(note ? [note] : [])].map(escapeLabel).join('<br/>');
  switch (node.shape) {
    case 'store':
      return `${node.id}[("${text}")]`;
    case 'function':
      return `${node.id}(["${text}"])`;
    case 'family':
      return `${node.id}[["${text}"]]`;
    default:
      return `${node.id}["${text}"]`;
  }
}

const ARROWS = { uses: '-->', attached: '-.->', path: '==>' } as const;

export function renderMermaid(diagram: Diagram, style: MermaidStyle = {}): string {
  const lines = ['flowchart LR'];
  const groups = style.groups
    ? style.groups.order.map(({ id, title }) => ({ id, title, nodes: diagram.nodes.filter((n) => style.groups!.of(n) === id) }))
    : LAYERS.map(({ layer, title }) => ({ id: `layer_${layer}`, title, nodes: diagram.nodes.filter((n) => n.layer === layer) }));
  for (const { id, title, nodes } of groups) {
    if (!nodes.length) continue;
    lines.push(`  subgraph ${id}["${escapeLabel(title)}"]`);
    for (const node of nodes) lines.push(`    ${nodeLine(node, style.notes?.get(node.id))}`);
    lines.push('  end');
  }
  for (const [from, to] of style.groups?.edges ?? []) lines.push(`  ${from} ==> ${to}`);
  for (const edge of diagram.edges) {
    const arrow = edge.both ? '<-->' : ARROWS[edge.kind];
    lines.push(edge.label ? `  ${edge.from} ${arrow}|"${escapeLabel(edge.label)}"| ${edge.to}` : `  ${edge.from} ${arrow} ${edge.to}`);
  }
  for (const [name, css] of style.classDefs ?? []) {
    const members = diagram.nodes.filter((n) => style.classes?.get(n.id) === name).map((n) => n.id);
    if (!members.length) continue;
    lines.push(`  classDef ${name} ${css}`);
    lines.push(`  class ${members.join(',')} ${name}`);
  }
  return `${lines.join('\n')}\n`;
}
