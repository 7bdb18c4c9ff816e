/**
 * The package graph (package-graph.json) against what each package.json
 * declares and what its sources import: a package that imports another
 * without declaring it would install without it (scripts/install-agent
 * copies what npm says a package needs), and one that declares more than
 * the graph allows breaks the graph without an import ESLint would see.
 *
 * Inside each package, no import circle: neither between its files nor
 * between the folders of its src/ (see `folderOf` for the rule), so each
 * file and each folder can be read, and tested, above what it uses.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const { '//': _about, ...GRAPH } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-graph.json'), 'utf8')) as Record<string, string[]>;

function sourcesOf(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === 'generated' ? [] : sourcesOf(p);
    return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** A source's imports of files of its own package (relative ones, `import type` and `import()` included), as paths of existing files. */
function relativeImportsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const found = new Set<string>();
  for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const p = path.resolve(path.dirname(file), m[1]!.replace(/\.js$/, ''));
    const target = [`${p}.ts`, path.join(p, 'index.ts'), `${p}.d.ts`].find((c) => fs.existsSync(c));
    if (!target) throw new Error(`${file} imports ${m[1]}, which is no source of its package`);
    found.add(target);
  }
  return [...found];
}

type Graph = Map<string, Set<string>>;

/** The strongly connected components of more than one node, or of one that reaches itself (Tarjan). */
function circlesOf(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) found.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** Each source of a package's src/ (relative to it) and the sources it imports. */
function fileGraphOf(pkg: string): Graph {
  const src = path.join(ROOT, 'packages', pkg, 'src');
  const graph: Graph = new Map();
  for (const file of sourcesOf(src)) graph.set(path.relative(src, file), new Set(relativeImportsOf(file).map((f) => path.relative(src, f))));
  return graph;
}

/**
 * The folder a source belongs to, for the folders' circles: its first
 * directory under src/, or '(root)' for a file of src/ itself. The root's
 * shared modules (errors.ts, version.ts) are imported by every folder, so
 * a root file another file imports must import no subfolder. A root file
 * no file of the package imports (index.ts, a program such as cli.ts) is
 * the top of the package, not part of a folder: it may import anything.
 */
function folderOf(file: string, imported: Set<string>): string | undefined {
  const parts = file.split(path.sep);
  if (parts.length > 1) return parts[0];
  return imported.has(file) ? '(root)' : undefined;
}

/** The folders' circles of a package, each said with the imports that make it: what to break. */
function folderCirclesOf(graph: Graph): string[] {
  const imported = new Set([...graph.values()].flatMap((targets) => [...targets]));
  const folders: Graph = new Map();
  const because = new Map<string, string[]>();
  for (const [file, targets] of graph) {
    const from = folderOf(file, imported);
    if (from === undefined) continue;
    if (!folders.has(from)) folders.set(from, new Set());
    for (const target of targets) {
      const to = folderOf(target, imported)!;
      if (to === from) continue;
      folders.get(from)!.add(to);
      because.set(`${from}>${to}`, [...(because.get(`${from}>${to}`) ?? []), `${file} → ${target}`]);
    }
  }
  return circlesOf(folders).map((circle) => {
    const edges = circle.flatMap((from) => circle.filter((to) => to !== from && because.has(`${from}>${to}`)).map((to) => because.get(`${from}>${to}`)!));
    return `${circle.join(' ⇄ ')}: ${edges.flat().sort().join(', ')}`;
  });
}

describe('the package graph', () => {
  test('every package in packages/ has a place in the graph', () => {
    expect(fs.readdirSync(path.join(ROOT, 'packages')).sort()).toEqual(Object.keys(GRAPH).sort());
  });

  test.each(Object.keys(GRAPH))('%s declares exactly the packages its sources import, all allowed by the graph', (pkg) => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'packages', pkg, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const declared = Object.keys(manifest.dependencies ?? {})
      .filter((d) => d.startsWith('@cpsbackup/'))
      .map((d) => d.slice('@cpsbackup/'.length))
      .sort();
    const imported = new Set<string>();
    for (const file of sourcesOf(path.join(ROOT, 'packages', pkg, 'src'))) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/from '@cpsbackup\/([a-z-]+)/g)) if (m[1] !== pkg) imported.add(m[1]!);
    }
    expect(declared).toEqual([...imported].sort());
    expect(declared.filter((d) => !GRAPH[pkg]!.includes(d))).toEqual([]);
  });

  test.each(Object.keys(GRAPH))('%s has no import circle between its files', (pkg) => {
    // Each circle is listed by its files (relative to src/): break one import of it.
    expect(circlesOf(fileGraphOf(pkg)).map((circle) => circle.join(' ⇄ '))).toEqual([]);
  });

  test.each(Object.keys(GRAPH))('%s has no import circle between the folders of its src/', (pkg) => {
    // Each circle is listed by its folders, and the imports that join them.
    expect(folderCirclesOf(fileGraphOf(pkg))).toEqual([]);
  });
});
