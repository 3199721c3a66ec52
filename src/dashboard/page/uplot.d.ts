// The part of uPlot's API the page uses. uPlot ships dist/uPlot.d.ts, but its package.json has
// neither `types` nor `exports`, so NodeNext resolution does not find it.
declare module 'uplot' {
  interface Series {
    label?: string;
    stroke?: string;
    width?: number;
    spanGaps?: boolean;
  }
  interface Options {
    width: number;
    height: number;
    series: Series[];
    scales?: Record<string, { time?: boolean; range?: (u: uPlot, min: number, max: number) => [number, number] }>;
    axes?: { size?: number; stroke?: string; font?: string }[];
    legend?: { show?: boolean; live?: boolean };
    cursor?: { show?: boolean };
  }
  class uPlot {
    constructor(options: Options, data: (number | null)[][], target: HTMLElement);
    setData(data: (number | null)[][], resetScales?: boolean): void;
    setScale(key: string, limits: { min: number; max: number }): void;
    setSize(size: { width: number; height: number }): void;
    destroy(): void;
  }
  export = uPlot;
}
