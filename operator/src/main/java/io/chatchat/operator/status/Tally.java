package io.chatchat.operator.status;

import java.util.ArrayList;
import java.util.List;

/** What the components and gates add up to: not ready, still rolling, degraded. */
final class Tally {
  final List<String> notReady = new ArrayList<>();
  final List<String> rolling = new ArrayList<>();
  final List<String> degraded = new ArrayList<>();
}
