package io.chatchat.e2e.bench;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Samples the operator's resident memory once a second (from /proc, free for the operator) and its
 * heap every {@link #HEAP_EVERY} seconds (a scrape of its /metrics, as a Prometheus would), and
 * keeps the peaks. Scraping every second would count the rendering of every cluster's metrics into
 * the operator's CPU: 500 clusters' series, 400 times over a burst.
 */
final class Sampler implements AutoCloseable {
  private final OperatorProcess operator;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;
  private volatile double peakRss;
  private volatile double peakHeapUsed;
  private volatile double peakHeapCommitted;

  Sampler(OperatorProcess operator) {
    this.operator = operator;
    this.thread = new Thread(this::loop, "bench-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  /** Seconds between two heap samples: a common Prometheus scrape interval. */
  static final int HEAP_EVERY = 15;

  private void loop() {
    for (long second = 0; running.get() && operator.alive(); second++) {
      peakRss = Math.max(peakRss, operator.rssMiB());
      if (second % HEAP_EVERY == 0) {
        double[] heap = operator.heapMiB();
        if (!Double.isNaN(heap[0])) {
          peakHeapUsed = Math.max(peakHeapUsed, heap[0]);
          peakHeapCommitted = Math.max(peakHeapCommitted, heap[1]);
        }
      }
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  double peakRss() {
    return peakRss;
  }

  double peakHeapUsed() {
    return peakHeapUsed;
  }

  double peakHeapCommitted() {
    return peakHeapCommitted;
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    thread.interrupt();
    thread.join();
  }
}
