/**
 * The shape of src/: imports run one way (cli → core → targets, and a target never reaches into
 * another), and no module imports itself back through others (a circle makes load order matter
 * and hides which module owns an idea). Type-only imports count: they are circles for a reader.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../src');

/** Every relative module specifier in a file: static imports, re-exports and dynamic import(). */
export function relativeImports(text: string): string[] {
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) specs.push(m[1]!);
  return specs;
}

async function sourceGraph(): Promise<Map<string, string[]>> {
  const files = (await readdir(SRC, { recursive: true })).filter((f) => f.endsWith('.ts')).map((f) => path.join(SRC, f));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    graph.set(path.relative(SRC, file), relativeImports(text).map((s) => path.relative(SRC, path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')))));
  }
  return graph;
}

/** Each elementary circle found by a depth-first walk, as the list of files around it. */
export function findCircles(graph: Map<string, string[]>): string[][] {
  const circles: string[][] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (node: string): void => {
    const at = onPath.indexOf(node);
    if (at >= 0) {
      circles.push([...onPath.slice(at), node]);
      return;
    }
    if (done.has(node)) return;
    onPath.push(node);
    for (const next of graph.get(node) ?? []) visit(next);
    onPath.pop();
    done.add(node);
  };
  for (const node of [...graph.keys()].sort()) visit(node);
  return circles;
}

const layerOf = (file: string): string => {
  const [top, second] = file.split(path.sep);
  return top === 'targets' ? `targets/${second}` : top!;
};

/** Which layers each layer may import. */
const ALLOWED: Record<string, string[]> = {
  core: ['core'],
  cli: ['cli', 'core', 'targets/aws', 'targets/local'],
  'targets/aws': ['targets/aws', 'core'],
  'targets/local': ['targets/local', 'core'],
};

describe('the import graph of src/', () => {
  it('finds circles when there are some (the checker itself)', () => {
    const g = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
    expect(findCircles(g)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    expect(findCircles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
    expect(relativeImports("import type { X } from './x.js';\nconst y = await import('../y.js');\nexport * from './z.js';\nimport './side.js';")).toEqual(['./x.js', '../y.js', './z.js', './side.js']);
  });

  it('has no circles', async () => {
    expect(findCircles(await sourceGraph())).toEqual([]);
  });

  it('imports one way: cli → core → targets (the CLI through drivers.ts alone), and no target into another', async () => {
    const wrong: string[] = [];
    for (const [file, deps] of await sourceGraph()) {
      for (const dep of deps) {
        if (!ALLOWED[layerOf(file)]?.includes(layerOf(dep))) wrong.push(`${file} → ${dep}`);
        // The CLI reaches a target through one door, which loads it lazily (--help loads none).
        else if (layerOf(file) === 'cli' && layerOf(dep).startsWith('targets/') && file !== path.join('cli', 'drivers.ts')) wrong.push(`${file} → ${dep}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
