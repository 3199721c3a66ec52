export default function Home() {
  return (
    <main>
      <h1>pulsewatch + Next.js</h1>
      <ul>
        <li>
          <a href="/api/users/42">/api/users/42</a>: a route handler wrapped in withPerformanceTracking
        </li>
        <li>
          <a href="/api/monitoring/health">/api/monitoring/health</a>
        </li>
        <li>
          <a href="/api/monitoring/metrics?format=prometheus">/api/monitoring/metrics?format=prometheus</a>
        </li>
      </ul>
    </main>
  );
}
