// Vercel's edge runtime (what Next.js middleware and edge routes run on) serves a script through
// 'fetch' events; this wraps the module worker the way its bundlers do.
import worker from './worker.js';

addEventListener('fetch', (event) => {
  event.respondWith(worker.fetch(event.request));
});
