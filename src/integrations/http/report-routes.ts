import type { Route } from './router.js';

/** Placeholder: filled by issue 18 items 3/4. */
export const reportRoutes: readonly Route[] = [];
