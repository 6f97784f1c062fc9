import { ActionIcon, Group } from '@mantine/core';

/** Sort key shared by articles, sections and categories: position, then slug. */
export const byPosition = <T extends { position: number; slug: string }>(a: T, b: T) => a.position - b.position || a.slug.localeCompare(b.slug);

/**
 * Moves one item of an ordered group one step up (-1) or down (+1) and numbers the group 0..n-1,
 * so equal or sparse positions still change order. `visible` limits the neighbour to items on screen.
 * Returns only the items whose position changes (empty when it cannot move).
 */
export function movedPositions<T extends { id: string; position: number; slug: string }>(group: T[], id: string, dir: -1 | 1, visible?: Set<string>): { item: T; position: number }[] {
  const order = [...group].sort(byPosition);
  const i = order.findIndex((x) => x.id === id);
  if (i < 0) return [];
  let j = i + dir;
  while (j >= 0 && j < order.length && visible && !visible.has(order[j]!.id)) j += dir;
  if (j < 0 || j >= order.length) return [];
  const [item] = order.splice(i, 1);
  order.splice(j, 0, item!);
  return order.flatMap((x, position) => (x.position === position ? [] : [{ item: x, position }]));
}

/** Whether `id` has a neighbour in direction `dir` (used to disable the buttons at the ends). */
export function canMove<T extends { id: string; position: number; slug: string }>(group: T[], id: string, dir: -1 | 1, visible?: Set<string>): boolean {
  const order = [...group].sort(byPosition);
  let j = order.findIndex((x) => x.id === id) + dir;
  while (j >= 0 && j < order.length && visible && !visible.has(order[j]!.id)) j += dir;
  return j >= 0 && j < order.length;
}

const Arrow = ({ up, size = 16 }: { up: boolean; size?: number }) => (
  <svg xmlns="http://www.w3.org/2000/svg" width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
    {up ? <path d="M6 15l6-6 6 6" /> : <path d="M6 9l6 6 6-6" />}
  </svg>
);

export const IconPhoto = (p: { size?: number }) => (
  <svg xmlns="http://www.w3.org/2000/svg" width={p.size ?? 18} height={p.size ?? 18} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
    <path d="M15 8h.01" />
    <path d="M3 6a3 3 0 0 1 3-3h12a3 3 0 0 1 3 3v12a3 3 0 0 1-3 3H6a3 3 0 0 1-3-3z" />
    <path d="M3 16l5-5c.928-.893 2.072-.893 3 0l5 5" />
    <path d="M14 14l1-1c.928-.893 2.072-.893 3 0l3 3" />
  </svg>
);

/** Up / down buttons; clicks do not reach the row underneath. */
export function MoveButtons({ up, down, onMove, busy, labels, testId }: { up: boolean; down: boolean; onMove: (dir: -1 | 1) => void; busy?: boolean; labels: { up: string; down: string }; testId?: string }) {
  return (
    <Group gap={2} wrap="nowrap" onClick={(e) => e.stopPropagation()}>
      <ActionIcon variant="subtle" color="gray" size="sm" disabled={!up || busy} onClick={() => onMove(-1)} aria-label={labels.up} title={labels.up} data-testid={testId ? `${testId}-up` : undefined}>
        <Arrow up />
      </ActionIcon>
      <ActionIcon variant="subtle" color="gray" size="sm" disabled={!down || busy} onClick={() => onMove(1)} aria-label={labels.down} title={labels.down} data-testid={testId ? `${testId}-down` : undefined}>
        <Arrow up={false} />
      </ActionIcon>
    </Group>
  );
}
