/**
 * A bounding volume hierarchy over axis-aligned boxes, stored flat in typed arrays so traversal touches
 * no objects. Built top-down with a binned surface-area heuristic. The build depends only on the input
 * boxes (fixed bin counts, stable tie-breaks), so every worker builds the same tree for the same scene.
 */
export interface Bvh {
  /** Six numbers per node: min x, y, z then max x, y, z. */
  bounds: Float64Array;
  /** Leaf: first slot in `order`. Inner node: index of its left child; the right child follows it. */
  first: Int32Array;
  /** Leaf: how many primitives (> 0). Inner node: 0. */
  count: Int32Array;
  /** Primitive ids, grouped so that each leaf's primitives are contiguous. */
  order: Int32Array;
  nodeCount: number;
}

/** Deepest a tree gets before we stop trusting SAH and split at the median; bounds the traversal stack. */
export const BVH_SAH_MAX_DEPTH = 40;
/** Traversal stacks must hold this many entries: SAH levels plus balanced median levels for 2^24 items. */
export const BVH_STACK_SIZE = BVH_SAH_MAX_DEPTH + 32;

const BINS = 12;
/** Binning scratch, shared by every node of every build (builds are synchronous, so never concurrent). */
const scratch = {
  binBounds: new Float64Array(BINS * 6),
  binCounts: new Int32Array(BINS),
  acc: new Float64Array(6),
  leftArea: new Float64Array(BINS),
  leftCount: new Int32Array(BINS),
};
const MAX_LEAF = 4;
const TRAVERSAL_COST = 1;

/** Builds a BVH over `count` boxes given as six numbers each (min xyz, max xyz) in `boxes`. */
export function buildBvh(boxes: Float64Array, count: number): Bvh {
  const maxNodes = Math.max(1, 2 * count - 1);
  const bvh: Bvh = {
    bounds: new Float64Array(maxNodes * 6),
    first: new Int32Array(maxNodes),
    count: new Int32Array(maxNodes),
    order: new Int32Array(count),
    nodeCount: 1,
  };
  const centroids = new Float64Array(count * 3);
  for (let i = 0; i < count; i++) {
    bvh.order[i] = i;
    for (let a = 0; a < 3; a++) centroids[i * 3 + a] = (boxes[i * 6 + a] + boxes[i * 6 + 3 + a]) * 0.5;
  }
  if (count === 0) {
    bvh.bounds.set([Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity]);
    return bvh;
  }
  // Explicit work list instead of recursion: node, range start, range end, depth.
  const work: number[] = [0, 0, count, 0];
  while (work.length > 0) {
    const depth = work.pop()!;
    const end = work.pop()!;
    const start = work.pop()!;
    const node = work.pop()!;
    const split = splitNode(bvh, boxes, centroids, node, start, end, depth);
    if (split < 0) continue;
    const left = bvh.nodeCount;
    bvh.nodeCount += 2;
    bvh.first[node] = left;
    bvh.count[node] = 0;
    work.push(left + 1, split, end, depth + 1, left, start, split, depth + 1);
  }
  return bvh;
}

/** Fills in the node's bounds; returns the split position, or -1 if the node became a leaf. */
function splitNode(
  bvh: Bvh,
  boxes: Float64Array,
  centroids: Float64Array,
  node: number,
  start: number,
  end: number,
  depth: number,
): number {
  const { order } = bvh;
  const nb = bvh.bounds;
  let minX = Infinity, minY = Infinity, minZ = Infinity, maxX = -Infinity, maxY = -Infinity, maxZ = -Infinity;
  let cMinX = Infinity, cMinY = Infinity, cMinZ = Infinity, cMaxX = -Infinity, cMaxY = -Infinity, cMaxZ = -Infinity;
  for (let i = start; i < end; i++) {
    const p = order[i];
    const b = p * 6;
    if (boxes[b] < minX) minX = boxes[b];
    if (boxes[b + 1] < minY) minY = boxes[b + 1];
    if (boxes[b + 2] < minZ) minZ = boxes[b + 2];
    if (boxes[b + 3] > maxX) maxX = boxes[b + 3];
    if (boxes[b + 4] > maxY) maxY = boxes[b + 4];
    if (boxes[b + 5] > maxZ) maxZ = boxes[b + 5];
    const cx = centroids[p * 3];
    const cy = centroids[p * 3 + 1];
    const cz = centroids[p * 3 + 2];
    if (cx < cMinX) cMinX = cx;
    if (cy < cMinY) cMinY = cy;
    if (cz < cMinZ) cMinZ = cz;
    if (cx > cMaxX) cMaxX = cx;
    if (cy > cMaxY) cMaxY = cy;
    if (cz > cMaxZ) cMaxZ = cz;
  }
  nb.set([minX, minY, minZ, maxX, maxY, maxZ], node * 6);
  const cb = [cMinX, cMinY, cMinZ, cMaxX, cMaxY, cMaxZ];
  const n = end - start;
  bvh.first[node] = start;
  bvh.count[node] = n;
  if (n <= 1) return -1;

  const extents = [cb[3] - cb[0], cb[4] - cb[1], cb[5] - cb[2]];
  const longest = extents[0] >= extents[1] && extents[0] >= extents[2] ? 0 : extents[1] >= extents[2] ? 1 : 2;
  if (extents[longest] <= 0) return n <= MAX_LEAF ? -1 : medianSplit(order, centroids, start, end, longest);
  if (depth >= BVH_SAH_MAX_DEPTH) return medianSplit(order, centroids, start, end, longest);

  const best = bestSahSplit(boxes, centroids, order, start, end, cb, extents);
  const leafCost = n * surfaceArea(nb, node * 6);
  const splitCost = TRAVERSAL_COST * surfaceArea(nb, node * 6) + best.cost;
  if (best.axis < 0 || (splitCost >= leafCost && n <= MAX_LEAF)) return n <= MAX_LEAF ? -1 : medianSplit(order, centroids, start, end, longest);

  // Partition in place: primitives in bins below the split go left.
  const axis = best.axis;
  const lo = cb[axis];
  const binScale = BINS / extents[axis];
  let i = start;
  let j = end - 1;
  while (i <= j) {
    if (binOf(centroids[order[i] * 3 + axis], lo, binScale) < best.bin) i++;
    else {
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
      j--;
    }
  }
  if (i === start || i === end) return medianSplit(order, centroids, start, end, longest);
  return i;
}

