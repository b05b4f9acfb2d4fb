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
  for (const { layer, title } of LAYERS) {
    const nodes = diagram.nodes.filter((n) => n.layer === layer);
    if (!nodes.length) continue;
    lines.push(`  subgraph layer_${layer}["${escapeLabel(title)}"]`);
    for (const node of nodes) lines.push(`    ${nodeLine(node, style.notes?.get(node.id))}`);
    lines.push('  end');
  }
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
