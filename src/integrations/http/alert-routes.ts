import { z } from 'zod';
import type { AlertRuleInput } from '../../alerts/rule-schema.js';
import { isValidationError } from '../../core/errors.js';
import { readJsonBody } from './body.js';
import { HttpError } from './errors.js';
import { parseBody, parseQuery } from './query.js';
import { json } from './responses.js';
import type { Route, RouteContext } from './router.js';

const time = z.union([z.string().regex(/^\d+$/).transform(Number), z.iso.datetime({ offset: true }).transform((v) => Date.parse(v))]);
const historyQuery = z.object({
  status: z.enum(['firing', 'resolved']).optional(),
  ruleId: z.string().min(1).optional(),
  fingerprint: z.string().min(1).optional(),
  from: time.optional(),
  to: time.optional(),
  limit: z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(1).max(1_000)).optional(),
});
const acknowledgeBody = z.object({ by: z.string().min(1).max(200).optional() }).strict().optional();

async function objectBody(ctx: RouteContext): Promise<Record<string, unknown>> {
  const body = await readJsonBody(ctx.request, ctx.options.maxBodyBytes);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(400, 'VALIDATION_FAILED', 'body must be a JSON object', { issues: [{ path: '', message: 'expected an object' }] });
  }
  return body as Record<string, unknown>;
}

function ruleOrNotFound(ctx: RouteContext) {
  const rule = ctx.monitor.alerts.getRule(ctx.params.id!);
  if (rule === undefined) throw new HttpError(404, 'NOT_FOUND', `no alert rule with id ${JSON.stringify(ctx.params.id)}`);
  return rule;
}

/** Seed 003's alert rule CRUD, active alerts, acknowledge and resolve, plus history and pending. */
export const alertRoutes: readonly Route[] = [
  { method: 'GET', path: '/alerts/rules', access: 'read', handle: async ({ monitor }) => json(200, { rules: monitor.alerts.getRules() }) },
  {
    method: 'POST',
    path: '/alerts/rules',
    access: 'write',
    async handle(ctx) {
      const body = await objectBody(ctx);
      // A taken id is a conflict with what exists, not a malformed rule: 409, so a client can tell.
      const conflict = (): HttpError => new HttpError(409, 'CONFLICT', `an alert rule with id ${JSON.stringify(String(body.id).slice(0, 100))} exists; update it with PUT`);
      if (typeof body.id === 'string' && ctx.monitor.alerts.getRule(body.id) !== undefined) throw conflict();
      try {
        return json(201, { rule: await ctx.monitor.alerts.createRule(body as unknown as AlertRuleInput) });
      } catch (error) {
        // Taken in the store by another instance that this one has not synced from yet.
        if (isValidationError(error) && error.issues.some((i) => i.path === 'id' && i.message === 'is taken')) throw conflict();
        throw error;
      }
    },
  },
  { method: 'GET', path: '/alerts/rules/:id', access: 'read', handle: async (ctx) => json(200, { rule: ruleOrNotFound(ctx) }) },
  {
    method: 'PUT',
    path: '/alerts/rules/:id',
    access: 'write',
    handle: async (ctx) => json(200, { rule: await ctx.monitor.alerts.updateRule(ctx.params.id!, (await objectBody(ctx)) as Partial<AlertRuleInput>) }),
  },
  {
    method: 'DELETE',
    path: '/alerts/rules/:id',
    access: 'write',
    async handle(ctx) {
      await ctx.monitor.alerts.deleteRule(ctx.params.id!);
      return json(200, { deleted: ctx.params.id });
    },
  },
  { method: 'GET', path: '/alerts/active', access: 'read', handle: async ({ monitor }) => json(200, { alerts: monitor.alerts.getActiveAlerts() }) },
  { method: 'GET', path: '/alerts/pending', access: 'read', handle: async ({ monitor }) => json(200, { pending: monitor.alerts.getPendingAlerts() }) },
  {
    method: 'GET',
    path: '/alerts/history',
    access: 'read',
    async handle({ monitor, url }) {
      const query = parseQuery(historyQuery, url);
      return json(200, { alerts: await monitor.alerts.getAlertHistory(query) });
    },
  },
  {
    method: 'POST',
    path: '/alerts/:id/acknowledge',
    access: 'write',
    async handle(ctx) {
      const body = parseBody(acknowledgeBody, await readJsonBody(ctx.request, ctx.options.maxBodyBytes));
      return json(200, { alert: await ctx.monitor.alerts.acknowledge(ctx.params.id!, body?.by ?? 'http') });
    },
  },
  {
    method: 'POST',
    path: '/alerts/:id/resolve',
    access: 'write',
    handle: async (ctx) => json(200, { alert: await ctx.monitor.alerts.resolve(ctx.params.id!) }),
  },
];
