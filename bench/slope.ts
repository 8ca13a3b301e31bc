/** Least-squares slope of y over x (y units per x unit); 0 when x does not vary. */
export function leastSquaresSlope(xs: readonly number[], ys: readonly number[]): number {
  const n = Math.max(Math.min(xs.length, ys.length), 1);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * ((ys[i] ?? 0) - my);
    den += (x - mx) ** 2;
  });
  return den === 0 ? 0 : num / den;
}
