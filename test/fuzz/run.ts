// How many cases the fuzz runs, with which seed, and the figures it reports.

export const TOTAL = Math.max(10, Number(process.env.BSDSOCK_FUZZ_RUNS ?? 1200));
/** Cases between two descriptor checks (1 to find the case that leaked one). */
export const CHECK_EVERY = Number(process.env.BSDSOCK_FUZZ_CHECK_EVERY ?? 25);
export const SEED = process.env.BSDSOCK_FUZZ_SEED === undefined ? undefined : Number(process.env.BSDSOCK_FUZZ_SEED);
const share = (fraction: number): number => Math.max(5, Math.round(TOTAL * fraction));
export const RUNS = {
  flat: share(0.6),
  helpers: share(0.1),
  socket: share(0.3),
};
// Generous: a case takes well under a millisecond (flat) to a few (Socket), more under ASan.
export const timeoutFor = (runs: number): number => 30_000 + runs * 20;

export const figures = {
  seed: 0,
  cases: { flat: 0, helpers: 0, socket: 0 },
  calls: 0,
  outcomes: {} as Record<string, number>,
  descriptorChecks: 0,
  heapGrowthBytes: 0,
};

export function count(outcome: string): void {
  figures.calls++;
  figures.outcomes[outcome] = (figures.outcomes[outcome] ?? 0) + 1;
}
