'use strict';
// A cumulative histogram of seconds in the buckets the Python agent uses
// (8 to an octave, edges 9% apart, from 1 µs to about 70 s), served as
// strain's runtime endpoint serves Go's: its non-empty buckets.

const EDGES = [];
for (let i = 0; i <= 8 * 26; i++) EDGES.push(1e-6 * 2 ** (i / 8));

// bucketOf is the index of the bucket that holds seconds: a value below
// the first edge counts in the first bucket, one past the last in the last.
function bucketOf(seconds) {
  let lo = 0;
  let hi = EDGES.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (EDGES[mid] <= seconds) lo = mid;
    else hi = mid - 1;
  }
  return Math.min(lo, EDGES.length - 2);
}

class Histogram {
  constructor() {
    this.counts = new Array(EDGES.length - 1).fill(0);
  }

  add(seconds, n = 1) {
    if (n > 0 && Number.isFinite(seconds)) this.counts[bucketOf(seconds)] += n;
  }

  // buckets is the JSON of the endpoint: {lo, hi, n} of each non-empty bucket.
  buckets() {
    const out = [];
    this.counts.forEach((n, i) => {
      if (n) out.push({ lo: EDGES[i], hi: EDGES[i + 1], n });
    });
    return out;
  }
}

// foldDelay adds what a perf_hooks delay histogram (monitorEventLoopDelay)
// recorded to h, each value less the timer's own resolution (the delay is
// the time between two of its ticks: a loop that waits for nothing shows
// the resolution), and says how many values it added. The histogram
// gives its percentiles, not its buckets: each percentile's value is the
// top of the bucket that holds the value of rank ceil(pct% of the count),
// so the values of the ranks after the previous percentile's up to that
// one count at it, the most they could have been: no tail is made shorter
// than it was, and none longer than the histogram's own step.
function foldDelay(h, delay, resolutionNanos) {
  const total = delay.count;
  if (!total) return 0;
  let below = 0;
  for (const [pct, nanos] of delay.percentiles) {
    const upTo = Math.min(Math.ceil((total * pct) / 100 - 1e-9), total);
    if (upTo > below) {
      h.add(Math.max(nanos - resolutionNanos, 0) / 1e9, upTo - below);
      below = upTo;
    }
  }
  if (below < total) h.add(Math.max(delay.max - resolutionNanos, 0) / 1e9, total - below);
  return total;
}

module.exports = { Histogram, EDGES, bucketOf, foldDelay };
