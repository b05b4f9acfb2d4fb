// Parses Mermaid diagrams with Mermaid itself (the library GitHub renders with), in its own Node
// process because Mermaid ships as ES modules only. Mermaid's sanitizer (DOMPurify) needs a DOM,
// which happy-dom provides. Input on stdin: a JSON array of diagram texts. Output on stdout: a
// JSON array with, per diagram, null when it parses or the parser's error message.
import { Window } from 'happy-dom';

const window = new Window();
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import('mermaid');

let input = '';
for await (const chunk of globalThis.process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) {
  try {
    const parsed = await mermaid.parse(text);
    results.push(parsed && parsed.diagramType === 'flowchart-v2' ? null : `not a flowchart: ${JSON.stringify(parsed)}`);
  } catch (error) {
    results.push(String(error?.message ?? error));
  }
}
globalThis.process.stdout.write(JSON.stringify(results));
await window.happyDOM.close();
