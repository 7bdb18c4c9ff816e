/**
 * The package graph (package-graph.json) against what each package.json
 * declares and what its sources import: a package that imports another
 * without declaring it would install without it (scripts/install-agent
 * copies what npm says a package needs), and one that declares more than
 * the graph allows breaks the graph without an import ESLint would see.
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
});
