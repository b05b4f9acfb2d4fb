/**
 * Imported first by main.ts, for its side effect: turns source-mapped stack traces off before any
 * other module of the app loads, unless the run asked for them (`node --enable-source-maps`).
 *
 * tsx turns them on. Then (1) tsx appends an inline source map to every TypeScript file it
 * compiles and Node parses each one as the module loads, and (2) cdktf captures a full stack
 * trace for every token it creates (thousands per synth), each mapped through those maps. Both
 * showed in CPU profiles of the synth (about 100 ms and a fifth of synth time). A statement in
 * main.ts itself is too late for (1): imports are hoisted and run before its first statement.
 *
 * The price: a module compiled while they are off carries no map, so an unexpected error's stack
 * names positions in tsx's compiled JavaScript; main.ts says how to get TypeScript lines.
 */
export const SOURCE_MAPS_REQUESTED = process.execArgv.includes('--enable-source-maps') || /(^|\s)--enable-source-maps(\s|$)/.test(process.env.NODE_OPTIONS ?? '');

if (!SOURCE_MAPS_REQUESTED) process.setSourceMapsEnabled(false);