function bestSahSplit(
  boxes: Float64Array,
  centroids: Float64Array,
  order: Int32Array,
  start: number,
  end: number,
  cb: number[],
  extents: number[],
): { axis: number; bin: number; cost: number } {
  const { binBounds, binCounts, acc, leftArea, leftCount } = scratch;
  let best = { axis: -1, bin: 0, cost: Infinity };
  for (let axis = 0; axis < 3; axis++) {
    if (extents[axis] <= 0) continue;
    const binScale = BINS / extents[axis];
    binCounts.fill(0);
    for (let b = 0; b < BINS; b++) resetBox(binBounds, b * 6);
    for (let i = start; i < end; i++) {
      const p = order[i];
      const b = binOf(centroids[p * 3 + axis], cb[axis], binScale);
      binCounts[b]++;
      growBox(binBounds, b * 6, boxes, p * 6);
    }
    // Sweep from the left recording area and count, then from the right evaluating each split plane.
    resetBox(acc, 0);
    let count = 0;
    for (let b = 0; b < BINS - 1; b++) {
      if (binCounts[b] > 0) growBox(acc, 0, binBounds, b * 6);
      count += binCounts[b];
      leftArea[b] = count > 0 ? surfaceArea(acc, 0) : 0;
      leftCount[b] = count;
    }
    resetBox(acc, 0);
    count = 0;
    for (let b = BINS - 1; b > 0; b--) {
      if (binCounts[b] > 0) growBox(acc, 0, binBounds, b * 6);
      count += binCounts[b];
      if (count === 0 || leftCount[b - 1] === 0) continue;
      const cost = leftCount[b - 1] * leftArea[b - 1] + count * surfaceArea(acc, 0);
      if (cost < best.cost) best = { axis, bin: b, cost };
    }
  }
  return best;
}

function binOf(centroid: number, lo: number, binScale: number): number {
  const b = Math.floor((centroid - lo) * binScale);
  return b < 0 ? 0 : b >= BINS ? BINS - 1 : b;
}

function medianSplit(order: Int32Array, centroids: Float64Array, start: number, end: number, axis: number): number {
  const sorted = Array.from(order.subarray(start, end)).sort(
    (a, b) => centroids[a * 3 + axis] - centroids[b * 3 + axis] || a - b,
  );
  order.set(sorted, start);
  return start + (sorted.length >> 1);
}

function resetBox(box: Float64Array, o: number): void {
  box[o] = box[o + 1] = box[o + 2] = Infinity;
  box[o + 3] = box[o + 4] = box[o + 5] = -Infinity;
}

function growBox(box: Float64Array, o: number, from: Float64Array, f: number): void {
  for (let a = 0; a < 3; a++) {
    if (from[f + a] < box[o + a]) box[o + a] = from[f + a];
    if (from[f + 3 + a] > box[o + 3 + a]) box[o + 3 + a] = from[f + 3 + a];
  }
}

function surfaceArea(box: Float64Array, o: number): number {
  const dx = box[o + 3] - box[o];
  const dy = box[o + 4] - box[o + 1];
  const dz = box[o + 5] - box[o + 2];
  return 2 * (dx * dy + dy * dz + dz * dx);
}
