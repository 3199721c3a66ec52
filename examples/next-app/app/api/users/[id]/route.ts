import { withPerformanceTracking } from 'pulsewatch/next';
import { monitor } from '@/lib/monitor';

// Records http_requests_total and http_request_duration_seconds with route="/api/users/[id]":
// one series for every user id, not one per id.
export const GET = withPerformanceTracking(
  async (_request: Request, { params }: { params: Promise<{ id: string }> }) => {
    const { id } = await params;
    if (!/^\d+$/.test(id)) return Response.json({ error: 'user ids are numbers' }, { status: 400 });
    return Response.json({ id, name: `user-${id}` });
  },
  { monitor, route: '/api/users/[id]' },
);
