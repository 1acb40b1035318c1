// Package metrics builds every Prometheus collector Omnigate exports (SPEC V8), from
// one constructor. Label values come from our enums (queue names from config,
// channels, states, presences), never from caller data.
//
// Two kinds of figures:
//   - counters and histograms fed by routing as things happen (Metrics implements
//     routing.Observer): offers, accepts, declines, RONA, finished interactions,
//     answered within service level, routing decision latency;
//   - gauges read from a routing snapshot at scrape time (queue depth, oldest wait,
//     agents by presence, interactions by channel and state), so they are never stale.
package metrics
