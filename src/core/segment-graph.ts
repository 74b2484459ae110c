/**
 * What a filter depends on (segments and lists it reads), and cycle detection over the
 * segment dependency graph. Pure.
 */
import { assertNever } from './object-types';
import type { FilterNode } from './filter/filter-tree';

export interface FilterDependencies {
  readonly segments: ReadonlySet<string>;
  readonly lists: ReadonlySet<string>;
}

export function dependenciesOf(node: FilterNode): FilterDependencies {
  const segments = new Set<string>();
  const lists = new Set<string>();
  const visit = (n: FilterNode): void => {
    switch (n.kind) {
      case 'and':
      case 'or':
        n.children.forEach(visit);
        return;
      case 'not':
        visit(n.child);
        return;
      case 'related':
        visit(n.filter);
        return;
      case 'segment':
        segments.add(n.segmentId);
        return;
      case 'list':
        lists.add(n.listId);
        return;
      case 'attribute':
      case 'event':
      case 'tag':
        return;
      default:
        assertNever(n, 'filter node');
    }
  };
  visit(node);
  return { segments, lists };
}

/**
 * The dependency chain that would close a cycle if `segmentId` came to depend on `newDeps`,
 * e.g. ['7', '9', '7'] ("7 uses 9, which uses 7"); null when there is none.
 * @param edges segment id → ids of the segments its filter reads (current state, excluding segmentId's own edges)
 */
export function findCycle(segmentId: string, newDeps: Iterable<string>, edges: ReadonlyMap<string, readonly string[]>): string[] | null {
  const path: string[] = [segmentId];
  const onPath = new Set<string>();
  const done = new Set<string>();
  const walk = (id: string): boolean => {
    if (id === segmentId) return true;
    if (done.has(id) || onPath.has(id)) return false;
    onPath.add(id);
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      if (walk(next)) return true;
    }
    path.pop();
    onPath.delete(id);
    done.add(id);
    return false;
  };
  for (const dep of newDeps) {
    if (walk(dep)) return [...path, segmentId];
  }
  return null;
}
