package io.chatchat.e2e.bench;

import java.util.concurrent.atomic.AtomicBoolean;

/** Samples the operator's resident memory and heap once a second and keeps the peaks. */
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

  private void loop() {
    while (running.get() && operator.alive()) {
      peakRss = Math.max(peakRss, operator.rssMiB());
      double[] heap = operator.heapMiB();
      if (!Double.isNaN(heap[0])) {
        peakHeapUsed = Math.max(peakHeapUsed, heap[0]);
        peakHeapCommitted = Math.max(peakHeapCommitted, heap[1]);
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
