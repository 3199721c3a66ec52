/**
 * Obsolete: rules no longer sample counters and gauges at each evaluation. They read them from
 * their rollups through the window query (metrics/window-query.ts), every instance's included,
 * counting from the window's start rather than from the engine's first sample. This empty class
 * remains only because the engine still constructs one for the evaluator's shared state; delete
 * this file once engine.ts and `EvaluatorState.samples` stop naming it.
 */
export class SampleStore {}
