/**
 * `x.toFixed(digits)`, or with as many more decimals (up to 6) as tell it from each of
 * `thresholds` it is not: a value graded strictly past a threshold must not read as the
 * threshold (80.04 shown as "80.0" beside "> 80"). The count of decimals used comes back too.
 */
export function fixedApart(x: number, thresholds: readonly number[], digits = 1): { text: string; digits: number } {
  for (let d = digits; d < 6; d++) {
    const text = x.toFixed(d);
    if (!thresholds.some((t) => t !== x && Number(text) === t)) return { text, digits: d };
  }
  return { text: x.toFixed(6), digits: 6 };
}
