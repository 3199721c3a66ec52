/** Numeric ids, UUIDs and long hex strings (object ids, hashes): the segments that vary per request. */
const ID_SEGMENT = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,})$/i;

/**
 * The default route label: the URL path with id-like segments replaced by `:id`, so
 * `/users/123` and `/users/456` are one series. Takes a path (optionally with query and hash),
 * not an absolute URL.
 */
export function templateRoute(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0]!.split('#')[0]!;
  return path
    .split('/')
    .map((segment) => (ID_SEGMENT.test(segment) ? ':id' : segment))
    .join('/') || '/';
}
